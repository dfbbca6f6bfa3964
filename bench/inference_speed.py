"""CPU inference speed: faces per second, ours beside dlib's shape predictor.

Each detector (random weights: speed does not depend on their values) is
timed through three runtimes on the same uint8 face crops, at batch 1 and
batch 16:
- Keras: the model in a `tf.function` (heatmaps out, no decoding);
- SavedModel: the exported `detect` signature (decoding included);
- TFLite: that signature converted to float32, run by ai-edge-litert.
Configurations: the paper's 4-stack and a 1-stack model at F = 256, L = 768
(256 channels), the 4-stack backbone with FAN's 2D head at L = 64 (the
latency target: 1D at L = 768 within 1.2x of it), and `synthetic_det1d`'s architecture (F = 64, 1 stack x 64
channels, L = 192), the lite model whose accuracy the README's main job
measures. The peer, in the same run and on the same crops: dlib's 68-point
shape predictor (`dlib-bin`, model file from `face-recognition-models`),
given the face rectangle, one face at a time.

  python -m bench.inference_speed --mode=full --out=docs/bench
"""

from __future__ import annotations

import os
import tempfile
import time

import numpy as np
import tensorflow as tf

from bench import cli
from bench import machine
from landmark1d import models
from landmark1d.serving import export
from landmark1d.serving import lite

NAME = "inference_speed"
TARGET_FACES_PER_S = 25.0
MODES = {
    "full": dict(seconds=6.0, batches=(1, 16), models={
        "paper_4stack_F256_L768": dict(input_size=256, num_stacks=4,
                                       channels=256, hourglass_depth=4,
                                       heatmap_length=768),
        # The same backbone with FAN's 2D head: the latency target's peer.
        "paper_4stack_F256_2D_L64": dict(head="2d", input_size=256,
                                         num_stacks=4, channels=256,
                                         hourglass_depth=4,
                                         heatmap_length=64),
        "1stack_F256_L768": dict(input_size=256, num_stacks=1, channels=256,
                                 hourglass_depth=4, heatmap_length=768),
        "lite_synthetic_det1d_F64_L192": dict(
            input_size=64, num_stacks=1, channels=64, hourglass_depth=3,
            heatmap_length=192, attention_dims=8)}),
    "reduced": dict(seconds=0.3, batches=(1, 4), models={
        "tiny_F32_L64": dict(input_size=32, num_stacks=1, channels=16,
                             hourglass_depth=2, heatmap_length=64,
                             attention_dims=2)}),
}


def faces_per_second(call, crops: np.ndarray, seconds: float) -> float:
  """Faces/s of `call(crops)` over at least `seconds` (after one warm-up)."""
  call(crops)
  calls, start = 0, time.perf_counter()
  while True:
    call(crops)
    calls += 1
    elapsed = time.perf_counter() - start
    if elapsed >= seconds or (calls >= 2 and elapsed >= seconds / 4
                              and len(crops) >= 16):
      return calls * len(crops) / elapsed


def _runtimes(spec: dict, folder: str) -> dict:
  """`{runtime: crops -> landmarks}` for one architecture."""
  spec = dict(spec)
  head, f = spec.pop("head", "1d"), spec["input_size"]
  model = models.build_detector(head, num_landmarks=68, **spec)
  module = export.LandmarkModule(
      model, head=head, landmark_set="ibug68", crop_size=f,
      heatmap_length=spec["heatmap_length"], sigma=f / 64, decoder="argmax",
      context=1.4, shift=0.0)
  path = export.export(module, os.path.join(folder, "saved_model"))
  keras_fn = tf.function(lambda x: model(tf.cast(x, tf.float32) / 255.0,
                                         training=False))
  first = "hx" if head == "1d" else "heatmap"
  detect = tf.saved_model.load(path).signatures["detect"]
  tflite = lite.LiteDetector(lite.convert(path, "float32"))
  return {
      "keras": lambda x: keras_fn(x)[first].numpy(),
      "saved_model": lambda x: detect(images=tf.constant(x))[
          "landmarks"].numpy(),
      "tflite_float32": lambda x: tflite(x)["landmarks"],
  }


