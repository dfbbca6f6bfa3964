"""An experiment end to end: config -> datasets, model, training, evaluation, export.

The binaries in `experiments/` are thin flag parsers around these functions:

  train(config, workdir, ...)        -> loop.TrainResult
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
from landmark1d import configs
from landmark1d import models
from landmark1d.data import augment as augment_lib
from landmark1d.data import input_pipeline
from landmark1d.eval import metrics
from landmark1d.eval import reporting
from landmark1d.eval import scoring
from landmark1d.geometry import coordinates
from landmark1d.geometry import heatmaps
from landmark1d.geometry import landmark_sets
from landmark1d.serving import drawing
from landmark1d.serving import export as export_lib
from landmark1d.train import loop
from landmark1d.train import losses


class DatasetError(ValueError):
  """A dataset or split that cannot be read, with what to do about it."""


class DetectorRunError(ValueError):
  """A tracker's detector run is missing, unfinished or of another config."""


# ----------------------------------------------------------------------------
# Data.


def _builder(name: str, data_dir: str | None, manual_dir: str | None):
  """The dataset's tfds builder, built first when needed.

  Raises:
    DatasetError: unknown dataset, or a dataset that cannot be built.
  """
  try:
    return landmark1d_datasets.prepare(name, data_dir, manual_dir)
  except ValueError as e:
    raise DatasetError(f"dataset {name!r}: {e}") from e
  except Exception as e:  # tfds raises many kinds; keep its message.
    raise DatasetError(
        f"dataset {name!r} is not built in data_dir={data_dir!r} and could "
        f"not be built (manual_dir={manual_dir!r}): {type(e).__name__}: {e}"
    ) from e


def _read(builder, name: str, split: str) -> tf.data.Dataset:
  import tensorflow_datasets as tfds  # pylint: disable=g-import-not-at-top
  known = set(builder.info.splits.keys())
  for part in split.split("+"):
    if part.split("[")[0] not in known:
      raise DatasetError(f"dataset {name!r} has no split {part!r}; its splits "
                         f"are {sorted(known)}")
  return builder.as_dataset(split=split, shuffle_files=False,
                            decoders={"image": tfds.decode.SkipDecoding()})


def records(name: str, split: str, *, data_dir: str | None,
            manual_dir: str | None = None) -> tf.data.Dataset:
  """Examples of one split, images still encoded, in the builder's order.

  Builds the dataset first when needed (the synthetic set builds itself; real
  sets need `manual_dir`).

  Raises:
    DatasetError: unknown dataset or split, or a dataset that cannot be built.
  """
  return _read(_builder(name, data_dir, manual_dir), name, split)


def _absolute_ranges(builder, name: str, split: str):
  """`[(split, start, stop)]`: the example ranges a split string selects."""
  import tensorflow_datasets as tfds  # pylint: disable=g-import-not-at-top
  _read(builder, name, split)  # checks the split names
  infos = builder.info.splits
  ranges = []
  for part in tfds.core.ReadInstruction.from_spec(split).to_absolute(infos):
    n = infos[part.splitname].num_examples
    ranges.append((part.splitname, part.from_ or 0,
                   n if part.to is None else part.to))
  return ranges


def _video_ranges(builder, name: str, split: str, start: int, stop: int):
  """`[(start, stop)]` of each video within examples [start, stop) of a split.

  Reads the split's video ids once (the builders write frames in video order).
  """
  ids = _read(builder, name, f"{split}[{start}:{stop}]").map(
      lambda e: e["video_id"]).batch(4096)
  ids = np.concatenate([list(batch) for batch in ids.as_numpy_iterator()])
  try:
    runs = input_pipeline.video_ranges(ids)
  except ValueError as e:
    raise DatasetError(f"dataset {name!r}, split {split!r}: {e}") from e
  return [(start + a, start + b) for a, b in runs]


