"""The accuracy benchmark's report: the figure and the Markdown tables.

`plot` draws three panels (error against L/F, gamma and lambda, mean +- std
over seeds); `markdown` writes the cells, claims and trends tables that
docs/reproduction.md shows.
"""

from __future__ import annotations

import numpy as np

from bench import accuracy_claims
from bench import seed_statistics as stats


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
           c["gamma"] == accuracy_claims.PAPER_GAMMA]
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
  slopes = [accuracy_claims.tail_slope(r.get("validation_curve", []))
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
          c["gamma"] != accuracy_claims.PAPER_GAMMA, c["head"],
          c["L_over_F"], c["gamma"], c["lambda"] or 0.0, name)


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
