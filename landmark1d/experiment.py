"""An experiment end to end: config -> datasets, model, training, evaluation, export.

The binaries in `experiments/` are thin flag parsers around these functions:

  train(config, workdir, ...)        -> training.TrainResult
  evaluate(config, workdir, ...)     -> {split: (model scores, baseline scores)}
  export(config, workdir, path, ...) -> SavedModel path
  cross_validate(config, workdir, parameter, values, folds)

Everything a run produces lives under its workdir: `config.json`,
`checkpoints/`, `train/` (TensorBoard), `eval/<split>.{json,md}`, CED plots,
`eval/summary.json`, and an exported model if asked for.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import os
from typing import Callable

import keras
import numpy as np
import tensorflow as tf

import landmark1d_datasets
from landmark1d import augment as augment_lib
from landmark1d import configs
from landmark1d import coordinates
from landmark1d import drawing
from landmark1d import evaluation
from landmark1d import export as export_lib
from landmark1d import heatmaps
from landmark1d import input_pipeline
from landmark1d import landmark_sets
from landmark1d import losses
from landmark1d import metrics
from landmark1d import models
from landmark1d import training


class DatasetError(ValueError):
  """A dataset or split that cannot be read, with what to do about it."""


# ----------------------------------------------------------------------------
# Data.


def records(name: str, split: str, *, data_dir: str | None,
            manual_dir: str | None = None) -> tf.data.Dataset:
  """Examples of one split, images still encoded, in the builder's order.

  Builds the dataset first when needed (the synthetic set builds itself; real
  sets need `manual_dir`).

  Raises:
    DatasetError: unknown dataset or split, or a dataset that cannot be built.
  """
  import tensorflow_datasets as tfds  # pylint: disable=g-import-not-at-top
  try:
    builder = landmark1d_datasets.prepare(name, data_dir, manual_dir)
  except ValueError as e:
    raise DatasetError(f"dataset {name!r}: {e}") from e
  except Exception as e:  # tfds raises many kinds; keep its message.
    raise DatasetError(
        f"dataset {name!r} is not built in data_dir={data_dir!r} and could "
        f"not be built (manual_dir={manual_dir!r}): {type(e).__name__}: {e}"
    ) from e
  known = set(builder.info.splits.keys())
  for part in split.split("+"):
    if part.split("[")[0] not in known:
      raise DatasetError(f"dataset {name!r} has no split {part!r}; its splits "
                         f"are {sorted(known)}")
  return builder.as_dataset(split=split, shuffle_files=False,
                            decoders={"image": tfds.decode.SkipDecoding()})


def _training_records(data: configs.DataConfig) -> tf.data.Dataset:
  sources = [(data.dataset, s) for s in data.train_splits]
  sources += [tuple(s.split(":")) for s in data.extra_train_datasets]
  parts = [records(name, split, data_dir=data.data_dir,
                   manual_dir=data.manual_dir) for name, split in sources]
  keys = ("image", "landmarks", "visible", "box", "image_id")
  if data.clip_length and len(parts) == 1:
    return parts[0]
  # Mixed sources keep the keys they share, so they can be concatenated.
  ds = parts[0].map(lambda e: {k: e[k] for k in keys})
  for part in parts[1:]:
    ds = ds.concatenate(part.map(lambda e: {k: e[k] for k in keys}))
  return ds


def augment_params(data: configs.DataConfig):
  """The config's augmentation as `AugmentParams`, or None when it is off."""
  if not data.augment:
    return None
  return augment_lib.AugmentParams(
      rotation=data.rotation, scale=data.scale, translate=data.translate,
      flip=data.flip, color=data.color, occlusion=data.occlusion)


def is_tracker(config: configs.ExperimentConfig) -> bool:
  return config.tracker.enabled


# ----------------------------------------------------------------------------
# Models.