def training_sources(data: configs.DataConfig):
  """What training samples from: one source per video, one per image split.

  A video split is cut into one source per video, so that batches mix videos
  (its frames are stored in order: a shuffle buffer over the ordered stream
  held one or two videos per batch); `extra_train_datasets` become further
  sources. Sampling each source with a weight equal to its size draws every
  training example with equal probability, i.e. from the union of the
  sources (Sec. 5.1: 300-VW train + 300-W train), interleaved rather than
  concatenated.

  Returns:
    `(sources, sizes)`: datasets of examples in their stored order, and their
    numbers of examples. Sources from several datasets keep the keys they
    share.
  """
  named = [(data.dataset, s) for s in data.train_splits]
  named += [tuple(s.split(":")) for s in data.extra_train_datasets]
  sources, sizes = [], []
  for name, split in named:
    builder = _builder(name, data.data_dir, data.manual_dir)
    video = "video_id" in builder.info.features
    for base, start, stop in _absolute_ranges(builder, name, split):
      ranges = (_video_ranges(builder, name, base, start, stop) if video
                else [(start, stop)])
      for a, b in ranges:
        sources.append(_read(builder, name, f"{base}[{a}:{b}]"))
        sizes.append(b - a)
  if len({name for name, _ in named}) > 1:
    keys = ("image", "landmarks", "visible", "box", "image_id")
    sources = [s.map(lambda e: {k: e[k] for k in keys}) for s in sources]
  return sources, sizes


def check_eval_splits(data: configs.DataConfig):
  """Raises DatasetError unless every eval split is in the built eval set.

  Called before training, so a missing split stops a run at once rather
  than after it trained (evaluation reads them only at the end).
  """
  name = data.eval_dataset or data.dataset
  for split in data.eval_splits:
    try:
      records(name, split, data_dir=data.data_dir, manual_dir=data.manual_dir)
    except DatasetError as e:
      raise DatasetError(f"data.eval_splits: {e}. Fix the download, or "
                         "evaluate other splits with --set=data.eval_splits="
                         "...") from e


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
    step = loop.restore_model(detector, config.tracker.detector_workdir)
    print(f"tracker: detector from {config.tracker.detector_workdir} "
          f"(step {step})")
  return models.build_tracker(
      detector, fusion_lambda=config.tracker.fusion_lambda,
      freeze_detector=config.tracker.freeze_detector)


def latest_step(workdir: str) -> int | None:
  """The step of a workdir's latest checkpoint, None when it has none."""
  latest = tf.train.latest_checkpoint(os.path.join(workdir, "checkpoints"))
  # `loop.train` numbers checkpoints by step: ".../ckpt-<step>".
  return None if latest is None else int(latest.rsplit("-", 1)[1])


def check_detector_run(config: configs.ExperimentConfig, workdir: str):
  """Raises unless a tracker can start from its detector run.

  A tracker starts from a finished run of `tracker.detector_config` in
  `tracker.detector_workdir` with the tracker's model settings, landmark set
  and crop size; `tracker.from_scratch` opts out. Detector configs pass.

  Args:
    config: the tracker's config.
    workdir: the tracker's workdir (the suggested detector workdir is its
      sibling named after the detector config).

  Raises:
    DetectorRunError: naming the command to run first and the override to
      pass.
  """
  t = config.tracker
  if not is_tracker(config) or t.from_scratch:
    return
  name = t.detector_config or "<detector config>"
  suggested = t.detector_workdir or os.path.join(
      os.path.dirname(os.path.normpath(workdir)), name)
  data_dir = (f" --data_dir={config.data.data_dir}" if config.data.data_dir
              else "")
  fix = (f"Train it first:\n  python -m experiments.train_detector "
         f"--config={name} --workdir={suggested}{data_dir} --evaluate=false\n"
         f"then pass --set=tracker.detector_workdir={suggested} to the "
         "tracker (or --set=tracker.from_scratch=true to train it from a "
         "random detector).")
  where = f"tracker {config.name!r} starts from a trained detector"
  if not t.detector_workdir:
    raise DetectorRunError(f"{where} ({name}), but tracker.detector_workdir "
                           f"is not set. {fix}")
  run = t.detector_workdir
  if not os.path.exists(os.path.join(run, "config.json")):
    raise DetectorRunError(f"{where}: tracker.detector_workdir={run} holds no "
                           f"run (no config.json). {fix}")
  trained = load_config(run)
  problems = []
  if is_tracker(trained):
    problems.append(f"it is a tracker run ({trained.name})")
  if t.detector_config and trained.name != t.detector_config:
    problems.append(f"it was trained from config {trained.name!r}, not "
                    f"{t.detector_config!r}")
  wanted = dict(dataclasses.asdict(config.model),
                landmark_set=config.data.landmark_set,
                crop_size=config.data.crop_size)
  found = dict(dataclasses.asdict(trained.model),
               landmark_set=trained.data.landmark_set,
               crop_size=trained.data.crop_size)
  problems += [f"its {key} is {found[key]!r}, the tracker's {wanted[key]!r}"
               for key in wanted if found[key] != wanted[key]]
  step = latest_step(run)
  if not problems and (step or 0) < trained.train.steps:
    problems.append(f"it is unfinished (step {step or 0} of "
                    f"{trained.train.steps}; rerun its command to resume)")
  if problems:
    raise DetectorRunError(f"{where}, but tracker.detector_workdir={run} "
                           f"cannot be used: {'; '.join(problems)}. {fix}")


