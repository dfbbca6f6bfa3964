"""Evaluation reports: Markdown / JSON result files, CED and jitter plots.

What a workdir keeps of an evaluation (`eval/<split>.{json,md}`,
`<split>_ced.png`, `<split>_jitter.png`) and the tables laid out like the
paper's. The numbers come from `metrics` and `scoring`; matplotlib is
imported only when a plot is drawn.
"""

from __future__ import annotations

import json
import os

import numpy as np

from landmark1d.eval import metrics
from landmark1d.eval import scoring


def _pyplot():
  import matplotlib  # pylint: disable=g-import-not-at-top
  matplotlib.use("Agg")
  from matplotlib import pyplot as plt  # pylint: disable=g-import-not-at-top
  return plt


def _save(fig, path: str):
  fig.tight_layout()
  os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
  fig.savefig(path)
  _pyplot().close(fig)


def plot_ced(curves: dict, threshold: float, path: str, title: str = ""):
  """Saves CED curves (name -> per-image errors) as a PNG."""
  fig, ax = _pyplot().subplots(figsize=(5, 4), dpi=100)
  for name, errors in curves.items():
    x, y = metrics.ced_curve(errors, threshold)
    ax.plot(x * 100.0, y,
            label=f"{name} (AUC {metrics.auc(errors, threshold):.3f})")
  ax.set_xlabel("NRMSE (%)")
  ax.set_ylabel("fraction of images")
  ax.set_xlim(0, threshold * 100.0)
  ax.set_ylim(0, 1)
  ax.grid(alpha=0.3)
  ax.legend(loc="lower right", fontsize=8)
  if title:
    ax.set_title(title)
  _save(fig, path)


def results_markdown(rows: dict, columns=None, digits: int = 2) -> str:
  """A table laid out like the paper's: one row per entry, values in percent.

  Args:
    rows: row name -> {column name -> number or None}.
    columns: column order; defaults to the first row's keys.
    digits: decimals.
  """
  if not rows:
    raise ValueError("no rows to tabulate")
  columns = list(columns or next(iter(rows.values())))
  lines = ["| | " + " | ".join(columns) + " |",
           "|---|" + "---|" * len(columns)]
  for name, values in rows.items():
    cells = []
    for c in columns:
      v = values.get(c)
      cells.append("-" if v is None else f"{v:.{digits}f}")
    lines.append(f"| {name} | " + " | ".join(cells) + " |")
  return "\n".join(lines)


def write_results(path_prefix: str, results: dict, markdown: str):
  """Writes `<prefix>.json` (the results) and `<prefix>.md` (the table)."""
  os.makedirs(os.path.dirname(os.path.abspath(path_prefix)), exist_ok=True)
  with open(path_prefix + ".json", "w", encoding="utf-8") as f:
    json.dump(results, f, indent=2, sort_keys=True)
  with open(path_prefix + ".md", "w", encoding="utf-8") as f:
    f.write(markdown + "\n")


def write_split(workdir: str, split: str, scores: scoring.SplitScores,
                baseline: scoring.SplitScores | None = None,
                thresholds=metrics.DEFAULT_THRESHOLDS,
                folder: str = "eval", decoder: str | None = None):
  """Writes `<workdir>/<folder>/<split>.{json,md}` and `<split>_ced.png`.

  A `decoder` is named in both files. Scores with frame subsets or event
  kinds (`scoring.score` on flagged videos) add their tables below the main
  one.
  """
  out_dir = os.path.join(workdir, folder)
  results = {"model": scores.to_dict()}
  if decoder:
    results["decoder"] = decoder
  rows = {"model": _row(scores, thresholds)}
  curves = {"model": scores.errors}
  scored = {"model": scores}
  if baseline is not None:
    results["mean_shape_baseline"] = baseline.to_dict()
    rows["mean-shape baseline"] = _row(baseline, thresholds)
    curves["mean-shape baseline"] = baseline.errors
    scored["mean-shape baseline"] = baseline
  table = "\n\n".join([results_markdown(rows), _intervals_line(scored)] +
                      subset_tables(scored))
  if decoder:
    table = f"Decoder: {decoder}\n\n{table}"
  write_results(os.path.join(out_dir, split), results, table)
  plot_ced(curves, max(thresholds), os.path.join(out_dir, f"{split}_ced.png"),
           title=split)
  return table


