"""The dress rehearsal: every named config, smoke-sized, on real-format data.

Every config in `experiments/configs` (not the `_smoke` names) runs as its
smoke variant with `data.data_dir` at `rehearsal_data_dir` (the real
builders built from their `dummy_data/` folders, i.e. the published layouts;
the synthetic set at its smallest, `synthetic_faces/mini` / `mini_video`) and
`data.manual_dir` at its dataset's dummy_data folder. Configs on tfds's
catalog sets (`CATALOG`) are rehearsed on mock data in test_catalog.py.

For every config (cheap checks):
  * every train, extra-train and eval split it names exists in its builder;
  * a tracker names a registered detector config of its head and L, and
    refuses to start without that run;
  * on every eval split, through `evaluate.collect` / `evaluate.score`
    (the evaluate binary's path), the ground truth given as the prediction
    scores 0.00 % NRMSE, AUC 100 % and failure rate 0, and the mean-shape
    baseline scores what a NumPy re-derivation from the raw tfds examples gives
    (crop windows, mean training shape, the markup's normalising points or
    AFLW's face size, the eval subset).
The scoring checks read only `config.data`, `config.eval` and the model's
heatmap settings, so they are computed once per distinct value of those and
asserted for every config that has it.

For one representative per code-path group (expensive checks): train a few
steps (a tracker first trains the smoke detector its config names and starts
from that run), evaluate every eval split, export a SavedModel and reload it,
through the library calls the binaries make. Representatives that train alike
share one run (`training_run`), and each distinct serving module (head,
tracker, decoder, markup) is exported once (`EXPORTED`): tracing dominates
these steps (15-90 s per representative on the shared 2-core machine). The
representatives also build every group's model; building all 120 smoke
models would cost about 2 s each, for builds that differ only in the
scalars below.

Grouping rule: two configs share a code path when their smoke variants, on
the rehearsal's data (a synthetic set replaced by its smallest build), are
equal in every field except `name`, `description`, `model.coattention_gamma`,
`model.heatmap_length`, `tracker.fusion_lambda` and `tracker.detector_config`:
those are scalars that the same layers, pipelines, losses, decoders and
scoring use with another value (gamma = 0 and lambda = 0 run the same ops);
nor `train.lr_schedule`, `train.deterministic` and `train.bn_stats_examples`,
whose code is tested where it lives (tests/landmark1d/training/test_loop.py,
tests/landmark1d/runs/test_determinism.py) and end to end by the accuracy
benchmark's reduced run (tests/bench/test_accuracy_synthetic.py trains its
smoke cells with all three); nor `model.backbone` and `model.head_width`: the
mobile backbone and the head's width change a model the loop, evaluation and export see only through its outputs, and
tests/landmark1d/models/test_builders.py trains, saves and reloads it,
tests/landmark1d/serving/test_saved_model.py exports it. Every config is in exactly one group (tested).
"""

from __future__ import annotations

import collections
import json
import os
import warnings

import numpy as np
import pytest
import tensorflow as tf
import tensorflow_datasets as tfds

import landmark1d_datasets
from experiments import configs as registry
from landmark1d.geometry import landmark_sets
from landmark1d.runs import common
from landmark1d.runs import datasets
from landmark1d.runs import evaluate
from landmark1d.runs import export
from landmark1d.runs import schema
from landmark1d.runs import train
from landmark1d_datasets import _counts
from landmark1d_datasets import make_dummy_data
from landmark1d_datasets.talking_face import talking_face_dataset_builder

tfds.disable_progress_bar()



def _on_catalog(name: str) -> bool:
  d = registry.get(name).data
  used = [d.dataset, d.eval_dataset or d.dataset,
          *(s.split(":")[0] for s in d.extra_train_datasets)]
  return any(landmark1d_datasets.is_catalog(n) for n in used)


# Configs on tfds's catalog sets, which download themselves, are rehearsed on
# tfds.testing.mock_data by tests/experiments/test_catalog.py (here they
# would start a download).
CATALOG = [n for n in registry.names()
           if not n.endswith("_smoke") and _on_catalog(n)]
NAMES = [n for n in registry.names()
         if not n.endswith("_smoke") and n not in CATALOG]
# The markup a dataset's ground truth is written in, when it is not the
# model's (Talking Face keeps FGNet's own 68 points).
GROUND_TRUTH_SET = {"talking_face": talking_face_dataset_builder.LANDMARK_SET}
SCALARS = (("name",), ("description",), ("model", "coattention_gamma"),
           ("model", "heatmap_length"), ("tracker", "fusion_lambda"),
           ("tracker", "detector_config"), ("train", "lr_schedule"),
           ("train", "deterministic"), ("train", "bn_stats_examples"),
           ("model", "backbone"), ("model", "head_width"))


