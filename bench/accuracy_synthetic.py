"""The paper's accuracy claims in miniature on the synthetic faces (CPU).

Cells (the `accuracy_*` configs of experiments/configs/synthetic.py: F = 64,
a 1-stack 64-channel hourglass, 20 000 training stills, Adam 1e-3 on a cosine
decay over a fixed step count chosen from validation curves, BUILD_NOTES.md):

- 1D detector at L/F = 0.25, 0.5, 1, 2, 3 (L = 16 ... 192) and the 2D detector
  at L/F = 0.25, 0.5, 1: Table 1's claims (a) error falls as L grows and (b)
  1D at least as accurate as 2D at equal L;
- gamma 0 and 1 beside the L/F = 3 cell's 0.3: Figure 3's claim (c);
- the 1D tracker with lambda 0 and 0.3, each starting from the same seed's
  L/F = 3 detector: Table 2's claim (d);
- the L/F = 3 detector on the mobile backbone (ours, for CPU serving): (e)
  its error against the hourglass's.

Every cell is trained with each seed of `SEEDS` (weights, batch order and
augmentation; the data, backbone (but in (e)), augmentation ranges, steps
and evaluation are the cells' common settings). Per (cell, seed) the JSON keeps the test
NRMSE with argmax (eq. 7) and with DARK decoding of the same heatmaps, the
steps trained, the training time with the load average and the validation
curve; per cell, mean and standard deviation over seeds, the argmax
quantization floor (argmax applied to perfect targets of the test ground
truth: the error of a model that is exact up to the L grid) and the mean
shape; then each claim as a difference with a 95 % interval
(bench/seed_statistics.py).

Resumable at (cell, seed) granularity: results are read back from
`<out>/accuracy_synthetic.json` (commit it, and another session completes the
set), a finished (cell, seed) is never trained again, and a cell whose
recorded or workdir settings differ from its config's is an error, never
silently reused. A tracker needs its detector's checkpoint in `--workdir`;
when it is missing (another machine), the detector is trained again there
(deterministic ops: the same weights on the same machine) and its score on
the video frames is recorded beside the tracker's.

  python -m bench.accuracy_synthetic --mode=full --out=docs/bench \\
      --workdir=runs/accuracy --data_dir=runs/tensorflow_datasets
  python -m bench.accuracy_synthetic --mode=full --out=docs/bench \\
      --cells=accuracy_det1d_L16      # one cell (all seeds), then commit
"""

from __future__ import annotations

import json
import math
import os

from absl import app
from absl import flags
from absl import logging
import numpy as np
import tensorflow as tf

from bench import cell_runs
from bench import cli
from bench import seed_statistics as stats
from experiments import configs as registry
from landmark1d.data import input_pipeline
from landmark1d.models import cost
from landmark1d.runs import common
from landmark1d.runs import evaluate
from landmark1d.runs import schema

NAME = "accuracy_synthetic"
SEEDS = {"full": (0, 1, 2), "reduced": (0, 1)}
# In the order they run: what settles claims (a), (b), (c), (d) first.
CELLS = {
    "full": ["accuracy_det1d_L16", "accuracy_det1d_L192",
             "accuracy_det1d_L64", "accuracy_det1d_L32",
             "accuracy_det1d_L128", "accuracy_det2d_L16",
             "accuracy_det2d_L32", "accuracy_det2d_L64",
             "accuracy_det1d_gamma0.0", "accuracy_det1d_gamma1.0",
             "accuracy_trk1d_lambda0.3", "accuracy_trk1d_lambda0.0",
             # The README main job, for the spread of its quoted number.
             "synthetic_det1d",
             # The L/F = 3 cell on the mobile backbone (issue 27).
             "accuracy_det1d_mobile"],
    "reduced": ["accuracy_det1d_L192_smoke", "accuracy_det2d_L16_smoke",
                "accuracy_trk1d_lambda0.3_smoke"],
}
# The gamma sweep's 0.3 point is the L/F = 3 cell; trackers start from it.
GAMMA_03 = "accuracy_det1d_L192"
PAPER_GAMMA = 0.3  # every cell outside the gamma sweep uses it
TRACKER_DETECTOR = GAMMA_03
DECODERS = ("argmax", "dark")
# Cells that are not the benchmark's own: the main job's step count
# (experiments/quickstart.py's --steps default).
STEPS = {"synthetic_det1d": 800}


