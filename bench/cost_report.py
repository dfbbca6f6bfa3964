"""The cost benchmark's figure: peak memory and step time against L."""

from __future__ import annotations

import numpy as np

from bench import cost_fit

GIB = cost_fit.GIB


def plot(results: dict, path: str):
  """Peak memory vs L (measured, fitted, 32 GiB line) and step time vs L."""
  import matplotlib  # pylint: disable=g-import-not-at-top
  matplotlib.use("Agg")
  from matplotlib import pyplot as plt  # pylint: disable=g-import-not-at-top
  key = results["memory_key"]
  budget = cost_fit.PAPER_GPU_BYTES / GIB
  fig, (mem, speed) = plt.subplots(1, 2, figsize=(12, 4.5))
  rows = [r for r in results["rows"] if r.get("measured")]
  top = max([r["L"] for r in results["rows"]] + [16])
  fits = results["projection"]["fits"]
  # Wide enough to show where 2D reaches 32 GiB, never so wide that the
  # measured points (and 1D's far-away crossing) squeeze into one corner.
  at_2d = results["projection"]["L_at_budget"].get("detector_2d") or top
  x_max = 1.05 * max(top, min(at_2d, 2 * top))
  for head, colour in (("1d", "tab:blue"), ("2d", "tab:red")):
    for tracker, marker in ((False, "o"), (True, "^")):
      kind = "tracker" if tracker else "detector"
      pts = sorted((r["L"], r[key] / GIB, r["train_step_seconds"])
                   for r in rows if r["head"] == head
                   and r["tracker"] == tracker)
      label = f"{head.upper()} {kind}"
      if pts:
        ls, gibs, secs = zip(*pts)
        mem.plot(ls, gibs, marker, color=colour, label=f"{label}, measured",
                 fillstyle="none" if tracker else "full")
        speed.plot(ls, secs, marker + "-", color=colour, label=label,
                   fillstyle="none" if tracker else "full")
      skipped = [(r["L"], r["projected_peak_rss_bytes"] / GIB)
                 for r in results["rows"] if r["head"] == head
                 and r["tracker"] == tracker and "skipped" in r]
      if skipped:
        mem.plot(*zip(*skipped), "x", color=colour, markersize=9,
                 label=f"{label}, projected (not run)")
      fit = fits.get(f"{kind}_{head}")
      if fit and not tracker:
        at = results["projection"]["L_at_budget"].get(f"{kind}_{head}")
        grid = np.linspace(min(p[0] for p in fit["points"]) / 2, x_max, 300)
        mem.plot(grid, [cost_fit.project(fit, head, g) / GIB for g in grid],
                 ":", color=colour,
                 label=f"{head.upper()} fit: a + b {fit['x']}")
        if at and at <= x_max:
          mem.axvline(at, color=colour, linewidth=0.6, alpha=0.5)
          mem.annotate(f"{head.upper()} reaches 32 GiB at L = {at:.0f}",
                       (at, budget), fontsize=7, xytext=(-150, 8),
                       textcoords="offset points")
  mem.axhline(budget, color="gray", linestyle="--",
              label="32 GiB (paper's GPU)")
  settings = results["settings"]
  mem.set_xlim(0, x_max)
  mem.set(xlabel="heatmap length L", ylabel=f"{key} (GiB)",
          title=f"one training step, batch {settings['batch']}, "
                f"F = {settings['input_size']}, {settings['num_stacks']} "
                f"stack(s) x {settings['channels']}")
  speed.set(xlabel="heatmap length L", ylabel="seconds / training step",
            title=f"training step time ({results['machine']['cpu_count']} "
                  "CPU cores, shared)")
  mem.legend(fontsize=7)
  speed.legend(fontsize=7)
  fig.tight_layout()
  fig.savefig(path, dpi=120)
  plt.close(fig)
