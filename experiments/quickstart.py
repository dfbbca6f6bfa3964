"""The main job: train, evaluate and export the 1D detector on synthetic faces.

Builds the synthetic dataset if needed (~20 s), trains the CPU-sized attentive
1D detector (config `synthetic_det1d`) for --steps, scores it on the test split
beside the mean-shape baseline, exports a SavedModel, reloads it with plain
TensorFlow and checks it against the Keras model. Resumes if interrupted.

  python -m experiments.quickstart --workdir=runs/quickstart
"""

import os

import numpy as np
import tensorflow as tf
from absl import logging
from absl import flags

from experiments import cli
from experiments import configs as registry
from landmark1d.runs import common
from landmark1d.runs import evaluate
from landmark1d.runs import export
from landmark1d.runs import schema
from landmark1d.runs import train

_WORKDIR = flags.DEFINE_string("workdir", "runs/quickstart", "Run directory.")
_DATA_DIR = flags.DEFINE_string("data_dir", "runs/tensorflow_datasets",
                                "tfds data_dir for the synthetic set.")
_STEPS = flags.DEFINE_integer("steps", 800, "Training steps (batch 16).")
_CONFIG = flags.DEFINE_string("config", "synthetic_det1d", "Detector config.")


def main(argv):
  del argv
  logging.set_verbosity(logging.WARNING)  # tfds is chatty at INFO
  workdir = _WORKDIR.value
  config = schema.override(registry.get(_CONFIG.value), [
      f"data.data_dir={os.path.abspath(_DATA_DIR.value)}",
      f"train.steps={_STEPS.value}"]).validate()
  print(f"== train {config.name} ({config.description}) for "
        f"{config.train.steps} steps into {workdir}")
  train.run(config, workdir)
  print("== evaluate")
  results = evaluate.run(config, workdir)
  path = export.run(config, workdir, os.path.join(workdir,
                                                         "saved_model"))
  batch = next(iter(evaluate.eval_batches(config, "test", 8)))
  crops = tf.cast(tf.round(batch["image"] * 255.0), tf.uint8)
  served = tf.saved_model.load(path).signatures["detect"](images=crops)
  model = common.restore(config, workdir)
  keras_pred = common.decode(
      model(tf.cast(crops, tf.float32) / 255.0, training=False), config,
      config.eval.decoder, True)[0]
  gap = float(np.max(np.abs(served["landmarks"].numpy() - keras_pred)))
  print(f"== exported SavedModel to {path}; its `detect` signature matches "
        f"the Keras model to {gap:.2e} px")
  for split, scores in results.items():
    model_nrmse = scores["model"].summary.nrmse
    base_nrmse = scores["baseline"].summary.nrmse
    print(f"== {split}: NRMSE {model_nrmse:.2f}% (mean-shape baseline "
          f"{base_nrmse:.2f}%, {base_nrmse / model_nrmse:.1f}x lower error)")


if __name__ == "__main__":
  cli.run(main)
