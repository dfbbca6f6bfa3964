"""Training input pipeline throughput, in examples per second.

Measures `input_pipeline.training_dataset` in cumulative stages (crop warp;
+ augmentation; + 1D targets at L = 3F; 2D targets at L = F/4 beside it) on
in-memory JPEG photos of the size of 300-W's (about 500 px, the face 40-60 %
of the side), and the full stage on the synthetic tfds build when
`--data_dir` holds one. Full mode is the paper's setting: F = 256, L = 768,
batch 10. The issue's target is 150 examples/s on 2 CPU cores.

  python -m bench.pipeline_throughput --mode=full --out=docs/bench \
      --data_dir=/tmp/tfds_data
"""

from __future__ import annotations

import os
import time

from absl import flags
import numpy as np
import tensorflow as tf

from bench import cli
from bench import machine
from landmark1d.data import augment
from landmark1d.data import input_pipeline
from landmark1d.geometry import landmark_sets

NAME = "pipeline_throughput"
SYNTHETIC = "synthetic_faces/images"
TARGET = 150.0
MODES = {
    "full": dict(num_images=64, image_size=500, batch_size=10, crop_size=256,
                 batches=40, warmup=8),
    "reduced": dict(num_images=6, image_size=96, batch_size=2, crop_size=32,
                    batches=3, warmup=1),
}


def jpeg_examples(count: int, size: int, seed: int = 0) -> tf.data.Dataset:
  """In-memory examples (docs/CONTRACTS.md) with JPEG photos of ~`size` px.

  Image sides vary by +/-20 %; the 68 points fill a face of 40-60 % of the
  shorter side, and the box is their bounding box.
  """
  rng = np.random.default_rng(seed)
  n = landmark_sets.IBUG68.num_points
  images, points = [], []
  for _ in range(count):
    h, w = (int(size * rng.uniform(0.8, 1.2)) for _ in range(2))
    # Smooth colour fields plus grain: JPEG sizes like a photo's, not noise's.
    coarse = rng.uniform(0, 255, (1, h // 32 + 2, w // 32 + 2, 3))
    pixels = tf.image.resize(coarse, (h, w), "bicubic")[0].numpy()
    pixels = np.clip(pixels + rng.normal(0, 6, pixels.shape), 0, 255)
    images.append(tf.io.encode_jpeg(pixels.astype(np.uint8), quality=90)
                  .numpy())
    face = min(h, w) * rng.uniform(0.4, 0.6)
    centre = np.array([w, h]) / 2 + rng.uniform(-0.1, 0.1, 2) * min(h, w)
    points.append(centre + rng.uniform(-face / 2, face / 2, (n, 2)))
  points = np.stack(points).astype(np.float32)
  return tf.data.Dataset.from_tensor_slices({
      "image": images, "landmarks": points,
      "visible": np.ones(points.shape[:2], bool),
      "box": np.concatenate([points.min(1), points.max(1)], -1)})


def examples_per_second(dataset: tf.data.Dataset, *, batches: int,
                        warmup: int, batch_size: int) -> float:
  """Examples per second over `batches` batches after `warmup` batches."""
  iterator = iter(dataset)
  for _ in range(warmup):
    next(iterator)
  start = time.perf_counter()
  for _ in range(batches):
    next(iterator)
  return batches * batch_size / (time.perf_counter() - start)


def stages(records: tf.data.Dataset, *, crop_size: int,
           batch_size: int) -> dict:
  """The cumulative pipeline stages as endless batched datasets."""
  def stream(target, length, augmented):
    return input_pipeline.training_dataset(
        records, landmark_set="ibug68", crop_size=crop_size,
        heatmap_length=length, sigma=crop_size / 64, target=target,
        batch_size=batch_size,
        augment=augment.AugmentParams() if augmented else None,
        context=1.4, shift=0.0, seed=0, shuffle_buffer=64)
  return {
      "crop": stream(None, 3 * crop_size, False),
      "crop_augment": stream(None, 3 * crop_size, True),
      "crop_augment_1d_targets_L3F": stream("1d", 3 * crop_size, True),
      "crop_augment_2d_targets_LF4": stream("2d", crop_size // 4, True),
  }


def _synthetic_records(data_dir: str):
  """The synthetic train split, images still encoded; None if not built."""
  import landmark1d_datasets  # pylint: disable=g-import-not-at-top
  import tensorflow_datasets as tfds  # pylint: disable=g-import-not-at-top
  builder = landmark1d_datasets.builder(SYNTHETIC, data_dir)
  if not tf.io.gfile.exists(os.path.join(builder.data_dir,
                                         "dataset_info.json")):
    return None
  return builder.as_dataset(split="train",
                            decoders={"image": tfds.decode.SkipDecoding()})


def plot(results: dict, path: str):
  """Bar chart of examples/s per stage with the target line."""
  import matplotlib  # pylint: disable=g-import-not-at-top
  matplotlib.use("Agg")
  from matplotlib import pyplot as plt  # pylint: disable=g-import-not-at-top
  rates = results["examples_per_s"]
  fig, ax = plt.subplots(figsize=(7, 3.5))
  ax.barh(list(rates), list(rates.values()), color="tab:blue")
  ax.axvline(TARGET, color="tab:red", linestyle="--",
             label=f"target {TARGET:g}/s")
  ax.set_xlabel("examples / s")
  s = results["settings"]
  ax.set_title(f"input pipeline, F = {s['crop_size']}, batch "
               f"{s['batch_size']}, {results['machine']['cpu_count']} CPU cores")
  ax.legend(loc="lower right")
  fig.tight_layout()
  fig.savefig(path, dpi=120)
  plt.close(fig)


def run(mode: str, out: str, data_dir: str | None = None) -> dict:
  """Measures every stage; writes `<out>/pipeline_throughput.{json,png}`."""
  settings = MODES[mode]
  timing = dict(batches=settings["batches"], warmup=settings["warmup"],
                batch_size=settings["batch_size"])
  load_at_start = machine.load_average()
  results = {"mode": mode, "settings": settings, "target": TARGET,
             "examples_per_s": {}}
  jpegs = jpeg_examples(settings["num_images"], settings["image_size"])
  for name, dataset in stages(jpegs, crop_size=settings["crop_size"],
                              batch_size=settings["batch_size"]).items():
    results["examples_per_s"][f"jpeg_{name}"] = examples_per_second(
        dataset, **timing)
  if data_dir:
    synthetic = _synthetic_records(data_dir)
    if synthetic is None:
      results["synthetic"] = f"no {SYNTHETIC} build under {data_dir}"
    else:
      full = stages(synthetic, crop_size=settings["crop_size"],
                    batch_size=settings["batch_size"])
      results["examples_per_s"]["synthetic_crop_augment_1d_targets_L3F"] = (
          examples_per_second(full["crop_augment_1d_targets_L3F"], **timing))
  results["machine"] = machine.record(load_at_start)
  cli.write_json(results, out, NAME)
  plot(results, os.path.join(out, f"{NAME}.png"))
  return results


def main(argv):
  del argv
  results = run(cli.FLAGS.mode, cli.FLAGS.out, cli.FLAGS.data_dir)
  for name, rate in results["examples_per_s"].items():
    print(f"{name:44s} {rate:8.1f} examples/s")


if __name__ == "__main__":
  cli.define_flags()
  flags.DEFINE_string("data_dir", None,
                      "tfds data_dir with a synthetic_faces/images build.")
  cli.run(main)