def _dlib_peer(side: int):
  """`(crops -> shapes, description)` for dlib's shape predictor on `side`
  px crops; `(None, reason)` when dlib or its model file is missing."""
  try:
    import dlib  # pylint: disable=g-import-not-at-top
    import face_recognition_models  # pylint: disable=g-import-not-at-top
  except ImportError as e:
    return None, f"peer unavailable: {e}"
  predictor = dlib.shape_predictor(
      face_recognition_models.pose_predictor_model_location())
  # The face fills the middle of a crop taken with context 1.4.
  margin = int(side * 0.15)
  rect = dlib.rectangle(margin, margin, side - margin, side - margin)

  def call(batch):
    return [predictor(np.ascontiguousarray(c), rect) for c in batch]
  return call, "dlib 68-point shape predictor (ERT), one face per call"


def run(mode: str, out: str) -> dict:
  """Times every model, runtime and batch size; writes JSON and PNG."""
  s = MODES[mode]
  rng = np.random.default_rng(0)
  load_at_start = machine.load_average()
  results = {"mode": mode, "target_faces_per_s": TARGET_FACES_PER_S, "faces_per_s": {},
             "models": s["models"]}
  for name, spec in s["models"].items():
    f = spec["input_size"]
    with tempfile.TemporaryDirectory() as folder:
      runtimes = _runtimes(spec, folder)
      for batch in s["batches"]:
        crops = rng.integers(0, 256, (batch, f, f, 3), dtype=np.uint8)
        for runtime, call in runtimes.items():
          results["faces_per_s"][f"{name}/{runtime}/batch{batch}"] = (
              faces_per_second(call, crops, s["seconds"]))
          print(f"{name}/{runtime}/batch{batch}: "
                f"{results['faces_per_s'][f'{name}/{runtime}/batch{batch}']:.1f}"
                " faces/s", flush=True)
  peer, results["peer"] = _dlib_peer(256)
  if peer is not None:
    crops = rng.integers(0, 256, (1, 256, 256, 3), dtype=np.uint8)
    results["faces_per_s"]["dlib_shape_predictor/batch1"] = faces_per_second(
        peer, crops, s["seconds"])
  results["targets"] = targets(results["faces_per_s"])
  results["machine"] = machine.record(load_at_start)
  cli.write_json(results, out, NAME)
  plot(results, os.path.join(out, f"{NAME}.png"))
  return results


def targets(rates: dict) -> dict:
  """The issue's two speed targets, from the measured rates (full mode)."""
  out = {}
  one, two = "paper_4stack_F256_L768", "paper_4stack_F256_2D_L64"
  for runtime in ("keras", "saved_model", "tflite_float32"):
    a, b = rates.get(f"{one}/{runtime}/batch1"), rates.get(
        f"{two}/{runtime}/batch1")
    if a and b:  # latency ratio = inverse rate ratio
      out[f"latency_1d_L768_over_2d_L64_{runtime}"] = b / a
  # Serving runtimes only: the Keras rate has no decoding.
  lite = {k: v for k, v in rates.items() if k.startswith("lite_")
          and ("/saved_model/" in k or "/tflite_" in k)}
  if lite:
    best = max(lite, key=lite.get)
    out["lite_best"] = {"runtime": best, "faces_per_s": lite[best],
                        "target": TARGET_FACES_PER_S}
  return out


def plot(results: dict, path: str):
  """Horizontal bars of faces/s, the 25 faces/s target as a line."""
  import matplotlib  # pylint: disable=g-import-not-at-top
  matplotlib.use("Agg")
  from matplotlib import pyplot as plt  # pylint: disable=g-import-not-at-top
  rates = results["faces_per_s"]
  fig, ax = plt.subplots(figsize=(8, 0.3 * len(rates) + 1.2))
  ax.barh(list(rates), list(rates.values()),
          color=["tab:green" if k.startswith("dlib") else "tab:blue"
                 for k in rates])
  ax.axvline(TARGET_FACES_PER_S, color="tab:red", linestyle="--",
             label=f"{TARGET_FACES_PER_S:g} faces/s")
  ax.set(xscale="log", xlabel="faces / s",
         title=f"CPU inference, {results['machine']['cpu_count']} cores")
  ax.tick_params(axis="y", labelsize=7)
  ax.legend()
  fig.tight_layout()
  fig.savefig(path, dpi=120)
  plt.close(fig)


def main(argv):
  del argv
  run(cli.FLAGS.mode, cli.FLAGS.out)


if __name__ == "__main__":
  cli.define_flags()
  cli.run(main)