def restore(config: configs.ExperimentConfig, workdir: str) -> keras.Model:
  """The model of a trained workdir, weights from its latest checkpoint."""
  model = build_model(config, load_detector=False)
  loop.restore_model(model, workdir)
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


def examples_per_batch(config: configs.ExperimentConfig) -> int:
  """Images per training batch, or clips: a tracker's batch_size counts
  frames (the paper's "10 facial images or frames"), the loss counts clips."""
  if is_tracker(config):
    return config.train.batch_size // config.data.clip_length
  return config.train.batch_size


def training_stream(config: configs.ExperimentConfig, first_step: int = 0,
                    input_context: tf.distribute.InputContext | None = None,
                    sources=None) -> tf.data.Dataset:
  """The config's resumable training batches from step `first_step`.

  Args:
    config: the experiment.
    first_step: the global step of the first batch.
    input_context: from `distribute_datasets_from_function`, or None.
    sources: `training_sources(config.data)` when already read.

  Returns:
    Batches of `(examples_per_batch / replicas, ...)`; trackers' have a time
    axis of `data.clip_length` frames.
  """
  data, m, t = config.data, config.model, config.train
  sources, sizes = sources or training_sources(data)
  examples = examples_per_batch(config)
  return input_pipeline.training_dataset(
      sources, weights=sizes, landmark_set=data.landmark_set,
      crop_size=data.crop_size, heatmap_length=m.heatmap_length,
      sigma=m.sigma, target=m.head, batch_size=examples,
      augment=augment_params(data), context=data.context, shift=data.shift,
      seed=t.seed, first_example=first_step * examples,
      shuffle_buffer=data.shuffle_buffer, input_context=input_context,
      clip_length=data.clip_length if is_tracker(config) else 0)


def train(config: configs.ExperimentConfig, workdir: str, *,
          strategy: str = "default", cpu_replicas: int = 0,
          mixed_precision: bool = False, jit_compile: bool = False,
          log: Callable[[str], None] = print) -> loop.TrainResult:
  """Trains the config's detector or tracker into `workdir` (resuming)."""
  config.validate()
  # First: MultiWorkerMirroredStrategy must configure collective ops before
  # anything initialises the TF runtime.
  dist = loop.make_strategy(strategy, cpu_replicas)
  check_detector_run(config, workdir)
  check_eval_splits(config.data)
  _write_config(config, workdir)
  t = config.train
  if t.deterministic:
    tf.config.experimental.enable_op_determinism()
  keras.utils.set_random_seed(t.seed)
  if mixed_precision:
    keras.mixed_precision.set_global_policy("mixed_float16")
  with dist.scope():
    model = build_model(config)
    optimizer = keras.optimizers.Adam(loop.learning_rate(
        t.lr_schedule, t.learning_rate, t.steps))
    if mixed_precision:
      optimizer = keras.optimizers.LossScaleOptimizer(optimizer)
  sources = training_sources(config.data)

  def dataset_fn(first_step, ctx):
    return training_stream(config, first_step, ctx, sources)

  settings = loop.LoopSettings(
      steps=t.steps, global_batch_size=examples_per_batch(config),
      checkpoint_every=t.checkpoint_every, log_every=t.log_every,
      max_checkpoints=t.max_checkpoints, jit_compile=jit_compile)
  chief = loop.is_chief(dist)
  result = loop.train(
      strategy=dist, model=model, optimizer=optimizer,
      loss_fn=losses.for_head(config.model.head), dataset_fn=dataset_fn,
      workdir=workdir, settings=settings,
      hooks=_summary_hook(config, model, workdir, log) if chief else None,
      log=log)
  if chief:
    loop.write_json(os.path.join(workdir, "train_result.json"), {
        "step": result.step, "last_loss": result.last_loss,
        "seconds": result.seconds, "resumed_from": result.resumed_from})
  return result


