"""The JAX side of test_jax_step: one jitted training step per model.

Run as `KERAS_BACKEND=jax python jax_step_child.py DIR`. DIR holds
`specs.json`, and per model `<name>.weights.h5` (initial weights written by
the TensorFlow side) and `<name>.npz` (the batch). For each model this
process builds the same architecture, loads the weights, runs
`jax_step.train_step` under `jax.jit` once and writes
`<name>.jax.npz`: the training-mode outputs, the loss and every variable
after the step. `modules.json` lists the tensorflow modules this process
imported (there must be none).

`build` is shared with the test so both backends build one architecture.
"""

import json
import os
import sys

import keras
import numpy as np

from landmark1d import models
from landmark1d.training import losses


def build(spec: dict):
  """A detector, or a tracker around one, from plain builder arguments."""
  detector = models.build_detector(**spec["detector"])
  if "tracker" in spec:
    return models.build_tracker(detector, **spec["tracker"])
  return detector


def _run(folder: str, name: str, spec: dict):
  # Only here: the TensorFlow-side test imports this module for `build`.
  import jax  # pylint: disable=g-import-not-at-top
  from landmark1d.training import jax_step  # pylint: disable=g-import-not-at-top
  model = build(spec)
  model.load_weights(os.path.join(folder, f"{name}.weights.h5"))
  with np.load(os.path.join(folder, f"{name}.npz")) as f:
    batch = dict(f)
  optimizer = keras.optimizers.Adam(spec["learning_rate"])
  state = jax_step.initial_state(model, optimizer)
  step = jax_step.train_step(model, optimizer,
                             losses.for_head(spec["detector"]["head"]),
                             len(batch["image"]))

  def outputs_and_step(state, batch):
    # The forward pass again, for its outputs; XLA shares it with the step's.
    outputs, _ = model.stateless_call(state.trainable, state.non_trainable,
                                      batch["image"], training=True)
    return outputs, step(state, batch)

  outputs, (loss, state) = jax.jit(outputs_and_step)(state, batch)
  arrays = {f"output_{k}": v for k, v in outputs.items()}
  arrays["loss"] = loss
  for part, values in state._asdict().items():
    arrays.update({f"{part}_{i:04d}": v for i, v in enumerate(values)})
  np.savez(os.path.join(folder, f"{name}.jax.npz"),
           **{k: np.asarray(v) for k, v in arrays.items()})


def main(folder: str):
  with open(os.path.join(folder, "specs.json"), encoding="utf-8") as f:
    specs = json.load(f)
  for name, spec in specs.items():
    _run(folder, name, spec)
  with open(os.path.join(folder, "modules.json"), "w", encoding="utf-8") as f:
    json.dump({"backend": keras.backend.backend(),
               "tensorflow": sorted(m for m in sys.modules
                                    if m.split(".")[0] == "tensorflow")}, f)


if __name__ == "__main__":
  main(sys.argv[1])