def _smoke(name: str):
  """The smoke variant of `name`, a synthetic set replaced by its smallest
  build of the same kind (stills or clips)."""
  config = registry.get(name + "_smoke")
  d = config.data
  if d.dataset.startswith("synthetic_faces/"):
    d.dataset = ("synthetic_faces/mini_video" if config.tracker.enabled
                 else "synthetic_faces/mini")
  return config


def rehearsal_config(name: str, data_dir: str):
  """The smoke variant of `name` on the rehearsal's data (a scheme the data
  defines filled in, as a run does)."""
  config = _smoke(name)
  d = config.data
  d.data_dir = data_dir
  if d.dataset in make_dummy_data.WRITERS:
    d.manual_dir = make_dummy_data.dummy_dir(d.dataset)
  return datasets.with_scheme(config.validate())


def _without(config, paths) -> str:
  values = config.to_dict()
  for path in paths:
    node = values
    for key in path[:-1]:
      node = node[key]
    del node[path[-1]]
  return json.dumps(values, sort_keys=True)


def code_path(name: str) -> str:
  return _without(_smoke(name), SCALARS)


def groups() -> dict:
  """Code path -> sorted config names (the grouping rule of the docstring)."""
  found = collections.defaultdict(list)
  for name in NAMES:
    found[code_path(name)].append(name)
  return dict(found)


def _representatives() -> list[str]:
  """One config per group; a detector group is represented by a detector a
  tracker representative starts from, so that run trains once."""
  reps = [sorted(members, key=_paper_first)[0]
          for members in groups().values()]
  wanted = {registry.get(n).tracker.detector_config for n in reps}
  out = []
  for members in groups().values():
    preferred = [n for n in members if n in wanted]
    out.append((preferred or sorted(members, key=_paper_first))[0])
  return sorted(out)


def _paper_first(name: str):
  # Table 4 / 3 rows are the paper's own settings (L = 768, gamma = 0.3).
  return (not name.startswith(("table4", "table3")), name)


REPRESENTATIVES = _representatives()


def test_every_registered_config_is_rehearsed_in_exactly_one_group():
  smoke = [n for n in registry.names() if n.endswith("_smoke")]
  assert len(NAMES) + len(CATALOG) == len(registry.names()) - len(smoke)
  assert sorted(n + "_smoke" for n in NAMES + CATALOG) == sorted(smoke)
  members = [n for names in groups().values() for n in names]
  assert sorted(members) == sorted(NAMES)  # each config once, none left out
  assert len(REPRESENTATIVES) == len(groups())
  assert {code_path(n) for n in REPRESENTATIVES} == set(groups())


# ----------------------------------------------------------------------------
# Cheap checks, every config.


def _builder(name: str, data_dir: str):
  return landmark1d_datasets.builder(name, data_dir)


def _split_names(config):
  d = config.data
  sources = [(d.dataset, s) for s in d.train_splits]
  sources += [tuple(s.split(":")) for s in d.extra_train_datasets]
  sources += [(d.eval_dataset or d.dataset, s) for s in d.eval_splits]
  return sources


def _image_to_crop(points, box, context, shift, crop_size):
  """NumPy crop coordinates of image points for tight boxes `(M, 4)`."""
  x0, y0, x1, y1 = box.T
  w, h = x1 - x0, y1 - y0
  centre = np.stack([(x0 + x1) / 2, (y0 + y1) / 2 + shift * h], -1)
  side = context * (w + h) / 2
  origin = centre - side[:, None] / 2
  scale = (crop_size / side)[:, None, None]
  return (points - origin[:, None]) * scale - 0.5, origin, side


def _raw(config, dataset, split, limit):
  builder = _builder(dataset, config.data.data_dir)
  examples = list(tfds.as_numpy(builder.as_dataset(split=split,
                                                   shuffle_files=False)))
  return examples[:limit] if limit else examples