# ----------------------------------------------------------------------------
# Evaluation.


def eval_batches(config: configs.ExperimentConfig, split: str,
                 max_examples: int = 0, dataset: str | None = None,
                 box_template: np.ndarray | None = None):
  """Deterministic evaluation batches of a split (default: the eval dataset).

  A dataset in another markup than the model's (Talking Face) gets the
  training box rule: `box_template` (the training mean shape, computed when
  None) fitted to its common points, and the template's tight box.
  """
  data = config.data
  name = dataset or data.eval_dataset or data.dataset
  examples = records(name, split, data_dir=data.data_dir,
                     manual_dir=data.manual_dir)
  markup = landmark1d_datasets.landmark_set(name)
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
  return input_pipeline.eval_dataset(
      examples, landmark_set=data.landmark_set, crop_size=data.crop_size,
      heatmap_length=config.model.heatmap_length, sigma=config.model.sigma,
      target=None, batch_size=config.eval.batch_size, context=data.context,
      shift=data.shift, max_examples=max_examples)


def _ids(batch, key):
  return [v.decode() if isinstance(v, bytes) else str(v)
          for v in batch[key].numpy()]


def collect(config, split, predictors: dict, max_examples=0,
            box_template=None) -> dict:
  """One pass over a split, each `predict(batch) -> crop landmarks (B, N, 2)`.

  `box_template`: see `eval_batches`.

  Returns:
    `{name: scoring.Predictions}` in image pixels, one per predictor.
  """
  f = config.data.crop_size
  parts = {name: [] for name in predictors}
  for batch in eval_batches(config, split, max_examples,
                            box_template=box_template):
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
      parts[name].append(scoring.Predictions(
          landmarks=np.asarray(image_pred), **ids))
  return {name: scoring.Predictions.concatenate(p)
          for name, p in parts.items()}


def eval_landmark_set(config: configs.ExperimentConfig) -> str:
  """The scheme of the eval dataset's ground truth (Talking Face: its own)."""
  data = config.data
  return landmark1d_datasets.landmark_set(data.eval_dataset or data.dataset)


