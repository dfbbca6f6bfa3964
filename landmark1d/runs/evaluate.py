"""Evaluating a run: predictions per eval split beside the mean shape.

`run(config, workdir)` restores the workdir's model, streams each eval split
through it (trackers frame by frame, the state reset per video), scores the
predictions and the mean-shape baseline against the eval dataset's own
markup, and writes `eval/<split>.{json,md}`, CED / jitter plots and
`eval/summary.json`.
"""

from __future__ import annotations

import os
from typing import Callable

import numpy as np
import tensorflow as tf

from landmark1d import models
from landmark1d.data import input_pipeline
from landmark1d.eval import reporting
from landmark1d.eval import scoring
from landmark1d.geometry import coordinates
from landmark1d.runs import common
from landmark1d.runs import datasets
from landmark1d.runs import schema
from landmark1d.training import loop


def eval_records(config: schema.ExperimentConfig, split: str,
                 dataset: str | None = None,
                 box_template: np.ndarray | None = None) -> tf.data.Dataset:
  """A split's records (default: the eval dataset) with the boxes scored.

  A dataset in another markup than the model's (Talking Face) gets the
  training box rule: `box_template` (the training mean shape, computed when
  None) fitted to its common points, and the template's tight box.
  """
  data = config.data
  name = dataset or data.eval_dataset or data.dataset
  examples = datasets.records(name, split, data_dir=data.data_dir,
                              manual_dir=data.manual_dir)
  markup = datasets.markup(name, data)
  if markup != data.landmark_set:
    if data.eval_subset is None:
      raise ValueError(f"{config.name}: dataset {name!r} is marked up in "
                       f"{markup!r}, the model predicts {data.landmark_set!r};"
                       " set data.eval_subset to the points both share")
    if box_template is None:
      box_template = mean_shape_baseline(config)
    examples = input_pipeline.template_boxes(
        examples, box_template,
        scoring.subset_of(data.landmark_set, data.eval_subset),
        scoring.subset_of(markup, data.eval_subset))
  return examples


def eval_batches(config: schema.ExperimentConfig, split: str,
                 max_examples: int = 0, dataset: str | None = None,
                 box_template: np.ndarray | None = None):
  """Deterministic evaluation batches of `eval_records`."""
  data = config.data
  return input_pipeline.eval_dataset(
      eval_records(config, split, dataset, box_template),
      landmark_set=data.landmark_set, crop_size=data.crop_size,
      heatmap_length=config.model.heatmap_length, sigma=config.model.sigma,
      target=None, batch_size=config.eval.batch_size, context=data.context,
      shift=data.shift, max_examples=max_examples)


def _ids(batch, key):
  return [v.decode() if isinstance(v, bytes) else str(v)
          for v in np.asarray(batch[key])]


def frame_fields(batch: dict) -> dict:
  """The `scoring.Predictions` fields of a batch besides the landmarks:
  ground truth (`landmarks_image`), ids and, when present, the flags."""
  video = "video_id" in batch
  return dict(
      ground_truth=np.asarray(batch["landmarks_image"]),
      visible=np.asarray(batch["visible"]), image_ids=_ids(batch, "image_id"),
      face_size=np.asarray(batch["box_size"]) if "box_size" in batch
      else None,
      video_ids=_ids(batch, "video_id") if video else None,
      frame_indices=np.asarray(batch["frame_index"]) if video else None,
      degraded=np.asarray(batch["degraded"], bool) if "degraded" in batch
      else None,
      events=_ids(batch, "event") if "event" in batch else None)


def collect(config, split, predictors: dict, max_examples=0,
            box_template=None) -> dict:
  """One pass over a split, each `predict(batch) -> crop landmarks (B, N, 2)`.

  `box_template`: see `eval_records`. Batches with `degraded` / `event`
  flags pass them on to the predictions.

  Returns:
    `{name: scoring.Predictions}` in image pixels, one per predictor.
  """
  f = config.data.crop_size
  parts = {name: [] for name in predictors}
  for batch in eval_batches(config, split, max_examples,
                            box_template=box_template):
    ids = frame_fields(batch)
    for name, predict in predictors.items():
      image_pred = coordinates.crop_to_image(predict(batch), batch["window"],
                                             f)
      parts[name].append(scoring.Predictions(
          landmarks=np.asarray(image_pred), **ids))
  return {name: scoring.Predictions.concatenate(p)
          for name, p in parts.items()}


def eval_landmark_set(config: schema.ExperimentConfig) -> str:
  """The scheme of the eval dataset's ground truth (Talking Face: its own)."""
  data = config.data
  return datasets.markup(data.eval_dataset or data.dataset, data)