def _smoke(cell: str) -> bool:
  return cell.endswith("_smoke")


def detector_cell(tracker_cell: str) -> str:
  """The detector cell whose run of the same seed a tracker starts from."""
  return TRACKER_DETECTOR + ("_smoke" if _smoke(tracker_cell) else "")


def resolve(cell: str, seed: int, data_dir: str,
            workdir: str) -> schema.ExperimentConfig:
  """The cell's config for `seed` (a tracker's detector run under `workdir`)."""
  config = registry.get(cell)
  settings = [f"data.data_dir={os.path.abspath(data_dir)}",
              f"train.seed={seed}"]
  if cell in STEPS:
    settings.append(f"train.steps={STEPS[cell]}")
  tracker = common.is_tracker(config)
  if _smoke(cell):  # the mini builds are seconds to make
    settings.append("data.dataset=synthetic_faces/"
                    + ("mini_video" if tracker else "mini"))
  if tracker:
    settings.append("tracker.detector_workdir=" + os.path.abspath(
        cell_runs.run_dir(workdir, detector_cell(cell), seed)))
  return schema.override(config, settings).validate()


def tail_slope(curve: list, fraction: float = 0.25) -> float | None:
  """Least-squares slope of a validation curve over its last `fraction` of steps.

  Args:
    curve: `[[step, NRMSE %], ...]` as `validation_curve` returns it.
    fraction: the share of the run, counted back from its last step.

  Returns:
    NRMSE points per 1 000 steps (negative: still falling), or None with fewer
    than two evaluations in the window. The curves score moving-average
    batch-norm statistics, so one evaluation is noisy; the cell's mean over
    seeds is what says whether 8 000 steps reached a plateau.
  """
  if not curve:
    return None
  steps, values = np.asarray(curve, dtype=np.float64).T
  keep = steps >= (1.0 - fraction) * steps[-1]
  if keep.sum() < 2:
    return None
  return float(np.polyfit(steps[keep], values[keep], 1)[0] * 1000.0)


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
  row = cell_runs.trained_row(config, workdir)
  model = common.restore(config, workdir)
  final = _detector_scores(config, model, config.data.validation_split,
                           ("argmax",))["nrmse_argmax_percent"]
  return {**row, **_detector_scores(config, model),
          "validation_final_percent": final}


def run_tracker(config: schema.ExperimentConfig, workdir: str,
                detector: schema.ExperimentConfig) -> dict:
  """Trains one tracker from its detector run (trained first if missing).

  The row also holds the detector alone on the same test frames.
  """
  detector_dir = config.tracker.detector_workdir
  if not cell_runs.finished(detector_dir, detector.train.steps):
    print(f"== {detector.name} seed {detector.train.seed} is not finished in "
          f"{detector_dir}: training it for the tracker", flush=True)
    cell_runs.train_run(detector, detector_dir)
  row = cell_runs.trained_row(config, workdir)
  for decoder in DECODERS:  # streamed frame by frame, the state reset per clip
    split, scores = next(iter(evaluate.run(
        config, workdir, decoder=decoder, log=lambda _: None).items()))
    row[f"nrmse_{decoder}_percent"] = round(scores["model"].summary.nrmse, 4)
    if decoder == "argmax":
      row["jitter_percent"] = round(scores["model"].jitter, 4)
  on_frames = schema.override(detector, [
      f"data.dataset={config.data.dataset}"]).validate()
  row["detector"] = {"cell": detector.name, "test_split": split,
                     **_detector_scores(on_frames, common.restore(
                         on_frames, detector_dir))}
  return row


def _run_seed(cell, seed, data_dir, workdir) -> dict:
  config = resolve(cell, seed, data_dir, workdir)
  where = cell_runs.run_dir(workdir, cell, seed)
  if common.is_tracker(config):
    detector = resolve(detector_cell(cell), seed, data_dir, workdir)
    return run_tracker(config, where, detector)
  return run_detector(config, where)


def _describe(config: schema.ExperimentConfig) -> dict:
  m, tracker = config.model, common.is_tracker(config)
  return {"head": m.head, "L": m.heatmap_length, "F": config.data.crop_size,
          "L_over_F": m.heatmap_length / config.data.crop_size,
          "gamma": m.coattention_gamma,
          "lambda": config.tracker.fusion_lambda if tracker else None,
          "description": config.description}


