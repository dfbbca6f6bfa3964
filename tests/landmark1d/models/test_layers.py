"""Every registered landmark1d layer through one shared test (keras-hub style).

For each layer registered under the "landmark1d" package: its config round
trip (every constructor argument in `get_config`, `from_config`, and the
serialized form resolving through `keras.saving.get_registered_object`), an
eager call equal to that of a clone built from the config with the same
weights, a symbolic call of the same output shapes, one `fit` step that
changes the trainable weights, and a call under mixed precision with float32
variables and the declared output dtypes. A layer registered without an
entry in `SPECS` fails the test, so a new layer is covered when it lands.
Semantic tests (equations, shapes over the paper's L) stay beside each layer.
"""

from __future__ import annotations

import dataclasses
import inspect

import keras
import numpy as np
import pytest

from landmark1d import models  # pylint: disable=unused-import (registers)


@dataclasses.dataclass(frozen=True)
class Spec:
  """How to build and call one layer at a tiny size.

  Attributes:
    init: constructor arguments.
    inputs: the shapes of the call's positional arguments; a list of shapes
      is one argument that is a list of tensors.
    mixed_dtype: the outputs' dtype under "mixed_float16": the compute dtype,
      or float32 where the layer emits heatmaps for the loss.
  """

  init: dict
  inputs: tuple
  mixed_dtype: str = "float16"


SPECS = {
    "FoldTime": Spec({}, ((2, 3, 4, 5),)),
    "UnfoldTime": Spec({}, ((6, 4, 5), (2, 3, 7))),
    "StackHeads": Spec({}, ([(2, 4, 5), (2, 4, 5)],)),
    "LastStack": Spec({}, ((2, 3, 4, 5),)),
    "TemporalFusion": Spec({"fusion_lambda": 0.3}, ((2, 4, 5, 3),)),
    "ConvLSTMFusion": Spec({"filters": 4}, ((2, 3, 4, 4, 2),)),
    "MultiScaleBlock": Spec({"filters": 8}, ((2, 8, 8, 4),)),
    "Hourglass": Spec({"filters": 8, "depth": 2}, ((2, 8, 8, 8),)),
    "Stem": Spec({"filters": 8}, ((2, 16, 16, 3),)),
    "InvertedResidual": Spec({"filters": 8, "expanded": 16,
                              "squeeze_excite": True,
                              "activation": "hard_swish"}, ((2, 8, 8, 8),)),
    # Depth 1 below F/4 = 8: a 32 px image.
    "MobileBackbone": Spec({"filters": 8, "depth": 1}, ((2, 32, 32, 3),)),
    "CoAttention": Spec({"gamma": 0.3}, ((2, 3, 7, 4), (2, 3, 5, 4))),
    "HeatmapEncoder": Spec({"rank": 1, "filters": 8}, ((2, 5, 16),)),
    "HeatmapDecoder": Spec({"rank": 1, "num_landmarks": 5, "filters": 8},
                           ((2, 4, 8),), mixed_dtype="float32"),
    # L = 48 from a 16-wide map: CNN2 resamples by 3, as at L = 768.
    "Head1D": Spec({"num_landmarks": 5, "heatmap_length": 48,
                    "attention_dims": 2, "width": 8}, ((2, 16, 16, 8),),
                   mixed_dtype="float32"),
    "Head2D": Spec({"num_landmarks": 5, "heatmap_length": 32, "width": 8},
                   ((2, 16, 16, 8),), mixed_dtype="float32"),
}
REGISTERED = sorted(name for name in keras.saving.get_custom_objects()
                    if name.startswith("landmark1d>"))


def _arrays(spec: Spec, seed: int = 0):
  rng = np.random.default_rng(seed)
  return [[rng.random(s, np.float32) for s in shape]
          if isinstance(shape, list) else rng.random(shape, np.float32)
          for shape in spec.inputs]


def _symbolic(spec: Spec):
  return [[keras.Input(s[1:]) for s in shape] if isinstance(shape, list)
          else keras.Input(shape[1:]) for shape in spec.inputs]


def _outputs(result) -> list:
  return [np.asarray(o) for o in keras.tree.flatten(result)]


def test_every_registered_layer_has_a_spec():
  assert REGISTERED == sorted(f"landmark1d>{n}" for n in SPECS)


@pytest.mark.parametrize("registered", REGISTERED)
def test_layer(registered):
  cls = keras.saving.get_registered_object(registered)
  spec = SPECS[registered.split(">")[1]]
  inputs = _arrays(spec)

  # Config round trip: every constructor argument, the registered name.
  layer = cls(**spec.init)
  config = layer.get_config()
  arguments = set(inspect.signature(cls.__init__).parameters) - {
      "self", "kwargs"}
  assert arguments <= set(config), arguments - set(config)
  assert cls.from_config(config).get_config() == config
  serialized = keras.saving.serialize_keras_object(layer)
  assert serialized["registered_name"] == registered
  again = keras.saving.deserialize_keras_object(serialized)
  assert type(again) is cls and again.get_config() == config

  # Eager: a clone from the config with the same weights computes the same.
  eager = _outputs(layer(*inputs))
  clone = cls.from_config(config)
  clone(*inputs)
  clone.set_weights(layer.get_weights())
  for a, b in zip(_outputs(clone(*inputs)), eager):
    np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)

  # Symbolic: the same shapes but the batch axis.
  symbolic = keras.tree.flatten(cls.from_config(config)(*_symbolic(spec)))
  assert [tuple(s.shape[1:]) for s in symbolic] == [
      e.shape[1:] for e in eager]

  # One fit step moves the trainable weights.
  if layer.trainable_weights:
    fresh = cls.from_config(config)
    sym = _symbolic(spec)
    model = keras.Model(sym, keras.tree.flatten(fresh(*sym)))
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    before = [w.numpy().copy() for w in fresh.trainable_weights]
    x = inputs[0] if len(inputs) == 1 else inputs
    history = model.fit(x, [np.ones_like(e) for e in eager], batch_size=2,
                        epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])
    assert any(not np.array_equal(b, w.numpy())
               for b, w in zip(before, fresh.trainable_weights))

  # Mixed precision: float32 variables, float16 compute, declared outputs.
  keras.mixed_precision.set_global_policy("mixed_float16")
  try:
    mixed = cls(**spec.init)
    outputs = keras.tree.flatten(mixed(*inputs))
  finally:
    keras.mixed_precision.set_global_policy("float32")
  assert all(w.dtype == "float32" for w in mixed.weights)
  first = outputs[0]
  assert keras.backend.standardize_dtype(first.dtype) == spec.mixed_dtype
  assert all(np.all(np.isfinite(np.asarray(o, np.float32))) for o in outputs)