def numpy_mean_shape_nrmse(config, split) -> float:
  """The mean-shape baseline's NRMSE (%) re-derived from the raw examples."""
  d, f = config.data, config.data.crop_size
  training = _raw(config, d.dataset, d.train_splits[0], 500)
  crops, _, _ = _image_to_crop(
      np.stack([e["landmarks"] for e in training]).astype(np.float64),
      np.stack([e["box"] for e in training]).astype(np.float64), d.context,
      d.shift, f)
  visible = np.stack([e["visible"] for e in training])[..., None]
  # The mean training shape: each point averaged where it is annotated.
  mean = (crops * visible).sum(0) / visible.sum(0)
  dataset = d.eval_dataset or d.dataset
  truth_set = GROUND_TRUTH_SET.get(dataset, d.landmark_set)
  test = _raw(config, dataset, split, config.eval.max_examples)
  truth = np.stack([e["landmarks"] for e in test]).astype(np.float64)
  visible = np.stack([e["visible"] for e in test])
  boxes = np.stack([e["box"] for e in test]).astype(np.float64)
  if truth_set != d.landmark_set:
    # Another markup: the box is the tight box of the mean shape fitted to
    # the shared points by a least-squares similarity (the training rule).
    shared = list(_subset(d.landmark_set, d.eval_subset))
    boxes = np.stack([_tight_box(_similarity(mean[shared], t[list(
        _subset(truth_set, d.eval_subset))], mean)) for t in truth])
  _, origin, side = _image_to_crop(truth, boxes, d.context, d.shift, f)
  pred = (mean[None] + 0.5) * (side / f)[:, None, None] + origin[:, None]
  scheme = landmark_sets.get(d.landmark_set)
  if d.eval_subset:
    pred = pred[:, _subset(d.landmark_set, d.eval_subset)]
    keep = list(_subset(truth_set, d.eval_subset))
    truth, visible = truth[:, keep], visible[:, keep]
    scheme = landmark_sets.get(d.eval_subset)
  if d.normalization == "face_size":
    norm = np.array([e["box_size"] for e in test], np.float64)
  else:
    assert d.normalization == "interocular", d.normalization
    a, b = scheme.interocular
    norm = np.linalg.norm(truth[:, a] - truth[:, b], axis=-1)
  errors = np.linalg.norm(pred - truth, axis=-1)
  per_image = (errors * visible).sum(1) / visible.sum(1) / norm
  return 100.0 * per_image.mean()


def _similarity(source, target, points):
  """`points` under the least-squares similarity taking source to target,
  solved as the linear system x' = a x - b y + tx, y' = b x + a y + ty."""
  x, y = source[:, 0], source[:, 1]
  one, zero = np.ones_like(x), np.zeros_like(x)
  system = np.concatenate([np.stack([x, -y, one, zero], 1),
                           np.stack([y, x, zero, one], 1)])
  (a, b, tx, ty), *_ = np.linalg.lstsq(
      system, np.concatenate([target[:, 0], target[:, 1]]), rcond=None)
  return points @ np.array([[a, b], [-b, a]]) + [tx, ty]


def _tight_box(points):
  return np.concatenate([points.min(0), points.max(0)])


def _subset(scheme, subset):
  if scheme == subset:
    return tuple(range(landmark_sets.get(scheme).num_points))
  return landmark_sets.SUBSETS[(scheme, subset)]


def _perfect(config, dataset):
  """A predictor returning the ground truth in the model's markup."""
  d = config.data
  truth_set = GROUND_TRUTH_SET.get(dataset, d.landmark_set)
  n = landmark_sets.get(d.landmark_set).num_points

  def predict(batch):
    truth = batch["landmarks"].numpy()
    if not d.eval_subset:
      return truth
    pred = np.zeros((len(truth), n, 2), np.float32)
    pred[:, list(_subset(d.landmark_set, d.eval_subset))] = truth[
        :, list(_subset(truth_set, d.eval_subset))]
    return pred
  return predict


def _scoring_key(config) -> str:
  return json.dumps({"data": config.to_dict()["data"],
                     "eval": config.to_dict()["eval"],
                     "heatmaps": [config.model.heatmap_length,
                                  config.model.sigma]}, sort_keys=True)


@pytest.fixture(scope="module")
def scores(rehearsal_data_dir):
  """config -> {split: (perfect scores, mean-shape scores, NumPy mean-shape
  NRMSE)}, computed once per scoring key."""
  cache = {}

  def get(config):
    key = _scoring_key(config)
    if key not in cache:
      mean = evaluate.mean_shape_baseline(config)
      dataset = config.data.eval_dataset or config.data.dataset
      result = {}
      for split in config.data.eval_splits:
        collected = evaluate.collect(config, split, {
            "truth": _perfect(config, dataset),
            "mean": lambda b, m=mean: np.broadcast_to(
                m, (len(b["image"]), *m.shape)).astype(np.float32),
        }, config.eval.max_examples)
        result[split] = (evaluate.score(config, collected["truth"]),
                         evaluate.score(config, collected["mean"]),
                         numpy_mean_shape_nrmse(config, split))
      cache[key] = result
    return cache[key]
  return get