def _summarise_cell(cell: dict):
  runs = [cell["runs"][s] for s in sorted(cell["runs"], key=int)]
  for key in ("nrmse_argmax_percent", "nrmse_dark_percent", "jitter_percent"):
    values = [r[key] for r in runs if key in r]
    if values:
      cell[key.replace("_percent", "")] = stats.summary(values)


def _values(cells: dict, cell: str, key="nrmse_argmax_percent") -> dict:
  runs = cells.get(cell, {}).get("runs", {})
  return {int(s): r[key] for s, r in runs.items() if key in r}


def _compare(cells, reference, other, better, worse, key) -> dict:
  a, b = _values(cells, reference, key), _values(cells, other, key)
  if not a or not b:
    return {"reference": reference, "other": other, "status": "not run"}
  welch = stats.welch(list(a.values()), list(b.values()))
  return {"reference": reference, "other": other, "metric": key,
          "welch": welch, "paired": stats.paired(a, b),
          "verdict": stats.verdict(welch, better, worse)}


def claims(cells: dict) -> dict:
  """Claims (a)-(d) as differences reference - other of NRMSE (points).

  A positive difference means `other` has the lower error.
  """
  out = {}
  for key, tag in (("nrmse_argmax_percent", ""), ("nrmse_dark_percent",
                                                   "_dark")):
    out["a_L_trend" + tag] = _compare(
        cells, "accuracy_det1d_L16", "accuracy_det1d_L192",
        "L/F = 3 lower than 0.25", "L/F = 3 higher than 0.25", key)
    # The same trend from L/F = 1, where the argmax floor at F = 64 (1.28 %)
    # is the paper's at L/F = 0.25 and F = 256: the part of (a) that does not
    # hinge on our crop size.
    out["a_L_trend_from_LF1" + tag] = _compare(
        cells, "accuracy_det1d_L64", "accuracy_det1d_L192",
        "L/F = 3 lower than 1", "L/F = 3 higher than 1", key)
    for length in (16, 32, 64):
      out[f"b_1d_vs_2d_L{length}" + tag] = _compare(
          cells, f"accuracy_det2d_L{length}", f"accuracy_det1d_L{length}",
          "1D lower than 2D", "2D lower than 1D", key)
    out["c_gamma_0.3_vs_0" + tag] = _compare(
        cells, "accuracy_det1d_gamma0.0", GAMMA_03,
        "gamma 0.3 lower than 0", "gamma 0 lower than 0.3", key)
    out["c_gamma_1_vs_0" + tag] = _compare(
        cells, "accuracy_det1d_gamma0.0", "accuracy_det1d_gamma1.0",
        "gamma 1 lower than 0", "gamma 0 lower than 1", key)
    out["d_lambda_0.3_vs_0" + tag] = _compare(
        cells, "accuracy_trk1d_lambda0.0", "accuracy_trk1d_lambda0.3",
        "lambda 0.3 lower than 0", "lambda 0 lower than 0.3", key)
    out["e_mobile_vs_hourglass" + tag] = _compare(
        cells, GAMMA_03, "accuracy_det1d_mobile",
        "mobile backbone lower than hourglass",
        "hourglass lower than mobile backbone", key)
    # Table 1's actual comparison: 2D at the largest L it affords (L = F
    # here, 128 = F / 2 in the paper) against 1D at the paper's L = 3F.
    out["b_2d_LF_vs_1d_L3F" + tag] = _compare(
        cells, "accuracy_det2d_L64", GAMMA_03,
        "1D at L = 3F lower than 2D at L = F",
        "2D at L = F lower than 1D at L = 3F", key)
  out["d_jitter_lambda_0.3_vs_0"] = _compare(
      cells, "accuracy_trk1d_lambda0.0", "accuracy_trk1d_lambda0.3",
      "lambda 0.3 jitters less", "lambda 0 jitters less", "jitter_percent")
  return out


def _sweep(cells: dict, head: str) -> list[str]:
  """The detector cells of `head`'s L sweep (the paper's gamma, no tracker)."""
  return [name for name, c in cells.items()
          if name.startswith(f"accuracy_det{head}_L") and c["head"] == head]


