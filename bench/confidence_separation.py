"""How well an export's `confidence` tells faces from non-faces.

Each test still of the synthetic set is drawn twice from its own scene
(`still_scene`): as it is, and with the face moved out of the picture, so the
second image keeps the background, clutter, occluders, light, blur, noise and
JPEG of the first and lacks only the face. Both go through the exported
SavedModel's `detect_image` with the face's true box, the crop the CLI would
take of a tracked face; a crop's score is its mean confidence over the
landmarks, the number `--min_confidence` filters on. Reported: the ROC AUC of
face against background crops (the probability that a face crop outscores a
background crop), score quantiles, the fraction of each kept at the CLI's
default threshold, and the scores of all-zero and uniform-noise crops
(the inputs issue 29 found scoring like faces).

  python -m bench.confidence_separation --mode=full --out=docs/bench \
      --run=runs/quickstart
"""

from __future__ import annotations

import dataclasses
import os
import tempfile

from absl import app
from absl import flags
import numpy as np
import tensorflow as tf

from bench import cli
from bench import machine
from landmark1d.runs import common
from landmark1d.runs import export
from landmark1d.serving import predictor
from landmark1d_datasets.synthetic_faces import scene as scene_lib
from landmark1d_datasets.synthetic_faces import (
    synthetic_faces_dataset_builder as builder_lib)

NAME = "confidence_separation"
MODES = {"full": dict(images=200, noise_crops=50),
         "reduced": dict(images=6, noise_crops=4)}
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)


def roc_auc(positive, negative) -> float:
  """ROC AUC by ranks (the Mann-Whitney U statistic over its maximum).

  Args:
    positive: `(P,)` scores of the positive class (faces).
    negative: `(Q,)` scores of the negative class.

  Returns:
    P(score of a random positive > that of a random negative), ties
    counted one half: 1 separates perfectly, 0.5 is chance.
  """
  positive = np.asarray(positive, np.float64).reshape(-1)
  negative = np.asarray(negative, np.float64).reshape(-1)
  if not (len(positive) and len(negative)):
    raise ValueError(f"roc_auc needs scores of both classes, got "
                     f"{len(positive)} positive and {len(negative)} negative")
  values = np.concatenate([positive, negative])
  _, inverse, counts = np.unique(values, return_inverse=True,
                                 return_counts=True)
  # A group of k tied values after c smaller ones holds ranks c + 1 ... c + k
  # and gives each their mean.
  ranks = (np.cumsum(counts) - counts + (counts + 1) / 2.0)[inverse]
  p = len(positive)
  u = ranks[:p].sum() - p * (p + 1) / 2.0
  return float(u / (p * len(negative)))


def without_face(scene: scene_lib.Scene) -> scene_lib.Scene:
  """The same scene with the head moved far outside the image."""
  far = -10.0 * scene.image_size
  return dataclasses.replace(scene, centre=(far, far))


def _dataset_config(config):
  name = config.data.dataset.split("/", 1)
  configs = builder_lib.Builder.builder_configs
  if name[0] != "synthetic_faces" or len(name) != 2 or name[1] not in configs:
    raise ValueError(f"{NAME}: the run's data.dataset must be a "
                     f"synthetic_faces still config, got "
                     f"{config.data.dataset!r}")
  return configs[name[1]]


def _distribution(scores: np.ndarray) -> dict:
  return {"mean": float(scores.mean()), "min": float(scores.min()),
          "max": float(scores.max()),
          "quantiles": {str(q): float(np.quantile(scores, q))
                        for q in QUANTILES}}


