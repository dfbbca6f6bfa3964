"""What every stage of a run shares: config -> model, workdir config files.

A run is a workdir made from an `ExperimentConfig` by `runs.train` and read
by `runs.evaluate`, `runs.export` and `runs.cross_validation`; the binaries
in `experiments/` are thin flag parsers around those. Everything a run
produces lives under its workdir: `config.json`, `checkpoints/`, `train/`
(TensorBoard), `eval/<split>.{json,md}`, CED plots, `eval/summary.json`, and
an exported model if asked for.
"""

from __future__ import annotations

import dataclasses
import json
import os
from typing import Callable

import keras
import tensorflow as tf

from landmark1d import models
from landmark1d.geometry import heatmaps
from landmark1d.geometry import landmark_sets
from landmark1d.runs import schema
from landmark1d.training import loop


class DetectorRunError(ValueError):
  """A tracker's detector run is missing, unfinished or of another config."""


def is_tracker(config: schema.ExperimentConfig) -> bool:
  """Whether the config trains / evaluates a tracker (else a detector)."""
  return config.tracker.enabled


def build_detector(config: schema.ExperimentConfig) -> keras.Model:
  m = config.model
  return models.build_detector(
      m.head, backbone=m.backbone, num_landmarks=landmark_sets.get(
          config.data.landmark_set).num_points,
      heatmap_length=m.heatmap_length, input_size=config.data.crop_size,
      num_stacks=m.num_stacks, channels=m.channels,
      hourglass_depth=m.hourglass_depth, coattention_gamma=m.coattention_gamma,
      attention_dims=m.attention_dims, head_width=m.head_width)


def build_model(config: schema.ExperimentConfig,
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


def init_from(model: keras.Model, workdir: str,
              log: Callable[[str], None] = print) -> dict:
  """Starts `model` from the newest checkpoint of the run in `workdir`.

  Each of `model`'s weights takes the value of the other run's weight of
  the same name (Keras variable path) and shape: the backbone always, the
  head when N and L agree. The rest keeps its fresh initialisation. One log
  line says what was restored and what is new.

  Args:
    model: the new run's built detector or tracker.
    workdir: the finished (or interrupted) run to start from.
    log: sink for the summary line.

  Returns:
    `{"step": the source's step, "restored": [paths], "new": [paths]}`.

  Raises:
    FileNotFoundError: `workdir` holds no run or no checkpoint.
  """
  source_config = load_config(workdir)
  source = build_model(source_config, load_detector=False)
  step = loop.restore_model(source, workdir)
  values = {v.path: v for v in source.weights}
  restored, new = [], []
  for variable in model.weights:
    match = values.get(variable.path)
    if match is not None and tuple(match.shape) == tuple(variable.shape):
      variable.assign(match)
      restored.append(variable.path)
    else:
      new.append(variable.path)
  shown = ", ".join(new[:6]) + (f", ... ({len(new) - 6} more)"
                                if len(new) > 6 else "")
  log(f"init_from {workdir} (step {step}, {source_config.name}, "
      f"{source_config.data.landmark_set}): restored {len(restored)} of "
      f"{len(model.weights)} weights by name and shape; new: "
      f"{shown or 'none'}")
  return {"step": step, "restored": restored, "new": new}


def latest_step(workdir: str) -> int | None:
  """The step of a workdir's latest checkpoint, None when it has none."""
  latest = tf.train.latest_checkpoint(os.path.join(workdir, "checkpoints"))
  # `loop.train` numbers checkpoints by step: ".../ckpt-<step>".
  return None if latest is None else int(latest.rsplit("-", 1)[1])


def check_detector_run(config: schema.ExperimentConfig, workdir: str):
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


def restore(config: schema.ExperimentConfig, workdir: str) -> keras.Model:
  """The model of a trained workdir, weights from its latest checkpoint."""
  model = build_model(config, load_detector=False)
  loop.restore_model(model, workdir)
  return model


def decode(outputs: dict, config: schema.ExperimentConfig, decoder: str,
           stacked: bool):
  """Crop-pixel landmarks and confidence from model outputs, by the config."""
  return heatmaps.decode_outputs(outputs, config.data.crop_size, decoder,
                                 config.model.sigma, stacked)


def write_config(config: schema.ExperimentConfig, workdir: str):
  """Writes `<workdir>/config.json`, the config `load_config` reads back."""
  os.makedirs(workdir, exist_ok=True)
  with open(os.path.join(workdir, "config.json"), "w", encoding="utf-8") as f:
    f.write(config.to_json())


def load_config(workdir: str) -> schema.ExperimentConfig:
  """The config a workdir was trained with."""
  path = os.path.join(workdir, "config.json")
  if not os.path.exists(path):
    raise FileNotFoundError(f"{path} not found: is {workdir!r} a workdir "
                            "written by experiments/train_*.py?")
  with open(path, encoding="utf-8") as f:
    return schema.ExperimentConfig.from_dict(json.load(f)).validate()


def check_same_training(config: schema.ExperimentConfig, workdir: str):
  """Raises ValueError unless `workdir` was trained with `config`'s settings
  (`schema.training_settings`), naming the fields that differ."""
  differ = [f"{path}: {there!r} there, {here!r} in {config.name}"
            for path, there, here in schema.differences(
                schema.training_settings(load_config(workdir)),
                schema.training_settings(config))]
  if differ:
    raise ValueError(f"{workdir} was trained with other settings than "
                     f"{config.name!r}: {'; '.join(differ)}")
