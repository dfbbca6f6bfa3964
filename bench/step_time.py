"""CPU training step time with 1 and with 4 steps per `tf.function` call.

`train.steps_per_loop` (issue 28) runs several steps in one compiled call so
that an accelerator does not wait on the host each step; on a CPU it must cost
nothing. The main job's model (`synthetic_det1d`: F = 64, one 64-channel
hourglass, L = 192, batch 16) trains through `landmark1d.training.loop` itself on
one fixed in-memory batch (no input pipeline in the time; random crops and
landmarks: the time does not depend on the values). Runs alternate between
the two settings, in the order 1, 4 then 4, 1 round after round, so a change
in the shared machine's load falls on both. A run's step times are its
intervals between log steps (the first left out: it holds the tracing); each
run is summarised by the fastest interval (the one least disturbed by other
jobs, as `timeit` takes the minimum) and by the median, and the ratio 4 / 1 of
each is taken per round, between adjacent runs, then its median over rounds.

  python -m bench.step_time --mode=full --out=docs/bench
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time

from absl import logging
import keras
import numpy as np
import tensorflow as tf

from bench import cli
from bench import machine
from experiments import configs as registry
from landmark1d.data import input_pipeline
from landmark1d.geometry import landmark_sets
from landmark1d.runs import common
from landmark1d.training import loop
from landmark1d.training import losses

NAME = "step_time"
STEPS_PER_LOOP = (1, 4)
MODES = {
    # Log steps every 8: calls of exactly 4 steps between them.
    "full": dict(config="synthetic_det1d", steps=120, log_every=8, rounds=2),
    "reduced": dict(config="synthetic_det1d_smoke", steps=12, log_every=4,
                    rounds=1),
}


def fixed_batch(config, seed: int = 0) -> dict:
  """One training batch of the config's shapes and targets.

  Every landmark lies in the middle 80 % of the crop, as a face does in its
  box, so every point has a target.

  Returns:
    `{"image": (B, F, F, 3), "landmarks": (B, N, 2), "visible": (B, N),
    "hx" / "hy": (B, N, L) (1D) or "heatmap", "mask"}`.
  """
  rng = np.random.default_rng(seed)
  size, batch = config.data.crop_size, config.train.batch_size
  points = landmark_sets.get(config.data.landmark_set).num_points
  m = config.model
  return input_pipeline.add_targets({
      "image": tf.constant(rng.uniform(0, 1, (batch, size, size, 3)),
                           tf.float32),
      "landmarks": tf.constant(rng.uniform(0.1 * size, 0.9 * size,
                                           (batch, points, 2)), tf.float32),
      "visible": tf.ones((batch, points), tf.bool)},
      target=m.head, crop_size=size, heatmap_length=m.heatmap_length,
      sigma=m.sigma)


def time_run(build_model, loss_fn, batch: dict, steps: int, log_every: int,
             steps_per_loop: int, workdir: str) -> list[float]:
  """Seconds per step between consecutive log steps of one `loop.train` run.

  Args:
    build_model: `() -> model` mapping `batch["image"]` to a dict of
      outputs, called under the run's strategy.
    loss_fn: `(outputs, batch) -> (B,)` per-example losses.
    batch: the batch every step trains on.
    steps: steps of the run; a multiple of `log_every`.
    log_every: steps between two timings.
    steps_per_loop: steps per `tf.function` call.
    workdir: an empty folder for the run's checkpoint.

  Returns:
    `steps / log_every - 1` values: the interval before the first log step
    (tracing) is not one of them.
  """
  strategy = loop.make_strategy("default")
  size = int(batch["image"].shape[0])
  with strategy.scope():
    model = build_model()
    optimizer = keras.optimizers.Adam(1e-3)
  stamps = []
  loop.train(
      strategy=strategy, model=model, optimizer=optimizer, loss_fn=loss_fn,
      dataset_fn=lambda first_step, ctx: tf.data.Dataset.from_tensors(
          batch).repeat(),
      workdir=workdir,
      settings=loop.LoopSettings(steps=steps, global_batch_size=size,
                                 checkpoint_every=10 * steps,
                                 log_every=log_every,
                                 steps_per_loop=steps_per_loop),
      hooks=lambda step, loss: stamps.append(time.perf_counter()),
      log=lambda line: None)
  return [(b - a) / log_every for a, b in zip(stamps, stamps[1:])]


def order(rounds: int) -> list[tuple[int, int]]:
  """`(round, steps_per_loop)` in run order: 1, 4, then 4, 1, and so on."""
  return [(r, k) for r in range(rounds)
          for k in (STEPS_PER_LOOP if r % 2 == 0 else STEPS_PER_LOOP[::-1])]


def summarise(runs: list[dict]) -> dict:
  """Per statistic (fastest interval, median): milliseconds per step of each
  setting (median over its runs) and the ratio 4 / 1.

  Args:
    runs: `{"round", "steps_per_loop", "ms_per_step_min",
      "ms_per_step_median"}` rows.

  Returns:
    `{"ms_per_step_<stat>": {"1": ..., "4": ...}, "ratios_by_round_<stat>":
    [...], "ratio_4_over_1_<stat>": median of the rounds' ratios}` for
    `<stat>` in min, median.
  """
  few, many = STEPS_PER_LOOP
  out = {}
  for stat in ("min", "median"):
    by = {(r["round"], r["steps_per_loop"]): r[f"ms_per_step_{stat}"]
          for r in runs}
    ratios = [by[(r, many)] / by[(r, few)] for r in sorted({r for r, _ in by})]
    out[f"ms_per_step_{stat}"] = {
        str(k): statistics.median(r[f"ms_per_step_{stat}"] for r in runs
                                  if r["steps_per_loop"] == k)
        for k in STEPS_PER_LOOP}
    out[f"ratios_by_round_{stat}"] = ratios
    out[f"ratio_4_over_1_{stat}"] = statistics.median(ratios)
  return out


def run(mode: str, out: str) -> dict:
  """Times the mode's runs in alternation; writes `<out>/step_time.json`."""
  settings = MODES[mode]
  config = registry.get(settings["config"])
  batch = fixed_batch(config)
  loss_fn = losses.for_head(config.model.head)
  load = machine.load_average()
  runs = []
  for round_, steps_per_loop in order(settings["rounds"]):
    keras.utils.set_random_seed(0)
    with tempfile.TemporaryDirectory() as workdir:
      seconds = time_run(lambda: common.build_detector(config), loss_fn,
                         batch, settings["steps"], settings["log_every"],
                         steps_per_loop, workdir)
    ms = [1000.0 * s for s in seconds]
    runs.append({"round": round_, "steps_per_loop": steps_per_loop,
                 "ms_per_step_intervals": ms, "ms_per_step_min": min(ms),
                 "ms_per_step_median": statistics.median(ms)})
    print(f"round {round_}, {steps_per_loop} step(s) per call: "
          f"{min(ms):.1f} ms / step fastest, {statistics.median(ms):.1f} "
          "median", flush=True)
  results = {
      "mode": mode, "settings": {**settings,
                                 "batch_size": config.train.batch_size,
                                 "steps_per_loop": list(STEPS_PER_LOOP)},
      "machine": machine.record(load, niceness=os.nice(0),
                                note="run under nice on a machine shared "
                                "with other jobs; the runs alternate so both "
                                "settings share its load, and the ratios are "
                                "the result, not the times"),
      "runs": runs, **summarise(runs)}
  cli.write_json(results, out, NAME)
  return results


def main(argv):
  del argv
  logging.set_verbosity(logging.WARNING)
  results = run(cli.FLAGS.mode, cli.FLAGS.out)
  for stat in ("min", "median"):
    ms = results[f"ms_per_step_{stat}"]
    print(f"{stat}: {ms['1']:.1f} ms / step with 1 step per call, "
          f"{ms['4']:.1f} with 4: ratio 4 / 1 = "
          f"{results[f'ratio_4_over_1_{stat}']:.3f} (per round: " + ", ".join(
              f"{r:.3f}" for r in results[f"ratios_by_round_{stat}"]) + ")")


if __name__ == "__main__":
  cli.define_flags()
  cli.run(main)
