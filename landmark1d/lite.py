"""TFLite conversion of an exported detector, and a runner for it.

Converts the SavedModel's `detect` signature (uint8 crops -> landmarks and
confidence, decoding included) to a `.tflite` flatbuffer in float32, float16
(weights stored as float16) or int8 (weights and activations quantized with a
representative set of crops; input and output stay uint8 / float32).

The signature is frozen first (variables -> constants). Converted straight
from the SavedModel, the model kept its weights as resource variables that the
LiteRT interpreter never initialised: every output was NaN (BUILD_NOTES.md).
The frozen function's outputs come back as `output_0, output_1, ...` in the
order of the signature's sorted output names; `LiteDetector` renames them.

The interpreter is the `ai-edge-litert` package (extra `tflite`), which took
over `tf.lite.Interpreter`.
"""

from __future__ import annotations

from typing import Iterable

import numpy as np
import tensorflow as tf
from tensorflow.python.framework import convert_to_constants

PRECISIONS = ("float32", "float16", "int8")
SIGNATURE = "detect"


def _frozen_detect(saved_model: str):
  loaded = tf.saved_model.load(saved_model)
  if SIGNATURE not in loaded.signatures:
    raise ValueError(f"{saved_model}: no '{SIGNATURE}' signature (export it "
                     f"with landmark1d.export)")
  return loaded, convert_to_constants.convert_variables_to_constants_v2(
      loaded.signatures[SIGNATURE])


def convert(saved_model: str, precision: str = "float32",
            representative_crops: Iterable[np.ndarray] | None = None
            ) -> bytes:
  """The `detect` signature of `saved_model` as a TFLite flatbuffer.

  Args:
    saved_model: SavedModel folder from `landmark1d.export.export`.
    precision: "float32", "float16" or "int8".
    representative_crops: int8 only: uint8 crop batches `(B, F, F, 3)` that
      calibrate the activation ranges (a few hundred crops).

  Returns:
    The `.tflite` bytes.
  """
  if precision not in PRECISIONS:
    raise ValueError(f"precision must be one of {PRECISIONS}, got "
                     f"{precision!r}")
  loaded, frozen = _frozen_detect(saved_model)
  converter = tf.lite.TFLiteConverter.from_concrete_functions([frozen],
                                                              loaded)
  if precision == "float16":
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    converter.target_spec.supported_types = [tf.float16]
  elif precision == "int8":
    if representative_crops is None:
      raise ValueError("int8 conversion needs representative_crops")
    crops = list(representative_crops)
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    converter.representative_dataset = lambda: ([c] for c in crops)
  return converter.convert()


def output_names(saved_model: str) -> list[str]:
  """The `detect` outputs in the order the TFLite model returns them."""
  outputs = tf.saved_model.load(saved_model).signatures[
      SIGNATURE].structured_outputs
  return sorted(outputs)


class LiteDetector:
  """Runs a converted detector: uint8 crops in, the SavedModel's dict out.

  Args:
    model: `.tflite` bytes or a file path.
    output_names: `output_names(saved_model)` of the source export.
    num_threads: interpreter threads.
  """

  def __init__(self, model: bytes | str, output_names: list[str],
               num_threads: int = 2):
    from ai_edge_litert import interpreter  # pylint: disable=g-import-not-at-top
    kwargs = {"model_path": model} if isinstance(model, str) else {
        "model_content": model}
    self._interpreter = interpreter.Interpreter(num_threads=num_threads,
                                                **kwargs)
    self._runner = self._interpreter.get_signature_runner()
    details = self._runner.get_input_details()
    (self._input_name, spec), = details.items()
    self.crop_size = int(spec["shape_signature"][1])
    self._names = {f"output_{i}": name for i, name in enumerate(output_names)}

  def __call__(self, crops) -> dict:
    """`(B, F, F, 3)` uint8 crops -> `{"landmarks", "confidence"}` arrays."""
    crops = np.asarray(crops)
    f = self.crop_size
    if crops.dtype != np.uint8:
      raise ValueError(f"crops: expected uint8 RGB pixels, got dtype "
                       f"{crops.dtype}")
    if crops.ndim != 4 or crops.shape[1:] != (f, f, 3):
      raise ValueError(f"crops: expected shape (batch, {f}, {f}, 3), got "
                       f"{crops.shape}")
    out = self._runner(**{self._input_name: crops})
    return {self._names[k]: v for k, v in out.items()}