def build_detector(config: configs.ExperimentConfig) -> keras.Model:
  m = config.model
  return models.build_detector(
      m.head, num_landmarks=landmark_sets.get(
          config.data.landmark_set).num_points,
      heatmap_length=m.heatmap_length, input_size=config.data.crop_size,
      num_stacks=m.num_stacks, channels=m.channels,
      hourglass_depth=m.hourglass_depth, coattention_gamma=m.coattention_gamma,
      attention_dims=m.attention_dims)


def build_model(config: configs.ExperimentConfig,
                load_detector: bool = True) -> keras.Model:
  """The detector, or the tracker around it (its detector restored from
  `tracker.detector_workdir` when set and `load_detector`)."""
  detector = build_detector(config)
  if not is_tracker(config):
    return detector
  if load_detector and config.tracker.detector_workdir:
    step = training.restore_model(detector, config.tracker.detector_workdir)
    print(f"tracker: detector from {config.tracker.detector_workdir} "
          f"(step {step})")
  return models.build_tracker(
      detector, fusion_lambda=config.tracker.fusion_lambda,
      freeze_detector=config.tracker.freeze_detector)


def restore(config: configs.ExperimentConfig, workdir: str) -> keras.Model:
  """The model of a trained workdir, weights from its latest checkpoint."""
  model = build_model(config, load_detector=False)
  training.restore_model(model, workdir)
  return model


def decode(outputs: dict, config: configs.ExperimentConfig, decoder: str,
           stacked: bool):
  """Crop-pixel landmarks and confidence from model outputs, by the config."""
  return heatmaps.decode_outputs(outputs, config.data.crop_size, decoder,
                                 config.model.sigma, stacked)


# ----------------------------------------------------------------------------
# Training.


def _write_config(config: configs.ExperimentConfig, workdir: str):
  os.makedirs(workdir, exist_ok=True)
  with open(os.path.join(workdir, "config.json"), "w", encoding="utf-8") as f:
    f.write(config.to_json())


def load_config(workdir: str) -> configs.ExperimentConfig:
  """The config a workdir was trained with."""
  path = os.path.join(workdir, "config.json")
  if not os.path.exists(path):
    raise FileNotFoundError(f"{path} not found: is {workdir!r} a workdir "
                            "written by experiments/train_*.py?")
  with open(path, encoding="utf-8") as f:
    return configs.ExperimentConfig.from_dict(json.load(f)).validate()


def _summary_hook(config, model, workdir, log):
  """TensorBoard scalars, example images and a quick validation NRMSE.

  Validation scores the first `train.eval_examples` images of
  `data.validation_split` (of the training dataset), or of the first eval
  split when the config names no validation split.
  """
  writer = tf.summary.create_file_writer(os.path.join(workdir, "train"))
  train_cfg, data = config.train, config.data
  split = data.validation_split or data.eval_splits[0]
  validation = None

  def validation_batches():
    nonlocal validation
    if validation is None:  # read once: the same images at every step
      validation = list(eval_batches(
          config, split, train_cfg.eval_examples,
          dataset=data.dataset if data.validation_split else None))
    return validation

  if train_cfg.eval_every and not is_tracker(config):
    validation_batches()  # a missing split fails now, not steps later

  def hook(step, loss):
    with writer.as_default(step=step):
      tf.summary.scalar("loss", loss)
      due_eval = train_cfg.eval_every and step % train_cfg.eval_every == 0
      due_image = (train_cfg.image_summary_every and
                   step % train_cfg.image_summary_every == 0)
      if not (due_eval or due_image) or is_tracker(config):
        return
      batches = validation_batches() if due_eval else validation_batches()[:1]
      preds = [decode(model(b["image"], training=False), config,
                      config.eval.decoder, True)[0] for b in batches]
      batch, pred = batches[0], preds[0]
      if due_eval:
        truth = np.concatenate([b["landmarks"].numpy() for b in batches])
        norm = metrics.normalizing_distance(
            truth, config.data.landmark_set, config.data.normalization,
            np.concatenate([b["box_size"].numpy() for b in batches])
            if "box_size" in batch else None)
        nrmse = float(np.mean(metrics.nrmse(
            np.concatenate(preds), truth, norm,
            np.concatenate([b["mask"].numpy() for b in batches]) > 0)))
        tf.summary.scalar("val_nrmse_percent", 100 * nrmse)
        log(f"step {step}: validation NRMSE {100 * nrmse:.2f}% (split "
            f"{split!r}) on {len(norm)} images")
      if due_image:
        images = [drawing.draw_landmarks(
            (batch["image"][i].numpy() * 255).astype(np.uint8), pred[i],
            truth=batch["landmarks"][i]) for i in range(min(4, len(pred)))]
        tf.summary.image("predictions", np.stack(images), step=step,
                         max_outputs=4)
  return hook