def trends(cells: dict) -> dict:
  """Claim (a) over every run of a head's L sweep, not only its two ends.

  Per head and decoder: the least-squares slope of test NRMSE (points) per
  doubling of L, one point per (cell, seed) at log2(L / F), with its 95 %
  interval (`seed_statistics.trend`), and the change over the sweep that the
  interval allows, as a fraction of the fitted NRMSE at the smallest L/F.
  """
  out = {}
  for head in ("1d", "2d"):
    names = _sweep(cells, head)
    if len({cells[n]["L"] for n in names}) < 2:
      continue
    ratios = [cells[n]["L_over_F"] for n in names]
    doublings = math.log2(max(ratios) / min(ratios))
    for key, tag in (("nrmse_argmax_percent", ""), ("nrmse_dark_percent",
                                                     "_dark")):
      x = [math.log2(cells[n]["L_over_F"]) for n in names
           for r in cells[n]["runs"].values() if key in r]
      y = [r[key] for n in names for r in cells[n]["runs"].values()
           if key in r]
      fit = stats.trend(x, y)
      start = fit["intercept"] + fit["slope"] * math.log2(min(ratios))
      entry = {"cells": names, "metric": key, "x": "log2(L / F)",
               "doublings": doublings, **fit}
      if fit["low"] is None:
        entry["verdict"] = "no interval"
      else:
        entry["change_over_sweep_relative"] = [
            v * doublings / start for v in (fit["low"], fit["high"])]
        entry["verdict"] = (
            "falls as L grows (interval below 0)" if fit["high"] < 0 else
            "rises as L grows (interval above 0)" if fit["low"] > 0 else
            "not resolved: the interval contains 0")
      out[f"{head}_L_slope{tag}"] = entry
  return out


def _load(out: str, mode: str) -> dict:
  path = os.path.join(out, f"{NAME}.json")
  if not os.path.exists(path):
    return {"mode": mode, "cells": {}}
  with open(path, encoding="utf-8") as f:
    results = json.load(f)
  if results.get("mode") != mode or "cells" not in results:
    raise ValueError(f"{path} holds other results (mode "
                     f"{results.get('mode')!r}, cells: {'cells' in results}), "
                     f"not this benchmark's {mode!r} cells; use another --out")
  return results


def _write(results: dict, out: str):
  results["claims"] = claims(results["cells"])
  results["trends"] = trends(results["cells"])
  cli.write_json(results, out, NAME)


def run(mode: str, out: str, workdir: str, data_dir: str,
        cells=None) -> dict:
  """Trains and scores the (cell, seed) runs not yet in `<out>`'s JSON.

  Args:
    mode: "reduced" (smoke configs, seconds each) or "full".
    out: folder of `accuracy_synthetic.{json,png}`, read back to resume.
    workdir: parent of the runs' workdirs (`<cell>/seed<k>`).
    data_dir: tfds data_dir.
    cells: a subset of `CELLS[mode]` (default: all), run in the mode's order.

  Raises:
    ValueError: unknown cells, or a recorded result or workdir trained with
      other settings than the cell's config.
  """
  unknown = sorted(set(cells or ()) - set(CELLS[mode]))
  if unknown:
    raise ValueError(f"cells {unknown} are not in mode {mode!r}; its cells "
                     f"are {CELLS[mode]}")
  results = _load(out, mode)
  results["seeds"] = list(SEEDS[mode])
  for cell in [c for c in CELLS[mode] if not cells or c in cells]:
    config = resolve(cell, 0, data_dir, workdir)
    wanted = cell_runs.cell_settings(config)
    entry = results["cells"].get(cell)
    if entry is None:
      entry = results["cells"][cell] = {
          **_describe(config), **cell_references(config),
          "settings": wanted, "runs": {}}
    cell_runs.check_same(entry["settings"], wanted, f"cell {cell} in {out}")
    entry["settings"] = wanted  # written back in the current layout
    if "cost" not in entry and not common.is_tracker(config):
      entry["cost"] = cell_cost(config)
    for seed in SEEDS[mode]:
      if str(seed) in entry["runs"]:
        continue  # finished: never trained again
      entry["runs"][str(seed)] = _run_seed(cell, seed, data_dir, workdir)
      _summarise_cell(entry)
      _write(results, out)  # after every run: a kill loses at most one
  _write(results, out)
  plot(results, os.path.join(out, f"{NAME}.png"))
  return results