def score(config: configs.ExperimentConfig,
          predictions: scoring.Predictions) -> scoring.SplitScores:
  """Scores predictions with the config's landmark set, normalisation,
  subset and thresholds, against the eval dataset's own markup."""
  data = config.data
  return scoring.score(predictions, landmark_set=data.landmark_set,
                       normalization=data.normalization,
                       eval_subset=data.eval_subset,
                       ground_truth_set=eval_landmark_set(config),
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
  batches = list(eval_batches(config, data.train_splits[0], max_examples,
                              dataset=data.dataset))
  return scoring.mean_shape(
      np.concatenate([b["landmarks"].numpy() for b in batches]),
      np.concatenate([b["visible"].numpy() for b in batches]))


def check_same_training(config: configs.ExperimentConfig, workdir: str):
  """Raises ValueError unless `workdir` was trained with `config`'s settings
  (`configs.training_settings`), naming the fields that differ."""
  trained = configs.training_settings(load_config(workdir))
  wanted = configs.training_settings(config)
  differ = sorted(
      f"{section}.{field}: {trained[section].get(field)!r} there, "
      f"{value!r} in {config.name}" for section, values in wanted.items()
      if isinstance(values, dict) for field, value in values.items()
      if trained[section].get(field) != value)
  if differ:
    raise ValueError(f"{workdir} was trained with other settings than "
                     f"{config.name!r}: {'; '.join(differ)}")


def evaluate(config: configs.ExperimentConfig, workdir: str, *,
             decoder: str | None = None, splits=None, model=None,
             model_workdir: str | None = None,
             log: Callable[[str], None] = print) -> dict:
  """Scores the workdir's model on each eval split, beside the mean shape.

  Writes `eval/<split>.{json,md}`, `eval/<split>_ced.png`, a jitter figure
  for videos and `eval/summary.json` (with the config name and decoder).

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
  config.validate()
  decoder = decoder or config.eval.decoder
  if model_workdir:
    check_same_training(config, model_workdir)
  model = model or restore(config, model_workdir or workdir)
  if is_tracker(config):
    predict = _tracker_predict(model, config, decoder)
  else:
    predict = _detector_predict(model, config, decoder)
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
                                   config.eval.thresholds)
    if preds.video_ids is not None:
      reporting.plot_jitter(preds, os.path.join(workdir, "eval",
                                                 f"{split}_jitter.png"))
    log(f"\n{config.name}: split {split!r} ({len(preds.landmarks)} images, "
        f"decoder {decoder})\n{table}")
    results[split] = {"model": scores, "baseline": baseline}
    summary[split] = {"nrmse_percent": scores.summary.nrmse,
                      "baseline_nrmse_percent": baseline.summary.nrmse,
                      "images": int(len(preds.landmarks))}
    if scores.jitter is not None:
      summary[split]["jitter_percent"] = scores.jitter
  loop.write_json(os.path.join(workdir, "eval", "summary.json"), summary)
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


def cv_folds(data: configs.DataConfig, folds: int) -> list[tuple[str, str]]:
  """(train, held-out) split strings of each fold of `data.train_splits[0]`.

  Image sets fold by percent of examples (`fold_splits`); video sets by whole
  videos, so that no video has frames on both sides of a fold.
  """
  split = data.train_splits[0]
  builder = _builder(data.dataset, data.data_dir, data.manual_dir)
  if "video_id" not in builder.info.features:
    return [fold_splits(split, k, folds) for k in range(folds)]
  parts = _absolute_ranges(builder, data.dataset, split)
  if len(parts) != 1:
    raise ValueError(f"cross-validation folds one split, got {split!r}")
  base, start, stop = parts[0]
  videos = _video_ranges(builder, data.dataset, base, start, stop)
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


def _on_fold(config: configs.ExperimentConfig, train_split: str,
             held_out: str) -> configs.ExperimentConfig:
  config = copy.deepcopy(config)
  config.data = dataclasses.replace(
      config.data, train_splits=(train_split,), eval_splits=(held_out,),
      eval_dataset=None, eval_subset=None)
  return config


def cross_validate(config: configs.ExperimentConfig, workdir: str, *,
                   parameter: str, values, folds: int = 10,
                   detector: configs.ExperimentConfig | None = None,
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
    **train_kwargs: passed to `train`.
  """
  if parameter not in CV_PARAMETERS:
    raise ValueError(f"parameter must be one of {sorted(CV_PARAMETERS)}, "
                     f"got {parameter!r}")
  if (parameter == "lambda") != is_tracker(config):
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
      train(_on_fold(detector, train_split, held_out), run_dir, log=log,
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
      train(cfg, run_dir, log=log, **train_kwargs)
      scores = evaluate(cfg, run_dir, log=lambda s: None)
      errors.append(scores[held_out]["model"].summary.nrmse)
    table[f"{value:g}"] = {"fold_nrmse_percent": errors,
                           "mean_nrmse_percent": float(np.mean(errors))}
    log(f"{parameter} = {value:g}: mean NRMSE {np.mean(errors):.3f}%")
  best = min(table, key=lambda k: table[k]["mean_nrmse_percent"])
  result = {"parameter": parameter, "folds": folds, "best": float(best),
            "results": table}
  loop.write_json(os.path.join(workdir, "cross_validation.json"), result)
  return result