def train(config: configs.ExperimentConfig, workdir: str, *,
          strategy: str = "default", cpu_replicas: int = 0,
          mixed_precision: bool = False, jit_compile: bool = False,
          log: Callable[[str], None] = print) -> training.TrainResult:
  """Trains the config's detector or tracker into `workdir` (resuming)."""
  config.validate()
  # First: MultiWorkerMirroredStrategy must configure collective ops before
  # anything initialises the TF runtime.
  dist = training.make_strategy(strategy, cpu_replicas)
  _write_config(config, workdir)
  t = config.train
  if t.deterministic:
    tf.config.experimental.enable_op_determinism()
  keras.utils.set_random_seed(t.seed)
  if mixed_precision:
    keras.mixed_precision.set_global_policy("mixed_float16")
  with dist.scope():
    model = build_model(config)
    optimizer = keras.optimizers.Adam(training.learning_rate(
        t.lr_schedule, t.learning_rate, t.steps))
    if mixed_precision:
      optimizer = keras.optimizers.LossScaleOptimizer(optimizer)
  train_records = _training_records(config.data)
  data, m = config.data, config.model
  clip_length = data.clip_length if is_tracker(config) else 0

  def dataset_fn(first_step, ctx):
    return input_pipeline.training_dataset(
        train_records, landmark_set=data.landmark_set,
        crop_size=data.crop_size, heatmap_length=m.heatmap_length,
        sigma=m.sigma, target=m.head, batch_size=t.batch_size,
        augment=augment_params(data), context=data.context, shift=data.shift,
        seed=t.seed, first_example=first_step * t.batch_size,
        shuffle_buffer=data.shuffle_buffer, input_context=ctx,
        clip_length=clip_length)

  settings = training.LoopSettings(
      steps=t.steps, global_batch_size=t.batch_size,
      checkpoint_every=t.checkpoint_every, log_every=t.log_every,
      max_checkpoints=t.max_checkpoints, jit_compile=jit_compile,
      bn_stats_batches=-(-t.bn_stats_examples // t.batch_size),
      bn_stats_group=-(-training.BN_STATS_IMAGES // (
          t.batch_size * max(clip_length, 1))))
  chief = training.is_chief(dist)
  result = training.train(
      strategy=dist, model=model, optimizer=optimizer,
      loss_fn=losses.for_head(m.head), dataset_fn=dataset_fn,
      workdir=workdir, settings=settings,
      hooks=_summary_hook(config, model, workdir, log) if chief else None,
      log=log)
  if chief:
    training.write_json(os.path.join(workdir, "train_result.json"), {
        "step": result.step, "last_loss": result.last_loss,
        "seconds": result.seconds, "resumed_from": result.resumed_from})
  return result


# ----------------------------------------------------------------------------
# Evaluation.