def plot(results: dict, path: str):
  """Three panels with mean +- std error bars: L/F, gamma, lambda."""
  import matplotlib  # pylint: disable=g-import-not-at-top
  matplotlib.use("Agg")
  import matplotlib.ticker  # pylint: disable=g-import-not-at-top
  from matplotlib import pyplot as plt  # pylint: disable=g-import-not-at-top
  cells = {n: c for n, c in results["cells"].items()
           if n.startswith("accuracy_")}
  fig, axes = plt.subplots(1, 3, figsize=(15, 4.2))

  def points(names, x_key, key):
    rows = sorted((c[x_key], c[key]["mean"], c[key]["std"] or 0.0)
                  for n, c in cells.items() if n in names and key in c)
    return [list(v) for v in zip(*rows)] if rows else None

  detectors = {n: c for n, c in cells.items() if c["lambda"] is None}
  one_d = [n for n, c in detectors.items() if c["head"] == "1d" and
           c["gamma"] == PAPER_GAMMA]
  two_d = [n for n, c in detectors.items() if c["head"] == "2d"]
  ax = axes[0]
  for names, head, style in ((one_d, "1D", "o-"), (two_d, "2D", "s--")):
    for key, decoder, alpha in (("nrmse_argmax", "argmax", 1.0),
                                ("nrmse_dark", "DARK", 0.5)):
      p = points(names, "L_over_F", key)
      if p:
        ax.errorbar(p[0], p[1], yerr=p[2], fmt=style, capsize=3,
                    alpha=alpha, label=f"{head}, {decoder}")
  floor = sorted({(c["L_over_F"], c["floor_argmax_percent"])
                  for c in detectors.values()})
  if floor:
    ax.plot(*zip(*floor), "k:", label="argmax floor (perfect heatmaps)")
  ax.set(xlabel="L / F", ylabel="test NRMSE (%)", xscale="log",
         title="error vs heatmap length (mean +- std over seeds)")
  ratios = sorted({c["L_over_F"] for c in detectors.values()})
  ax.set_xticks(ratios, [f"{r:g}" for r in ratios])
  ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
  ax.legend(fontsize=7)
  gammas = [n for n, c in detectors.items() if c["head"] == "1d" and
            c["L"] == max(d["L"] for d in detectors.values())]
  for key, label in (("nrmse_argmax", "argmax"), ("nrmse_dark", "DARK")):
    p = points(gammas, "gamma", key)
    if p:
      axes[1].errorbar(p[0], p[1], yerr=p[2], fmt="o-", capsize=3,
                       label=label)
  axes[1].set(xlabel="gamma (0: co-attention off)", ylabel="test NRMSE (%)",
              title="co-attention weight, 1D, largest L")
  axes[1].legend(fontsize=7)
  trackers = sorted((c for c in cells.values() if c["lambda"] is not None),
                    key=lambda c: c["lambda"])
  x = np.arange(len(trackers))
  for shift, key, label in ((-0.2, "nrmse_argmax", "NRMSE (%)"),
                            (0.2, "jitter", "jitter (%)")):
    means = [c[key]["mean"] if key in c else 0.0 for c in trackers]
    stds = [(c[key]["std"] or 0.0) if key in c else 0.0 for c in trackers]
    bars = axes[2].bar(x + shift, means, 0.4, yerr=stds, capsize=3,
                       label=label)
    axes[2].bar_label(bars, fmt="%.2f", fontsize=7)
  axes[2].set_xticks(x, [f"lambda {c['lambda']:g}" for c in trackers])
  if not any("nrmse_argmax" in c for c in trackers):
    axes[2].text(0.5, 0.5, "no tracker cell run yet", ha="center",
                 transform=axes[2].transAxes)
  axes[2].set(title="1D tracker, temporal fusion (eq. 13)")
  axes[2].legend(fontsize=7)
  fig.tight_layout()
  fig.savefig(path, dpi=120)
  plt.close(fig)


def _slope(cell: dict) -> dict | None:
  slopes = [tail_slope(r.get("validation_curve", []))
            for r in cell["runs"].values()]
  slopes = [v for v in slopes if v is not None]
  return stats.summary(slopes) if slopes else None


