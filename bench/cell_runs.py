"""Training one (cell, seed) run of a benchmark, resumably and checked.

The benchmarks that train (bench/accuracy_synthetic.py, bench/tracking_synthetic.py)
keep one workdir per cell and seed, `<workdir>/<cell>/seed<k>`, and one JSON of
finished rows. A cell is a registered config (`resolve` sets its seed, data and
a tracker's detector run). What makes two runs of a cell the same (`cell_settings`)
is checked against the JSON and the workdir before anything is trained again or
reused, so a result is never silently mixed with a run of other settings.
"""

from __future__ import annotations

import glob
import json
import os

import keras
import numpy as np
import tensorflow as tf

from bench import cli
from bench import machine
from experiments import configs as registry
from landmark1d.runs import common
from landmark1d.runs import schema
from landmark1d.runs import train


def run_dir(workdir: str, cell: str, seed: int) -> str:
  return os.path.join(workdir, cell, f"seed{seed}")


def resolve(cell: str, seed: int, data_dir: str, workdir: str,
            settings=()) -> schema.ExperimentConfig:
  """The registered config `cell` for one run of `seed`.

  Args:
    cell: a registered config name.
    seed: its `train.seed`.
    data_dir: the tfds data_dir (absolute in the config: it is written into
      the run's workdir).
    workdir: the parent of the runs' workdirs; a tracker starts from its
      `tracker.detector_config`'s run of the same seed there.
    settings: the benchmark's own overrides (`section.field=value`).

  Returns:
    The validated config.
  """
  config = registry.get(cell)
  values = [f"data.data_dir={os.path.abspath(data_dir)}",
            f"train.seed={seed}", *settings]
  if common.is_tracker(config):
    values.append("tracker.detector_workdir=" + os.path.abspath(
        run_dir(workdir, config.tracker.detector_config, seed)))
  return schema.override(config, values).validate()


def load_results(out: str, name: str, mode: str) -> dict:
  """`<out>/<name>.json` to resume, or empty results of `mode`.

  Raises:
    cli.UsageError: the file holds results of another mode or benchmark.
  """
  results = cli.read_json(out, name)
  if results is None:
    return {"mode": mode, "cells": {}}
  if results.get("mode") != mode or "cells" not in results:
    raise cli.UsageError(
        f"{os.path.join(out, name + '.json')} holds other results (mode "
        f"{results.get('mode')!r}, cells: {'cells' in results}), not this "
        f"benchmark's {mode!r} cells; use another --out")
  return results


def cell_settings(config: schema.ExperimentConfig) -> dict:
  """What makes two runs of a cell the same but for the seed.

  All config fields but the name, text, seed and the places of the data and
  of a tracker's detector run (which depend on the machine).
  """
  values = json.loads(json.dumps(config.to_dict()))  # tuples -> lists
  del values["name"], values["description"], values["train"]["seed"]
  values["data"]["data_dir"] = None
  values["tracker"]["detector_workdir"] = None
  return values


def check_same(stored: dict, wanted: dict, where: str):
  """`cli.UsageError` naming every field where `stored` differs from `wanted`.

  `stored` may be in an earlier layout of the config's JSON form, or lack
  fields added to the schema after the run was recorded (the run had their
  defaults): `schema.ExperimentConfig.from_dict` reads both, as it reads a
  workdir's config.json.
  """
  try:
    recorded = cell_settings(schema.ExperimentConfig.from_dict(stored))
  except ValueError as e:
    raise cli.UsageError(f"{where}: the recorded settings do not read as a "
                     f"config: {e}") from None
  differ = [f"{path}: recorded {old!r}, config {new!r}"
            for path, old, new in schema.differences(recorded, wanted)]
  if differ:
    raise cli.UsageError(f"{where} was trained with other settings ("
                     f"{'; '.join(differ)}); train it elsewhere (another "
                     "--out / --workdir) or remove it")


def finished(workdir: str, steps: int) -> bool:
  path = os.path.join(workdir, "train_result.json")
  if not os.path.exists(path):
    return False
  with open(path, encoding="utf-8") as f:
    return json.load(f)["step"] >= steps


def train_run(config: schema.ExperimentConfig, workdir: str) -> dict:
  """Trains (or finishes) one run; returns its timing and load average."""
  if os.path.exists(os.path.join(workdir, "config.json")):
    stored = cell_settings(common.load_config(workdir))
    check_same(stored, cell_settings(config), f"workdir {workdir}")
  loads = [os.getloadavg()[0]]

  def log(line):
    loads.append(os.getloadavg()[0])
    if "validation NRMSE" in line or "batch-norm" in line:
      print(f"   {line}", flush=True)

  print(f"== {config.name} seed {config.train.seed}: {config.train.steps} "
        f"steps in {workdir}", flush=True)
  result = train.run(config, workdir, log=log)
  return {"train_seconds": round(result.seconds, 1),
          "resumed_from": result.resumed_from,
          "load_average": round(float(np.mean(loads)), 2)}


def validation_curve(workdir: str) -> list:
  """`[[step, validation NRMSE %], ...]` from the run's TensorBoard events."""
  curve = {}
  for path in sorted(glob.glob(os.path.join(workdir, "train", "events.*"))):
    for event in tf.compat.v1.train.summary_iterator(path):
      for value in event.summary.value:
        if value.tag == "val_nrmse_percent":
          curve[int(event.step)] = round(
              float(tf.make_ndarray(value.tensor)), 4)
  return [[step, curve[step]] for step in sorted(curve)]


def trained_row(config, workdir: str) -> dict:
  """Trains one run; its seed, steps, timing, machine, validation curve."""
  timing = train_run(config, workdir)
  with open(os.path.join(workdir, "train_result.json"), encoding="utf-8") as f:
    steps = json.load(f)["step"]
  return {"seed": config.train.seed, "steps": steps, **timing,
          "machine": machine.record(),
          "validation_curve": validation_curve(workdir)}


def trained_detector(config, workdir: str) -> tuple[dict, keras.Model]:
  """Trains one detector run; its `trained_row` and its restored model."""
  row = trained_row(config, workdir)
  return row, common.restore(config, workdir)


def trained_tracker(config, workdir: str,
                    detector: schema.ExperimentConfig) -> dict:
  """Trains one tracker run (`trained_row`) from its detector's run.

  The detector run (`config.tracker.detector_workdir`) is trained first when
  it is not finished there (another machine, or a workdir removed).
  """
  detector_dir = config.tracker.detector_workdir
  if not finished(detector_dir, detector.train.steps):
    print(f"== {detector.name} seed {detector.train.seed} is not finished in "
          f"{detector_dir}: training it for the tracker", flush=True)
    train_run(detector, detector_dir)
  return trained_row(config, workdir)