@pytest.mark.parametrize("name", NAMES)
def test_config_splits_detector_and_scoring(name, rehearsal_data_dir, scores):
  config = rehearsal_config(name, rehearsal_data_dir)
  for dataset, split in _split_names(config):
    known = set(_builder(dataset, rehearsal_data_dir).info.splits)
    for part in split.split("+"):
      assert part.split("[")[0] in known, (
          f"{name}: {dataset} has no split {part!r}; it has {sorted(known)}")
  if common.is_tracker(config):
    detector = registry.get(config.tracker.detector_config)
    assert not common.is_tracker(detector)
    assert (detector.model.head, detector.model.heatmap_length) == (
        config.model.head, config.model.heatmap_length)
    with pytest.raises(common.DetectorRunError,
                       match=config.tracker.detector_config):
      common.check_detector_run(config, "/nonexistent/workdir")
  for split, (perfect, mean, numpy_nrmse) in scores(config).items():
    s = perfect.summary
    assert s.nrmse == pytest.approx(0.0, abs=5e-3), (name, split, s)
    assert all(v == pytest.approx(100.0, abs=1e-2) for v in s.auc.values())
    assert all(v == 0.0 for v in s.failure_rate.values()), (name, split, s)
    assert mean.summary.nrmse == pytest.approx(numpy_nrmse, rel=1e-4,
                                               abs=1e-4), (name, split)


# ----------------------------------------------------------------------------
# Expensive checks, one representative per group.


@pytest.fixture(scope="module")
def runs(rehearsal_data_dir, tmp_path_factory):
  """Trains smoke configs on demand, each once: name -> finished workdir."""
  root = tmp_path_factory.mktemp("rehearsal_runs")
  done = {}

  def trained(name):
    if name not in done:
      config = rehearsal_config(name, rehearsal_data_dir)
      if common.is_tracker(config):
        config.tracker.detector_workdir = trained(
            config.tracker.detector_config[:-len("_smoke")])
      workdir = str(root / name)
      train.run(config, workdir, log=lambda s: None)
      done[name] = workdir
    return done[name]
  return trained


def training_run(name: str) -> str:
  """The representative whose trained run `name` is scored from.

  Configs whose smoke variants train alike (`schema.training_settings`
  equal but for the grouping scalars) share one run, as the runbook has them:
  the "+DARK" rows use their argmax row's model, the Talking Face trackers the
  300-VW tracker (the paper trains on 300-VW and tests on Talking Face).
  """
  def key(n):
    values = schema.training_settings(registry.get(n + "_smoke"))
    for section, field in SCALARS[2:]:
      del values[section][field]
    return json.dumps(values, sort_keys=True)
  candidates = [n for n in REPRESENTATIVES if key(n) == key(name)]
  return min(candidates, key=lambda n: (
      registry.get(n).data.eval_dataset is not None,
      registry.get(n).eval.decoder != "argmax", n))


def export_key(name: str) -> tuple:
  config = registry.get(name)
  return (config.model.head, common.is_tracker(config),
          config.eval.decoder, config.data.landmark_set)


# A SavedModel per distinct serving module (head, tracker, decoder, markup),
# exported from a real-data representative where there is one.
EXPORTED = {export_key(n): n for n in sorted(
    REPRESENTATIVES, key=lambda n: (n.startswith("synthetic"), n),
    reverse=True)}


@pytest.mark.parametrize("name", REPRESENTATIVES)
def test_group_representative_trains_evaluates_and_exports(
    name, rehearsal_data_dir, runs, tmp_path):
  config = rehearsal_config(name, rehearsal_data_dir)
  run = runs(training_run(name))
  assert common.load_config(run).name == training_run(name) + "_smoke"
  # As `evaluate --config=<name> --workdir=<dir> [--model_workdir=<run>]`
  # does: this config's splits, subset and decoder scoring the run's model.
  workdir = run if training_run(name) == name else str(tmp_path / name)
  decoder = config.eval.decoder
  with warnings.catch_warnings():
    warnings.simplefilter("ignore", _counts.CountWarning)
    results = evaluate.run(config, workdir, model_workdir=run,
                           log=lambda s: None)
  assert sorted(results) == sorted(config.data.eval_splits)
  with open(os.path.join(workdir, "eval", "summary.json"),
            encoding="utf-8") as f:
    summary = json.load(f)
  assert summary["decoder"] == decoder
  dataset = config.data.eval_dataset or config.data.dataset
  for split, result in results.items():
    size = _builder(dataset, rehearsal_data_dir).info.splits[split]
    assert summary[split]["images"] == min(size.num_examples,
                                           config.eval.max_examples)
    assert np.isfinite(result["model"].summary.nrmse)
  if EXPORTED[export_key(name)] != name:
    return  # the same serving module is exported by another representative
  path = export.run(config, run, str(tmp_path / "saved_model"))
  loaded = tf.saved_model.load(path)
  f = config.data.crop_size
  crops = np.random.default_rng(0).integers(0, 256, (2, f, f, 3), np.uint8)
  out = loaded.signatures["detect"](images=tf.constant(crops))
  n = landmark_sets.get(config.data.landmark_set).num_points
  assert out["landmarks"].shape == (2, n, 2)
  assert np.all(np.isfinite(out["landmarks"]))
  if common.is_tracker(config):
    assert "track_step" in loaded.signatures