def _cost(cell: dict) -> str:
  """`params (M) | GFLOPs` cells of a row (blank for trackers)."""
  if "cost" not in cell:
    return " | "
  c = cell["cost"]
  return f"{c['parameters'] / 1e6:.3f} | {c['gflops_per_image']:.3f}"


def _bounds(c: dict | None) -> str:
  if not c or c["low"] is None:
    return ""
  return (f"[{c['low']:+.2f}, {c['high']:+.2f}] ({100 * c['relative_low']:+.0f}"
          f" ... {100 * c['relative_high']:+.0f} %)")


def _reading_order(item: tuple[str, dict]) -> tuple:
  """Rows as the claims read them, not in the order the cells were trained.

  Each head's L curve (1D, then 2D), then the gamma sweep, the trackers, and
  last the cells that are not `accuracy_*` (the main job's config).
  """
  name, c = item
  return (not name.startswith("accuracy_"), c["lambda"] is not None,
          c["gamma"] != PAPER_GAMMA, c["head"], c["L_over_F"], c["gamma"],
          c["lambda"] or 0.0, name)


def markdown(results: dict) -> str:
  """The cells and the claims as the two tables docs/reproduction.md shows."""
  lines = ["| cell | head | L/F | gamma | lambda | params (M) | GFLOPs / image "
           "| seeds | steps | argmax NRMSE (%) | DARK NRMSE (%) | argmax floor "
           "(%) | jitter (%) | validation slope, last quarter (points / 1000 "
           "steps) |",
           "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: "
           "| ---: | ---: | ---: | ---: |"]
  for name, c in sorted(results["cells"].items(), key=_reading_order):
    steps = sorted({r["steps"] for r in c["runs"].values()})
    lam = "" if c["lambda"] is None else f"{c['lambda']:g}"
    lines.append(
        f"| {name} | {c['head'].upper()} | {c['L_over_F']:g} | {c['gamma']:g} "
        f"| {lam} | {_cost(c)} | {len(c['runs'])} | {'/'.join(map(str, steps))} | "
        f"{stats.summary_text(c.get('nrmse_argmax'))} | "
        f"{stats.summary_text(c.get('nrmse_dark'))} | "
        f"{c['floor_argmax_percent']:.2f} | {stats.summary_text(c.get('jitter'))} | "
        f"{stats.summary_text(_slope(c))} |")
  lines += ["", "| claim | reference - other | difference (points) | "
            "Welch 95 % interval (relative) | paired 95 % interval | verdict |",
            "| --- | --- | ---: | --- | --- | --- |"]
  for name, c in results["claims"].items():
    if "welch" not in c:
      lines.append(f"| {name} | {c['reference']} - {c['other']} | | | | "
                   f"{c['status']} |")
      continue
    w = c["welch"]
    lines.append(
        f"| {name} | {c['reference']} - {c['other']} | {w['difference']:+.2f} "
        f"({100 * w['relative']:+.1f} %) | {_bounds(w)} | "
        f"{_bounds(c['paired'])} | {c['verdict']} |")
  lines += ["", "| trend | cells (runs) | slope (points per doubling of L) | "
            "95 % interval | change over the sweep (relative) | verdict |",
            "| --- | --- | ---: | --- | --- | --- |"]
  for name, t in results.get("trends", {}).items():
    if t["low"] is None:
      lines.append(f"| {name} | {len(t['cells'])} ({t['n']}) | "
                   f"{t['slope']:+.3f} | | | {t['verdict']} |")
      continue
    low, high = t["change_over_sweep_relative"]
    lines.append(
        f"| {name} | {len(t['cells'])} ({t['n']}) | {t['slope']:+.3f} | "
        f"[{t['low']:+.3f}, {t['high']:+.3f}] | {100 * low:+.0f} ... "
        f"{100 * high:+.0f} % over {t['doublings']:.2f} doublings | "
        f"{t['verdict']} |")
  return "\n".join(lines)


def main(argv):
  del argv
  logging.set_verbosity(logging.WARNING)  # tfds is chatty at INFO
  f = cli.FLAGS
  print(markdown(run(f.mode, f.out, f.workdir, f.data_dir, f.cells)))


if __name__ == "__main__":
  cli.define_flags()
  cli.define_run_flags("runs/accuracy")
  flags.DEFINE_list("cells", None,
                    "Only these cells of --mode (default: all of them).")
  app.run(main)
