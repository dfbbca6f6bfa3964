"""How far TFLite float32 / float16 / int8 landmarks move from the SavedModel's.

Exports a trained detector run, converts its `detect` signature at each
precision (int8 calibrated on train-split crops) and runs all of them on the
same test crops: per precision, the landmark distance to the SavedModel's
(mean, 99th percentile, max, in image pixels) and the test NRMSE, so a
precision's cost in accuracy is read directly.

  python -m bench.tflite_agreement --mode=full --out=docs/bench \
      --run=runs/quickstart
"""

from __future__ import annotations

import os
import tempfile

from absl import flags
import numpy as np
import tensorflow as tf

from bench import cli
from bench import machine
from landmark1d.runs import common
from landmark1d.runs import evaluate
from landmark1d.runs import export
from landmark1d.serving import lite

NAME = "tflite_agreement"
MODES = {"full": dict(test_images=200, calibration_images=256),
         "reduced": dict(test_images=16, calibration_images=8)}


def _uint8(images) -> np.ndarray:
  return np.round(np.asarray(images) * 255.0).astype(np.uint8)


def run(mode: str, out: str, workdir: str) -> dict:
  """Converts, runs and scores each precision; writes JSON and PNG."""
  s, load_at_start = MODES[mode], machine.load_average()
  config = common.load_config(workdir)
  split = config.data.eval_splits[0]
  calibration = [_uint8(image[None]) for batch in evaluate.eval_batches(
      config, "train", s["calibration_images"]) for image in batch["image"]]
  with tempfile.TemporaryDirectory() as folder:
    path = export.run(config, workdir,
                      os.path.join(folder, "saved_model"))
    detect = tf.saved_model.load(path).signatures["detect"]
    predictors = {"saved_model": lambda b: detect(
        images=tf.constant(_uint8(b["image"])))["landmarks"].numpy()}
    sizes = {}
    for precision in lite.PRECISIONS:
      flat = lite.convert(path, precision, calibration)
      sizes[precision] = len(flat)
      runner = lite.LiteDetector(flat)
      predictors[f"tflite_{precision}"] = (
          lambda b, r=runner: r(_uint8(b["image"]))["landmarks"])
    collected = evaluate.collect(config, split, predictors,
                                 s["test_images"])
  reference = collected["saved_model"].landmarks
  results = {"mode": mode, "run": workdir, "split": split,
             "images": int(len(reference)), "decoder": config.eval.decoder,
             "tflite_bytes": sizes, "precisions": {}}
  for name, predictions in collected.items():
    gap = np.linalg.norm(predictions.landmarks - reference, axis=-1)
    results["precisions"][name] = {
        "nrmse_percent": float(evaluate.score(config,
                                              predictions).summary.nrmse),
        "gap_mean_px": float(gap.mean()),
        "gap_p99_px": float(np.percentile(gap, 99)),
        "gap_max_px": float(gap.max()),
        "landmarks_moved_fraction": float(np.mean(gap > 1e-3))}
  results["machine"] = machine.record(load_at_start)
  cli.write_json(results, out, NAME)
  plot(results, os.path.join(out, f"{NAME}.png"))
  return results


def plot(results: dict, path: str):
  """NRMSE and landmark gap per precision."""
  import matplotlib  # pylint: disable=g-import-not-at-top
  matplotlib.use("Agg")
  from matplotlib import pyplot as plt  # pylint: disable=g-import-not-at-top
  names = list(results["precisions"])
  values = results["precisions"]
  fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.5))
  left.bar(names, [values[n]["nrmse_percent"] for n in names])
  left.set(ylabel="test NRMSE (%)", title="accuracy per runtime")
  right.bar(names, [values[n]["gap_mean_px"] for n in names], label="mean")
  right.plot(names, [values[n]["gap_p99_px"] for n in names], "kv",
             label="99th percentile")
  right.set(ylabel="distance to SavedModel (image px)",
            title="landmark agreement")
  right.legend()
  for ax in (left, right):
    ax.tick_params(axis="x", labelsize=7)
  fig.tight_layout()
  fig.savefig(path, dpi=120)
  plt.close(fig)


def main(argv):
  del argv
  results = run(cli.FLAGS.mode, cli.FLAGS.out, cli.FLAGS.run)
  for name, v in results["precisions"].items():
    print(f"{name:16s} NRMSE {v['nrmse_percent']:6.2f}%  gap mean "
          f"{v['gap_mean_px']:.3f} px, p99 {v['gap_p99_px']:.3f}, max "
          f"{v['gap_max_px']:.3f}")


if __name__ == "__main__":
  cli.define_flags()
  flags.DEFINE_string("run", "runs/quickstart",
                      "Workdir of a trained detector run.")
  cli.run(main)