def run(mode: str, out: str, workdir: str) -> dict:
  """Scores face and background crops of the test split; writes JSON, PNG."""
  s, load_at_start = MODES[mode], machine.load_average()
  config = common.load_config(workdir)
  dataset = _dataset_config(config)
  split = config.data.eval_splits[0]
  count = min(s["images"], getattr(dataset, f"{split}_size"))
  with tempfile.TemporaryDirectory() as folder:
    served = tf.saved_model.load(export.run(
        config, workdir, os.path.join(folder, "saved_model")))
    detect_image = served.signatures["detect_image"]
    detect = served.signatures["detect"]

    def score(image, box) -> float:
      out = detect_image(image=tf.constant(image),
                         boxes=tf.constant(box[None], tf.float32))
      return float(out["confidence"].numpy().mean())

    faces, backgrounds = [], []
    for i in range(count):
      scene = builder_lib.still_scene(dataset, split, i)
      face = scene_lib.render_scene(scene)
      box = builder_lib.tight_box(face.landmarks, face.visible)
      faces.append(score(face.image, box))
      backgrounds.append(score(scene_lib.render_scene(without_face(scene)
                                                      ).image, box))
    f = config.data.crop_size
    rng = np.random.default_rng(0)
    crops = {"zero": np.zeros((1, f, f, 3), np.uint8),
             "uniform_noise": rng.integers(0, 256, (s["noise_crops"], f, f, 3),
                                           dtype=np.uint8)}
    inputs = {name: detect(images=tf.constant(c))["confidence"].numpy()
              for name, c in crops.items()}
  faces, backgrounds = np.array(faces), np.array(backgrounds)
  threshold = predictor.DEFAULT_MIN_CONFIDENCE
  results = {
      "mode": mode, "run": workdir, "config": config.name,
      "train_steps": config.train.steps, "train_seed": config.train.seed,
      "dataset": config.data.dataset,
      "split": split, "images": count, "decoder": config.eval.decoder,
      "roc_auc": roc_auc(faces, backgrounds),
      "faces": _distribution(faces), "backgrounds": _distribution(backgrounds),
      "default_min_confidence": threshold,
      "kept_at_default": {"faces": float(np.mean(faces >= threshold)),
                          "backgrounds": float(np.mean(backgrounds
                                                       >= threshold))},
      "other_inputs": {name: {"crops": int(len(c)),
                              "mean": float(c.mean()),
                              "max_landmark": float(c.max()),
                              "min_landmark": float(c.min())}
                       for name, c in inputs.items()},
      "scores": {"faces": faces.tolist(), "backgrounds": backgrounds.tolist()},
  }
  results["machine"] = machine.record(load_at_start)
  cli.write_json(results, out, NAME)
  plot(results, os.path.join(out, f"{NAME}.png"))
  return results


def plot(results: dict, path: str):
  """Histograms of the face and background crops' scores."""
  import matplotlib  # pylint: disable=g-import-not-at-top
  matplotlib.use("Agg")
  from matplotlib import pyplot as plt  # pylint: disable=g-import-not-at-top
  fig, ax = plt.subplots(figsize=(6, 3.5))
  bins = np.linspace(0.0, 1.0, 41)
  for name in ("faces", "backgrounds"):
    ax.hist(results["scores"][name], bins, alpha=0.6, label=name)
  ax.axvline(results["default_min_confidence"], color="k", ls="--",
             label="--min_confidence default")
  ax.set(xlabel="mean confidence of a crop", ylabel="crops",
         title=f"{results['dataset']} {results['split']}: ROC AUC "
         f"{results['roc_auc']:.3f}")
  ax.legend()
  fig.tight_layout()
  fig.savefig(path, dpi=120)
  plt.close(fig)


def main(argv):
  del argv
  r = run(cli.FLAGS.mode, cli.FLAGS.out, cli.FLAGS.run)
  f, b = r["faces"]["quantiles"], r["backgrounds"]["quantiles"]
  print(f"{r['images']} test stills: ROC AUC face vs background "
        f"{r['roc_auc']:.4f}")
  print(f"faces: median {f['0.5']:.3f}, 5 % below {f['0.05']:.3f}; "
        f"backgrounds: median {b['0.5']:.3f}, 5 % above {b['0.95']:.3f}")
  kept = r["kept_at_default"]
  print(f"kept at --min_confidence={r['default_min_confidence']}: "
        f"{kept['faces']:.1%} of faces, {kept['backgrounds']:.1%} of "
        "backgrounds")
  for name, v in r["other_inputs"].items():
    print(f"{name} crops: mean confidence {v['mean']:.3f}")


if __name__ == "__main__":
  cli.define_flags()
  flags.DEFINE_string("run", "runs/quickstart",
                      "Workdir of a trained detector run on synthetic_faces.")
  app.run(main)
