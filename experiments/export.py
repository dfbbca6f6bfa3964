"""Exports a trained workdir as a SavedModel (and optionally TFLite, ONNX).

  python -m experiments.export --workdir=runs/det1d --out=runs/det1d/saved_model \
      --tflite=float32,float16 --onnx

TFLite files (the `detect` signature) go beside the SavedModel as
`detect_<precision>.tflite`; int8 calibrates on 256 test-split crops. --onnx
writes `detect.onnx` (and a tracker's `track_step.onnx`) beside it too, through
tf2onnx (extra `onnx`).
"""

import importlib.util
import os

from absl import app
from absl import logging
from absl import flags

from experiments import cli
from experiments import flags_common
from landmark1d.geometry import heatmaps
from landmark1d.runs import evaluate
from landmark1d.runs import export
from landmark1d.serving import lite
from landmark1d.serving import onnx_export

_OUT = flags.DEFINE_string("out", None, "SavedModel directory (default: "
                           "<workdir>/saved_model).")
_DECODER = flags.DEFINE_enum("decoder", None, heatmaps.DECODERS_1D,
                             "Decoder baked into the signatures.")
_TFLITE = flags.DEFINE_list("tflite", [], "TFLite precisions to write too: "
                            f"any of {', '.join(lite.PRECISIONS)}.")
_ONNX = flags.DEFINE_bool("onnx", False, "Write detect.onnx (and a tracker's "
                          "track_step.onnx) beside the SavedModel.")


def _representative_crops(config, count: int = 256):
  for batch in evaluate.eval_batches(config, config.data.eval_splits[0],
                                     count):
    for image in batch["image"].numpy():
      yield (image[None] * 255.0).round().astype("uint8")


def main(argv):
  del argv
  logging.set_verbosity(logging.WARNING)  # tfds is chatty at INFO
  if _ONNX.value and importlib.util.find_spec("tf2onnx") is None:
    # Named before the export runs, not after it.
    raise app.UsageError('--onnx needs tf2onnx and onnxruntime: pip install '
                         '-e ".[onnx]"')
  config = flags_common.resolve_config(from_workdir=True)
  workdir = flags_common.WORKDIR.value
  path = export.run(config, workdir,
                    _OUT.value or f"{workdir}/saved_model",
                    decoder=_DECODER.value)
  print(f"SavedModel written to {path}")
  for precision in _TFLITE.value:
    crops = _representative_crops(config) if precision == "int8" else None
    tflite = os.path.join(os.path.dirname(os.path.abspath(path)),
                          f"detect_{precision}.tflite")
    with open(tflite, "wb") as f:
      f.write(lite.convert(path, precision, crops))
    print(f"TFLite ({precision}) written to {tflite}")
  if _ONNX.value:
    for onnx_path in onnx_export.export(
        path, os.path.dirname(os.path.abspath(path))):
      print(f"ONNX written to {onnx_path}")


if __name__ == "__main__":
  cli.run(main)