def eval_batches(config: configs.ExperimentConfig, split: str,
                 max_examples: int = 0, dataset: str | None = None):
  """Deterministic evaluation batches of a split (default: the eval dataset)."""
  data = config.data
  return input_pipeline.eval_dataset(
      records(dataset or data.eval_dataset or data.dataset, split,
              data_dir=data.data_dir, manual_dir=data.manual_dir),
      landmark_set=data.landmark_set, crop_size=data.crop_size,
      heatmap_length=config.model.heatmap_length, sigma=config.model.sigma,
      target=None, batch_size=config.eval.batch_size, context=data.context,
      shift=data.shift, max_examples=max_examples)


def _ids(batch, key):
  return [v.decode() if isinstance(v, bytes) else str(v)
          for v in batch[key].numpy()]


def collect(config, split, predictors: dict, max_examples=0) -> dict:
  """One pass over a split, each `predict(batch) -> crop landmarks (B, N, 2)`.

  Returns:
    `{name: evaluation.Predictions}` in image pixels, one per predictor.
  """
  f = config.data.crop_size
  parts = {name: [] for name in predictors}
  for batch in eval_batches(config, split, max_examples):
    video = "video_id" in batch
    ids = dict(
        ground_truth=batch["landmarks_image"].numpy(),
        visible=batch["visible"].numpy(), image_ids=_ids(batch, "image_id"),
        face_size=batch["box_size"].numpy() if "box_size" in batch else None,
        video_ids=_ids(batch, "video_id") if video else None,
        frame_indices=batch["frame_index"].numpy() if video else None)
    for name, predict in predictors.items():
      image_pred = coordinates.crop_to_image(predict(batch), batch["window"],
                                             f)
      parts[name].append(evaluation.Predictions(
          landmarks=np.asarray(image_pred), **ids))
  return {name: evaluation.Predictions.concatenate(p)
          for name, p in parts.items()}


def score(config: configs.ExperimentConfig,
          predictions: evaluation.Predictions) -> evaluation.SplitScores:
  """Scores predictions with the config's landmark set, normalisation,
  subset and thresholds."""
  data = config.data
  return evaluation.score(predictions, landmark_set=data.landmark_set,
                          normalization=data.normalization,
                          eval_subset=data.eval_subset,
                          thresholds=config.eval.thresholds)


def _detector_predict(model, config, decoder):
  @tf.function
  def run(images):
    return decode(model(images, training=False), config, decoder, True)[0]
  return lambda batch: run(batch["image"]).numpy()


def _tracker_predict(model, config, decoder):
  """Frame-by-frame streaming; the state resets at every new video."""
  step_model = models.build_tracker_step(model)
  run_step = models.step_function(step_model)

  @tf.function
  def step(frame, states):
    outputs, new_states = run_step(frame, states)
    return decode(outputs, config, decoder, False)[0], new_states

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
  crops = [b["landmarks"].numpy() for b in eval_batches(
      config, data.train_splits[0], max_examples, dataset=data.dataset)]
  return evaluation.mean_shape(np.concatenate(crops))


def evaluate(config: configs.ExperimentConfig, workdir: str, *,
             decoder: str | None = None, splits=None, model=None,
             log: Callable[[str], None] = print) -> dict:
  """Scores the workdir's model on each eval split, beside the mean shape.

  Writes `eval/<split>.{json,md}`, `eval/<split>_ced.png`, a jitter figure
  for videos and `eval/summary.json`.

  Returns:
    `{split: {"model": SplitScores, "baseline": SplitScores}}`.
  """
  config.validate()
  decoder = decoder or config.eval.decoder
  model = model or restore(config, workdir)
  if is_tracker(config):
    predict = _tracker_predict(model, config, decoder)
  else:
    predict = _detector_predict(model, config, decoder)
  mean = mean_shape_baseline(config)
  data = config.data
  results, summary = {}, {"decoder": decoder}
  for split in (splits or data.eval_splits):
    collected = collect(config, split, {
        "model": predict,
        "baseline": lambda b: np.broadcast_to(
            mean, (len(b["image"]), *mean.shape)).astype(np.float32),
    }, config.eval.max_examples)
    preds, base = collected["model"], collected["baseline"]
    scores, baseline = score(config, preds), score(config, base)
    table = evaluation.write_split(workdir, split, scores, baseline,
                                   config.eval.thresholds)
    if preds.video_ids is not None:
      evaluation.plot_jitter(preds, os.path.join(workdir, "eval",
                                                 f"{split}_jitter.png"))
    log(f"\n{config.name}: split {split!r} ({len(preds.landmarks)} images, "
        f"decoder {decoder})\n{table}")
    results[split] = {"model": scores, "baseline": baseline}
    summary[split] = {"nrmse_percent": scores.summary.nrmse,
                      "baseline_nrmse_percent": baseline.summary.nrmse,
                      "images": int(len(preds.landmarks))}
    if scores.jitter is not None:
      summary[split]["jitter_percent"] = scores.jitter
  training.write_json(os.path.join(workdir, "eval", "summary.json"), summary)
  return results