def _intervals_line(scored: dict) -> str:
  """One line: each row's NRMSE interval over the images (bootstrap)."""
  first = next(iter(scored.values())).summary.nrmse_interval
  parts = [f"{name} [{s.summary.nrmse_interval['low']:.2f}, "
           f"{s.summary.nrmse_interval['high']:.2f}] %"
           for name, s in scored.items()]
  return (f"NRMSE {first['confidence']:.0%} interval over the images "
          f"(bootstrap, {first['resamples']} resamples, seed "
          f"{first['seed']}): " + ", ".join(parts))


def _row(scores: scoring.SplitScores, thresholds) -> dict:
  row = {"NRMSE (%)": scores.summary.nrmse}
  for t in thresholds:
    row[f"AUC@{t:g} (%)"] = scores.summary.auc[f"{t:g}"]
    row[f"FR@{t:g} (%)"] = scores.summary.failure_rate[f"{t:g}"]
  if scores.jitter is not None:
    row["jitter (%)"] = scores.jitter
  return row


def subset_tables(scored: dict) -> list:
  """Markdown tables of the frame subsets and of the event kinds.

  Args:
    scored: name -> `scoring.SplitScores` of one split (same frames).

  Returns:
    Zero, one or two tables: rows are subsets with their frame counts,
    columns each name's NRMSE and jitter in percent.
  """
  first = next(iter(scored.values()))
  tables = []
  if first.frame_rows is not None:
    skip = first.skip_first
    labels = {name: name.replace("_after_skip", f" (first {skip} of each "
                                 "video left out)")
              for name in first.frame_rows}
    tables.append(_rows_markdown(
        {name: s.frame_rows for name, s in scored.items()}, labels))
  if first.event_rows is not None:
    tables.append(_rows_markdown(
        {name: s.event_rows for name, s in scored.items()},
        {kind: f"event {kind}" for kind in first.event_rows}))
  return tables


def _rows_markdown(rows_by_name: dict, labels: dict) -> str:
  """One table row per subset key, NRMSE and jitter columns per name."""
  table = {}
  for key, label in labels.items():
    frames = next(iter(rows_by_name.values()))[key]["frames"]
    table[f"{label}, {frames} frames"] = {
        f"{name} {title} (%)": rows[key][metric]
        for name, rows in rows_by_name.items()
        for metric, title in (("nrmse", "NRMSE"), ("jitter", "jitter"))}
  return results_markdown(table)


def plot_jitter(predictions: scoring.Predictions, path: str,
                video: str | None = None, point: int = 30,
                max_frames: int = 200):
  """Temporal-stability figure: one landmark's x/y over time, truth vs model."""
  if predictions.video_ids is None:
    raise ValueError("plot_jitter needs video predictions (video_ids)")
  video = video or predictions.video_ids[0]
  idx = np.array([i for i, v in enumerate(predictions.video_ids)
                  if v == video])
  idx = idx[np.argsort(np.asarray(predictions.frame_indices)[idx])][
      :max_frames]
  frames = np.asarray(predictions.frame_indices)[idx]
  point = min(point, predictions.landmarks.shape[1] - 1,
              predictions.ground_truth.shape[1] - 1)
  fig, axes = _pyplot().subplots(2, 1, figsize=(7, 4.5), sharex=True,
                                 dpi=100)
  for axis, name, ax in ((0, "x", axes[0]), (1, "y", axes[1])):
    ax.plot(frames, predictions.ground_truth[idx, point, axis], "k-",
            lw=1.2, label="ground truth")
    ax.plot(frames, predictions.landmarks[idx, point, axis], "r-", lw=0.9,
            label="prediction")
    ax.set_ylabel(f"{name} (px)")
    ax.grid(alpha=0.3)
  axes[0].legend(fontsize=8)
  axes[0].set_title(f"video {video}, landmark {point}")
  axes[1].set_xlabel("frame")
  _save(fig, path)
