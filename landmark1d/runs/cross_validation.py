"""k-fold cross-validation of gamma (eq. 10) or lambda (eq. 13), Section 5.1.

Each (value, fold) is a run trained on the other folds and scored on the
held-out one; image sets fold by percent of examples, video sets by whole
videos. For lambda the tracker's detector is trained again on every fold.
"""

from __future__ import annotations

import copy
import dataclasses
import os
from typing import Callable

import numpy as np

from landmark1d.runs import common
from landmark1d.runs import datasets
from landmark1d.runs import evaluate
from landmark1d.runs import schema
from landmark1d.runs import train
from landmark1d.training import loop


CV_PARAMETERS = {"gamma": ("model", "coattention_gamma"),
                 "lambda": ("tracker", "fusion_lambda")}


def fold_splits(split: str, fold: int, folds: int) -> tuple[str, str]:
  """(train, held-out) tfds split strings of fold `fold` of `folds`."""
  if not 0 <= fold < folds:
    raise ValueError(f"fold must be in [0, {folds}), got {fold}")
  lo, hi = 100 * fold // folds, 100 * (fold + 1) // folds
  parts = ([f"{split}[:{lo}%]"] if lo > 0 else []) + (
      [f"{split}[{hi}%:]"] if hi < 100 else [])
  return "+".join(parts), f"{split}[{lo}%:{hi}%]"


def cv_folds(data: schema.DataConfig, folds: int) -> list[tuple[str, str]]:
  """(train, held-out) split strings of each fold of `data.train_splits[0]`.

  Image sets fold by percent of examples (`fold_splits`); video sets by whole
  videos, so that no video has frames on both sides of a fold.
  """
  split = data.train_splits[0]
  builder = datasets.prepare(data.dataset, data.data_dir, data.manual_dir)
  if not datasets.is_video(builder):
    return [fold_splits(split, k, folds) for k in range(folds)]
  parts = datasets.absolute_ranges(builder, data.dataset, split)
  if len(parts) != 1:
    raise ValueError(f"cross-validation folds one split, got {split!r}")
  base, start, stop = parts[0]
  videos = datasets.video_ranges(builder, data.dataset, base, start, stop)
  if len(videos) < folds:
    raise ValueError(f"{data.dataset} {split!r} has {len(videos)} videos, "
                     f"fewer than {folds} folds")
  out = []
  for k in range(folds):
    lo = videos[len(videos) * k // folds][0]
    hi = videos[len(videos) * (k + 1) // folds - 1][1]
    train_parts = ([f"{base}[{start}:{lo}]"] if lo > start else []) + (
        [f"{base}[{hi}:{stop}]"] if hi < stop else [])
    out.append(("+".join(train_parts), f"{base}[{lo}:{hi}]"))
  return out


def _on_fold(config: schema.ExperimentConfig, train_split: str,
             held_out: str) -> schema.ExperimentConfig:
  config = copy.deepcopy(config)
  config.data = dataclasses.replace(
      config.data, train_splits=(train_split,), eval_splits=(held_out,),
      eval_dataset=None, eval_subset=None)
  return config


def run(config: schema.ExperimentConfig, workdir: str, *, parameter: str,
        values, folds: int = 10,
        detector: schema.ExperimentConfig | None = None,
        log: Callable[[str], None] = print, **train_kwargs) -> dict:
  """k-fold cross-validation on the training split; returns the best value.

  Each (value, fold) trains a fresh model for `config.train.steps` on the
  other folds and scores it on the held-out fold; the value with the lowest
  mean NRMSE wins. Results go to `<workdir>/cross_validation.json`.

  For lambda (a tracker), the tracker's detector is trained once per fold on
  that fold's training part too (`detector`, its config), so that no
  held-out frame was seen by any part of the model.

  Args:
    config: the detector (gamma) or tracker (lambda) config.
    workdir: holds one run per (value, fold), fold detectors, the result.
    parameter: "gamma" (eq. 10) or "lambda" (eq. 13).
    values: candidate values.
    folds: k.
    detector: for lambda, the config of the tracker's detector, unless
      `config.tracker.from_scratch`.
    log: progress sink.
    **train_kwargs: passed to `train.run`.
  """
  if parameter not in CV_PARAMETERS:
    raise ValueError(f"parameter must be one of {sorted(CV_PARAMETERS)}, "
                     f"got {parameter!r}")
  if (parameter == "lambda") != common.is_tracker(config):
    raise ValueError(f"{parameter} is cross-validated on a "
                     f"{'tracker' if parameter == 'lambda' else 'detector'} "
                     f"config; {config.name!r} is not one")
  section, field = CV_PARAMETERS[parameter]
  splits = cv_folds(config.data, folds)
  fold_detectors = {}
  if parameter == "lambda" and not config.tracker.from_scratch:
    if detector is None or (detector.data.dataset, detector.data.train_splits
                            ) != (config.data.dataset,
                                  config.data.train_splits):
      raise ValueError(f"cross-validating lambda of {config.name!r} needs its "
                       "detector's config, trained on the same split (its "
                       "detector is retrained on every fold)")
    for fold, (train_split, held_out) in enumerate(splits):
      run_dir = os.path.join(workdir, "detector", f"fold{fold}")
      train.run(_on_fold(detector, train_split, held_out), run_dir, log=log,
                **train_kwargs)
      fold_detectors[fold] = run_dir
  table = {}
  for value in values:
    errors = []
    for fold, (train_split, held_out) in enumerate(splits):
      cfg = _on_fold(config, train_split, held_out)
      setattr(getattr(cfg, section), field, float(value))
      if fold in fold_detectors:
        cfg.tracker.detector_workdir = fold_detectors[fold]
      run_dir = os.path.join(workdir, f"{parameter}_{value:g}", f"fold{fold}")
      train.run(cfg, run_dir, log=log, **train_kwargs)
      scores = evaluate.run(cfg, run_dir, log=lambda s: None)
      errors.append(scores[held_out]["model"].summary.nrmse)
    table[f"{value:g}"] = {"fold_nrmse_percent": errors,
                           "mean_nrmse_percent": float(np.mean(errors))}
    log(f"{parameter} = {value:g}: mean NRMSE {np.mean(errors):.3f}%")
  best = min(table, key=lambda k: table[k]["mean_nrmse_percent"])
  result = {"parameter": parameter, "folds": folds, "best": float(best),
            "results": table}
  loop.write_json(os.path.join(workdir, "cross_validation.json"), result)
  return result