# ----------------------------------------------------------------------------
# Export.


def export(config: configs.ExperimentConfig, workdir: str, path: str, *,
           decoder: str | None = None, model=None) -> str:
  """Writes the workdir's model as a SavedModel with serving signatures."""
  model = model or restore(config, workdir)
  kwargs = {}
  detector = model
  if is_tracker(config):
    detector = models.detector_of(model)
    kwargs = dict(step_model=models.build_tracker_step(model))
  module = export_lib.LandmarkModule(
      detector, head=config.model.head, landmark_set=config.data.landmark_set,
      crop_size=config.data.crop_size,
      heatmap_length=config.model.heatmap_length, sigma=config.model.sigma,
      decoder=decoder or config.eval.decoder, context=config.data.context,
      shift=config.data.shift, **kwargs)
  return export_lib.export(module, path, config.to_dict())


# ----------------------------------------------------------------------------
# Cross-validation of gamma (eq. 10) or lambda (eq. 13), Section 5.1.

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


def cross_validate(config: configs.ExperimentConfig, workdir: str, *,
                   parameter: str, values, folds: int = 10,
                   log: Callable[[str], None] = print, **train_kwargs) -> dict:
  """k-fold cross-validation on the training split; returns the best value.

  Each (value, fold) trains a fresh model for `config.train.steps` on the
  other folds and scores it on the held-out fold; the value with the lowest
  mean NRMSE wins. Results go to `<workdir>/cross_validation.json`.
  """
  if parameter not in CV_PARAMETERS:
    raise ValueError(f"parameter must be one of {sorted(CV_PARAMETERS)}, "
                     f"got {parameter!r}")
  section, field = CV_PARAMETERS[parameter]
  split = config.data.train_splits[0]
  table = {}
  for value in values:
    errors = []
    for fold in range(folds):
      cfg = copy.deepcopy(config)
      setattr(getattr(cfg, section), field, float(value))
      train_split, held_out = fold_splits(split, fold, folds)
      cfg.data = dataclasses.replace(cfg.data, train_splits=(train_split,),
                                     eval_splits=(held_out,),
                                     eval_dataset=None)
      run_dir = os.path.join(workdir, f"{parameter}_{value:g}", f"fold{fold}")
      train(cfg, run_dir, log=log, **train_kwargs)
      scores = evaluate(cfg, run_dir, log=lambda s: None)
      errors.append(scores[held_out]["model"].summary.nrmse)
    table[f"{value:g}"] = {"fold_nrmse_percent": errors,
                           "mean_nrmse_percent": float(np.mean(errors))}
    log(f"{parameter} = {value:g}: mean NRMSE {np.mean(errors):.3f}%")
  best = min(table, key=lambda k: table[k]["mean_nrmse_percent"])
  result = {"parameter": parameter, "folds": folds, "best": float(best),
            "results": table}
  training.write_json(os.path.join(workdir, "cross_validation.json"), result)
  return result
