"""Training a config into a workdir: data stream, model, loop, summaries.

`run(config, workdir)` checks what the run needs before the first step (the
tracker's detector run, the eval splits), writes `config.json`, builds the
model under the distribution strategy and hands the resumable stream to
`landmark1d.training.loop`.
"""

from __future__ import annotations

import os
from typing import Callable

import keras
import numpy as np
import tensorflow as tf

from landmark1d.data import input_pipeline
from landmark1d.eval import metrics
from landmark1d.runs import common
from landmark1d.runs import datasets
from landmark1d.runs import evaluate
from landmark1d.runs import schema
from landmark1d.serving import drawing
from landmark1d.training import loop
from landmark1d.training import losses


def _summary_hook(config, model, workdir, log):
  """TensorBoard scalars, example images and a quick validation NRMSE.

  Validation scores the first `train.eval_examples` images of
  `data.validation_split` (of the training dataset), or of the first eval
  split when the config names no validation split. A tracker streams those
  frames as evaluation does (`evaluate.tracker_predictor`: its state resets
  at each new video, and each validation starts a new stream).
  """
  writer = tf.summary.create_file_writer(os.path.join(workdir, "train"))
  train_cfg, data = config.train, config.data
  split = data.validation_split or data.eval_splits[0]
  tracker = common.is_tracker(config)
  validation = None

  def validation_batches():
    nonlocal validation
    if validation is None:  # read once: the same images at every step
      validation = list(evaluate.eval_batches(
          config, split, train_cfg.eval_examples,
          dataset=data.dataset if data.validation_split else None))
    return validation

  def predictor():
    if tracker:
      return evaluate.tracker_predictor(
          model, config, config.eval.decoder)
    return lambda batch: common.decode(
        model(batch["image"], training=False), config, config.eval.decoder,
        True)[0]

  if train_cfg.eval_every:
    validation_batches()  # a missing split fails now, not steps later

  def hook(step, loss):
    with writer.as_default(step=step):
      tf.summary.scalar("loss", loss)
      due_eval = train_cfg.eval_every and step % train_cfg.eval_every == 0
      due_image = (train_cfg.image_summary_every and
                   step % train_cfg.image_summary_every == 0)
      if not (due_eval or due_image):
        return
      batches = validation_batches() if due_eval else validation_batches()[:1]
      predict = predictor()
      preds = [predict(b) for b in batches]
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
            f"{split!r}) on {len(norm)} {'frames' if tracker else 'images'}")
      if due_image:
        images = [drawing.draw_landmarks(
            (batch["image"][i].numpy() * 255).astype(np.uint8), pred[i],
            truth=batch["landmarks"][i]) for i in range(min(4, len(pred)))]
        tf.summary.image("predictions", np.stack(images), step=step,
                         max_outputs=4)
  return hook


def examples_per_batch(config: schema.ExperimentConfig) -> int:
  """Images per training batch, or clips: a tracker's batch_size counts
  frames (the paper's "10 facial images or frames"), the loss counts clips."""
  if common.is_tracker(config):
    return config.train.batch_size // config.data.clip_length
  return config.train.batch_size


def training_stream(config: schema.ExperimentConfig, first_step: int = 0,
                    input_context: tf.distribute.InputContext | None = None,
                    sources=None) -> tf.data.Dataset:
  """The config's resumable training batches from step `first_step`.

  Args:
    config: the experiment.
    first_step: the global step of the first batch.
    input_context: from `distribute_datasets_from_function`, or None.
    sources: `datasets.training_sources(config.data)` when already read.

  Returns:
    Batches of `(examples_per_batch / replicas, ...)`; trackers' have a time
    axis of `data.clip_length` frames.
  """
  data, m, t = config.data, config.model, config.train
  sources, sizes = sources or datasets.training_sources(data)
  examples = examples_per_batch(config)
  return input_pipeline.training_dataset(
      sources, weights=sizes, landmark_set=data.landmark_set,
      crop_size=data.crop_size, heatmap_length=m.heatmap_length,
      sigma=m.sigma, target=m.head, batch_size=examples,
      augment=data.augment, context=data.context,
      shift=data.shift, seed=t.seed, first_example=first_step * examples,
      shuffle_buffer=data.shuffle_buffer, input_context=input_context,
      clip_length=data.clip_length if common.is_tracker(config) else 0)


def run(config: schema.ExperimentConfig, workdir: str, *,
        strategy: str = "default", cpu_replicas: int = 0,
        mixed_precision: bool = False, jit_compile: bool = False,
        log: Callable[[str], None] = print) -> loop.TrainResult:
  """Trains the config's detector or tracker into `workdir` (resuming)."""
  config.validate()
  # First: MultiWorkerMirroredStrategy must configure collective ops before
  # anything initialises the TF runtime.
  dist = loop.make_strategy(strategy, cpu_replicas)
  config = datasets.with_scheme(config)
  common.check_detector_run(config, workdir)
  datasets.check_eval_splits(config.data)
  common.write_config(config, workdir)
  t = config.train
  if t.deterministic:
    tf.config.experimental.enable_op_determinism()
  keras.utils.set_random_seed(t.seed)
  if mixed_precision:
    keras.mixed_precision.set_global_policy("mixed_float16")
  with dist.scope():
    model = common.build_model(config)
    if t.init_from and common.latest_step(workdir) is None:
      common.init_from(model, t.init_from, log)
    optimizer = keras.optimizers.Adam(loop.learning_rate(
        t.lr_schedule, t.learning_rate, t.steps))
    if mixed_precision:
      optimizer = keras.optimizers.LossScaleOptimizer(optimizer)
  sources = datasets.training_sources(config.data)

  def dataset_fn(first_step, ctx):
    return training_stream(config, first_step, ctx, sources)

  settings = loop.LoopSettings(
      steps=t.steps, global_batch_size=examples_per_batch(config),
      checkpoint_every=t.checkpoint_every, log_every=t.log_every,
      max_checkpoints=t.max_checkpoints, jit_compile=jit_compile,
      steps_per_loop=t.steps_per_loop, bn_stats_batches=-(-t.bn_stats_examples // t.batch_size),
      bn_stats_group=-(-loop.BN_STATS_IMAGES // t.batch_size))
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
