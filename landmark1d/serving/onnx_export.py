"""ONNX copies of an export's crop signatures, through tf2onnx.

`detect` (and a tracker's `track_step`) are converted from the SavedModel as
they are, decoding included, so ONNX Runtime returns the signature's outputs:
uint8 `(B, F, F, 3)` crops in, `landmarks` `(B, N, 2)` crop pixels and
`confidence` `(B, N)` out. ONNX names every value once per graph, so
`track_step`'s returned states `state_i` are called `next_state_i` (the inputs
keep `state_i`). The image signatures (`detect_image`, ...) are not converted:
an ONNX client cuts the crops itself, with the window rule whose parameters
the `metadata` signature gives; they are copied into each file's metadata
properties (`custom_metadata_map` in ONNX Runtime).

tf2onnx and onnxruntime are the optional extra `onnx`.
"""

from __future__ import annotations

import os

import tensorflow as tf

SIGNATURES = ("detect", "track_step")
OPSET = 17


def _convert(function, path: str, opset: int, metadata: dict):
  """Writes one signature's ConcreteFunction as an ONNX file."""
  import onnx  # pylint: disable=g-import-not-at-top
  import tf2onnx  # pylint: disable=g-import-not-at-top
  specs = function.structured_input_signature[1]
  names = sorted(specs)  # images, state_0, state_1, ...
  inputs = [specs[n] for n in names]

  # tf2onnx converts a tf.function of positional inputs; it names the ONNX
  # inputs after the specs and the outputs after the returned dict's keys.
  @tf.function(input_signature=inputs)
  def positional(*values):
    outputs = function(**dict(zip(names, values)))
    return {f"next_{k}" if k.startswith("state_") else k: v
            for k, v in outputs.items()}

  proto, _ = tf2onnx.convert.from_function(positional,
                                           input_signature=inputs,
                                           opset=opset)
  onnx.helper.set_model_props(proto, metadata)
  onnx.save(proto, path)


def export(saved_model: str, folder: str, opset: int = OPSET) -> list[str]:
  """Writes `detect.onnx`, and `track_step.onnx` for a tracker, in `folder`.

  Args:
    saved_model: SavedModel folder from `landmark1d.serving.saved_model.export`.
    folder: where the `.onnx` files go.
    opset: ONNX opset, 17 or later.

  Returns:
    The written paths, `detect.onnx` first.
  """
  if opset < OPSET:
    raise ValueError(f"opset must be {OPSET} or later, got {opset}")
  try:
    import tf2onnx  # pylint: disable=g-import-not-at-top,unused-import
  except ImportError as e:
    raise ImportError('ONNX export needs tf2onnx and onnxruntime: pip '
                      'install -e ".[onnx]"') from e
  loaded = tf.saved_model.load(saved_model)  # owns the signatures' variables
  signatures = loaded.signatures
  if "detect" not in signatures:
    raise ValueError(f"{saved_model}: no 'detect' signature (export it with "
                     f"landmark1d.serving.saved_model)")
  metadata = {k: v.numpy() for k, v in signatures["metadata"]().items()}
  metadata = {k: v.decode() if isinstance(v, bytes) else str(v)
              for k, v in metadata.items()}
  os.makedirs(folder, exist_ok=True)
  paths = []
  for name in SIGNATURES:
    if name in signatures:
      paths.append(os.path.join(folder, f"{name}.onnx"))
      _convert(signatures[name], paths[-1], opset, metadata)
  return paths
