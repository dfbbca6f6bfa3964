"""TFLite conversion of an exported detector, and a runner for it.

Converts the SavedModel's `detect` signature (uint8 crops -> landmarks and
confidence, decoding included) to a `.tflite` flatbuffer in float32, float16
(weights stored as float16) or int8 (weights and activations quantized with a
representative set of crops; input and output stay uint8 / float32).

Converted straight from the SavedModel (`TFLiteConverter.from_saved_model`),
which keeps the signature's name and its input and output names.

The interpreter is the `ai-edge-litert` package (extra `tflite`), which took
over `tf.lite.Interpreter`.
"""

from __future__ import annotations

from typing import Iterable

import numpy as np
import tensorflow as tf

PRECISIONS = ("float32", "float16", "int8")
SIGNATURE = "detect"


def convert(saved_model: str, precision: str = "float32",
            representative_crops: Iterable[np.ndarray] | None = None
            ) -> bytes:
  """The `detect` signature of `saved_model` as a TFLite flatbuffer.

  Args:
    saved_model: SavedModel folder from `landmark1d.serving.saved_model.export`.
    precision: "float32", "float16" or "int8".
    representative_crops: int8 only: uint8 crop batches `(B, F, F, 3)` that
      calibrate the activation ranges (a few hundred crops).

  Returns:
    The `.tflite` bytes.
  """
  if precision not in PRECISIONS:
    raise ValueError(f"precision must be one of {PRECISIONS}, got "
                     f"{precision!r}")
  if precision == "int8" and representative_crops is None:
    raise ValueError("int8 conversion needs representative_crops")
  try:
    converter = tf.lite.TFLiteConverter.from_saved_model(
        saved_model, signature_keys=[SIGNATURE])
  except ValueError as e:  # TF's message does not name the folder
    raise ValueError(f"{saved_model}: no '{SIGNATURE}' signature (export it "
                     f"with landmark1d.serving.saved_model): {e}") from e
  if precision == "float16":
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    converter.target_spec.supported_types = [tf.float16]
  elif precision == "int8":
    crops = list(representative_crops)
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    converter.representative_dataset = lambda: ([c] for c in crops)
  return converter.convert()


class LiteDetector:
  """Runs a converted detector: uint8 crops in, the SavedModel's dict out.

  Args:
    model: `.tflite` bytes or a file path.
    num_threads: interpreter threads.
  """

  def __init__(self, model: bytes | str, num_threads: int = 2):
    from ai_edge_litert import interpreter  # pylint: disable=g-import-not-at-top
    kwargs = {"model_path": model} if isinstance(model, str) else {
        "model_content": model}
    self._interpreter = interpreter.Interpreter(num_threads=num_threads,
                                                **kwargs)
    self._runner = self._interpreter.get_signature_runner(SIGNATURE)
    details = self._runner.get_input_details()
    (self._input_name, spec), = details.items()
    self.crop_size = int(spec["shape_signature"][1])

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
    return self._runner(**{self._input_name: crops})
