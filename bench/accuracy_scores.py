"""Scoring the accuracy benchmark's runs and cells on their test split.

Per (cell, seed) run: the test NRMSE with argmax (eq. 7) and with DARK
decoding of the same heatmaps (one model pass per batch, both decoders), the
jitter of a tracker, and a detector's final validation NRMSE. Per cell, the
numbers that do not depend on a seed: the argmax quantization floor (argmax
applied to perfect targets of the test ground truth: the error of a model
that is exact up to the L grid), the mean shape, and a detector's parameters
and GFLOPs per image.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from bench import cell_runs
from landmark1d.data import input_pipeline
from landmark1d.models import cost
from landmark1d.runs import common
from landmark1d.runs import evaluate
from landmark1d.runs import schema

DECODERS = ("argmax", "dark")


def _model_predictors(config, model, decoders=DECODERS) -> dict:
  """`{decoder: predict}` decoding one model pass per batch (same heatmaps)."""
  run = tf.function(lambda images: model(images, training=False),
                    reduce_retracing=True)
  shared = {"batch": None, "outputs": None}

  def predictor(decoder):
    def predict(batch):
      if shared["batch"] is not batch:  # collect() hands each batch to all
        shared.update(batch=batch, outputs=run(batch["image"]))
      return common.decode(shared["outputs"], config, decoder,
                           True)[0].numpy()
    return predict
  return {decoder: predictor(decoder) for decoder in decoders}


def _perfect_predictor(config, decoder: str):
  """The decoder applied to exact targets of each crop's ground truth."""
  m = config.model

  def predict(batch):
    targets = input_pipeline.add_targets(
        {"landmarks": batch["landmarks"], "visible": batch["visible"]},
        target=m.head, crop_size=config.data.crop_size,
        heatmap_length=m.heatmap_length, sigma=m.sigma)
    outputs = {k: v for k, v in targets.items() if k != "mask"}
    return common.decode(outputs, config, decoder, False)[0].numpy()
  return predict


def _nrmse(config, collected: dict) -> dict:
  return {name: evaluate.score(config, predictions)
          for name, predictions in collected.items()}


def cell_references(config: schema.ExperimentConfig) -> dict:
  """Seed-independent numbers of a cell on its test split (percent)."""
  mean = evaluate.mean_shape_baseline(config)
  split = config.data.eval_splits[0]
  collected = evaluate.collect(config, split, {
      "floor_argmax": _perfect_predictor(config, "argmax"),
      "floor_dark": _perfect_predictor(config, "dark"),
      "mean_shape": lambda b: np.broadcast_to(
          mean, (len(b["image"]), *mean.shape)).astype(np.float32)})
  scores = _nrmse(config, collected)
  return {f"{name}_percent": round(s.summary.nrmse, 4)
          for name, s in scores.items()} | {
              "test_split": split, "test_images": int(len(
                  collected["mean_shape"].landmarks))}


def cell_cost(config: schema.ExperimentConfig) -> dict:
  """Parameters and GFLOPs per image of a detector cell's model, so a
  claim between cells can be read against their capacity."""
  model = common.build_detector(config)
  size = config.data.crop_size
  return {"parameters": int(model.count_params()),
          "gflops_per_image": round(
              cost.count_flops(model, (1, size, size, 3)) / 1e9, 4)}


def _detector_scores(config, model, split: str | None = None,
                     decoders=DECODERS) -> dict:
  """NRMSE per decoder of a restored detector on `split` (default: the
  config's first eval split), one model pass per batch."""
  scores = _nrmse(config, evaluate.collect(
      config, split or config.data.eval_splits[0],
      _model_predictors(config, model, decoders)))
  out = {f"nrmse_{d}_percent": round(scores[d].summary.nrmse, 4)
         for d in decoders}
  if scores["argmax"].jitter is not None:
    out["jitter_percent"] = round(scores["argmax"].jitter, 4)
  return out


def run_detector(config: schema.ExperimentConfig, workdir: str) -> dict:
  """Trains, then scores one detector run with every decoder.

  The row also holds the final model's validation NRMSE (argmax): the
  in-training curve ends before the batch-norm statistics are recomputed.
  """
  row, model = cell_runs.trained_detector(config, workdir)
  final = _detector_scores(config, model, config.data.validation_split,
                           ("argmax",))["nrmse_argmax_percent"]
  return {**row, **_detector_scores(config, model),
          "validation_final_percent": final}


def run_tracker(config: schema.ExperimentConfig, workdir: str,
                detector: schema.ExperimentConfig) -> dict:
  """Trains one tracker from its detector run (trained first if missing).

  The row also holds the detector alone on the same test frames.
  """
  row = cell_runs.trained_tracker(config, workdir, detector)
  model = common.restore(config, workdir)  # one restore for every decoder
  for decoder in DECODERS:  # streamed frame by frame, the state reset per clip
    split, scores = next(iter(evaluate.run(
        config, workdir, decoder=decoder, model=model,
        log=lambda _: None).items()))
    row[f"nrmse_{decoder}_percent"] = round(scores["model"].summary.nrmse, 4)
    if decoder == "argmax":
      row["jitter_percent"] = round(scores["model"].jitter, 4)
  on_frames = schema.override(detector, [
      f"data.dataset={config.data.dataset}"]).validate()
  row["detector"] = {"cell": detector.name, "test_split": split,
                     **_detector_scores(on_frames, common.restore(
                         on_frames, config.tracker.detector_workdir))}
  return row