def score(config: schema.ExperimentConfig, predictions: scoring.Predictions,
          skip_first: int = 0) -> scoring.SplitScores:
  """Scores predictions with the config's landmark set, normalisation,
  subset and thresholds, against the eval dataset's own markup
  (`skip_first`: see `scoring.score`)."""
  data = config.data
  return scoring.score(predictions, landmark_set=data.landmark_set,
                       normalization=data.normalization,
                       eval_subset=data.eval_subset,
                       ground_truth_set=eval_landmark_set(config),
                       thresholds=config.eval.thresholds,
                       skip_first=skip_first)


def detector_predictor(model, config, decoder):
  @tf.function
  def infer(images):
    return common.decode(model(images, training=False), config, decoder,
                         True)[0]
  return lambda batch: infer(batch["image"]).numpy()


def tracker_predictor(model, config, decoder):
  """Frame-by-frame streaming; the state resets at every new video."""
  step_model = models.build_tracker_step(model)
  run_step = models.step_function(step_model)

  @tf.function
  def step(frame, states):
    outputs, new_states = run_step(frame, states)
    return common.decode(outputs, config, decoder, False)[0], new_states

  current = {"video": None, "states": None}

  def predict(batch):
    results = []
    for i, video in enumerate(_ids(batch, "video_id")):
      if video != current["video"]:
        current["video"] = video
        current["states"] = models.zero_state(step_model, 1)
      landmarks, current["states"] = step(batch["image"][i:i + 1],
                                          current["states"])
      results.append(landmarks.numpy()[0])
    return np.stack(results)
  return predict


def mean_shape_baseline(config, max_examples: int = 500) -> np.ndarray:
  """Mean training shape in crop pixels (the trivial predictor we must beat)."""
  data = config.data
  batches = list(eval_batches(config, data.train_splits[0], max_examples,
                              dataset=data.dataset))
  return scoring.mean_shape(
      np.concatenate([b["landmarks"].numpy() for b in batches]),
      np.concatenate([b["visible"].numpy() for b in batches]))


def run(config: schema.ExperimentConfig, workdir: str, *,
        decoder: str | None = None, splits=None, model=None,
        model_workdir: str | None = None,
        log: Callable[[str], None] = print) -> dict:
  """Scores the workdir's model on each eval split, beside the mean shape.

  Writes `eval/<split>.{json,md}`, `eval/<split>_ced.png`, a jitter figure
  for videos and `eval/summary.json` (with the config name and decoder); a
  decoder other than the config's writes them under `eval/<decoder>/`, so
  each decoder keeps its own result and `eval/` stays the config's.

  Args:
    config: the experiment (its eval splits, decoder, scoring).
    workdir: where the results go; its model is scored unless
      `model_workdir` or `model` is given.
    decoder: overrides `config.eval.decoder`.
    splits: overrides `config.data.eval_splits`.
    model: an already restored model.
    model_workdir: score the model of this workdir, which must have been
      trained with `config`'s training settings (rows that share another's
      training, e.g. Table 3's +DARK row).
    log: sink for the result tables.

  Returns:
    `{split: {"model": SplitScores, "baseline": SplitScores}}`.
  """
  config = datasets.with_scheme(config.validate())
  datasets.check_unseen_eval_images(config.data)
  decoder = decoder or config.eval.decoder
  folder = ("eval" if decoder == config.eval.decoder
            else os.path.join("eval", decoder))
  if model_workdir:
    common.check_same_training(config, model_workdir)
  model = model or common.restore(config, model_workdir or workdir)
  if common.is_tracker(config):
    predict = tracker_predictor(model, config, decoder)
  else:
    predict = detector_predictor(model, config, decoder)
  mean = mean_shape_baseline(config)
  data = config.data
  results, summary = {}, {"config": config.name, "decoder": decoder}
  for split in (splits or data.eval_splits):
    collected = collect(config, split, {
        "model": predict,
        "baseline": lambda b: np.broadcast_to(
            mean, (len(b["image"]), *mean.shape)).astype(np.float32),
    }, config.eval.max_examples, box_template=mean)
    preds, base = collected["model"], collected["baseline"]
    scores, baseline = score(config, preds), score(config, base)
    table = reporting.write_split(workdir, split, scores, baseline,
                                  config.eval.thresholds, folder, decoder)
    if preds.video_ids is not None:
      reporting.plot_jitter(preds, os.path.join(workdir, folder,
                                                f"{split}_jitter.png"))
    log(f"\n{config.name}: split {split!r} ({len(preds.landmarks)} images, "
        f"decoder {decoder})\n{table}")
    results[split] = {"model": scores, "baseline": baseline}
    interval = scores.summary.nrmse_interval
    summary[split] = {"nrmse_percent": scores.summary.nrmse,
                      "nrmse_interval_percent": [interval["low"],
                                                 interval["high"]],
                      "baseline_nrmse_percent": baseline.summary.nrmse,
                      "images": int(len(preds.landmarks))}
    if scores.jitter is not None:
      summary[split]["jitter_percent"] = scores.jitter
  loop.write_json(os.path.join(workdir, folder, "summary.json"), summary)
  return results
