"""Fits, projections and comparisons of measured cost rows: pure functions.

Memory grows with L through the head: the 1D head's activations are
proportional to L, the 2D head's to L^2 (its up-sampling convolutions run at
up to L x L). A least-squares line per head, memory = a + b x with x = L (1D)
or L^2 (2D), projects the memory of lengths not measured, and the L at which
a training step needs the paper's 32 GiB (its 2D heatmaps ran out of memory
at L = 256 on 32 GB GPUs). Rows are the dicts `cost_measure` returns beside
their settings (`head`, `L`, `tracker`); nothing here imports TensorFlow or
JAX, so `cost_1d_vs_2d` and `device_cost` share it and its tests need
neither.
"""

from __future__ import annotations

import numpy as np

GIB = 1024 ** 3
PAPER_GPU_BYTES = 32 * GIB

# Comparisons the issue asks for (reported; nothing here is asserted).
MEMORY_TARGET = 1.3   # 1D at the largest L vs 2D at the smallest L.
LATENCY_TARGET = 1.2  # the same pair, inference at batch 1.


def fit_line(xs, ys) -> tuple[float, float]:
  """Least-squares `(a, b)` of y = a + b x."""
  b, a = np.polyfit(np.asarray(xs, float), np.asarray(ys, float), 1)
  return float(a), float(b)


def exponent(head: str) -> int:
  """Memory is linear in L^exponent: 1 for 1D heads, 2 for 2D heads."""
  if head not in ("1d", "2d"):
    raise ValueError(f"head must be '1d' or '2d', got {head!r}")
  return 1 if head == "1d" else 2


def growth(head: str, length):
  """The variable memory is linear in: L (1D) or L^2 (2D)."""
  return np.asarray(length, float) ** exponent(head)


def fit_memory(head: str, lengths, memory) -> dict:
  """memory = a + b L^p by least squares (p = `exponent(head)`)."""
  a, b = fit_line(growth(head, lengths), memory)
  return {"a": a, "b": b, "x": "L" if exponent(head) == 1 else "L^2",
          "points": [[int(l), float(m)] for l, m in zip(lengths, memory)]}


def project(fit: dict, head: str, length) -> float:
  """The fitted memory at `length`."""
  return float(fit["a"] + fit["b"] * growth(head, length))


def length_at(fit: dict, head: str, budget: float) -> float | None:
  """The L at which the fitted memory reaches `budget` (None if never)."""
  if fit["b"] <= 0:
    return None
  room = budget - fit["a"]
  return float(max(room, 0.0) / fit["b"]) ** (1.0 / exponent(head))


def memory_key(rows) -> str:
  """GPU peak when the rows were measured on a GPU, else peak RSS."""
  if any("gpu_peak_bytes" in r for r in rows):
    return "gpu_peak_bytes"
  return "peak_rss_bytes"


def fit_rows(rows, head: str, tracker: bool, key: str) -> dict | None:
  """`fit_memory` over the rows of one head and kind; None below 2 lengths."""
  points = sorted((r["L"], r[key]) for r in rows if r["head"] == head
                  and r["tracker"] == tracker and r.get(key))
  if len({p[0] for p in points}) < 2:
    return None
  return fit_memory(head, [p[0] for p in points], [p[1] for p in points])


def _ratio(two: dict, one: dict, key: str):
  if two.get(key) and one.get(key):
    return two[key] / one[key]
  return None


def ratios_2d_over_1d(rows, tracker: bool) -> dict:
  """2D / 1D of every measured quantity, at each L both heads ran."""
  by = {(r["head"], r["L"]): r for r in rows
        if r["tracker"] == tracker and r.get("measured")}
  out = {}
  for (head, length), two in sorted(by.items()):
    one = by.get(("1d", length))
    if head != "2d" or one is None:
      continue
    entry = {k: _ratio(two, one, k) for k in (
        "peak_rss_bytes", "training_extra_bytes", "steady_step_peak_rss_bytes",
        "gpu_peak_bytes", "train_step_seconds", "parameters",
        "output_values", "gflops_per_image")}
    for size in two.get("latency_seconds", {}):
      entry[f"latency_batch{size}_seconds"] = _ratio(
          two["latency_seconds"], one.get("latency_seconds", {}), size)
    out[str(length)] = {k: v for k, v in entry.items() if v is not None}
  return out


def targets(rows, settings: dict, key: str) -> dict:
  """The issue's comparisons, with pass / fail where it sets a limit."""
  by = {(r["head"], r["L"]): r for r in rows
        if not r["tracker"] and r.get("measured")}
  l1, l2 = max(settings["lengths_1d"]), min(settings["lengths_2d"])
  one, two = by.get(("1d", l1)), by.get(("2d", l2))
  out = {}
  if one and two:
    value = one[key] / two[key]
    out["memory_1d_over_2d"] = {
        "what": f"peak training memory ({key}), 1D at L = {l1} / 2D at "
                f"L = {l2}", "value": value, "limit": MEMORY_TARGET,
        "pass": value <= MEMORY_TARGET,
        "training_extra_ratio": _ratio(one, two, "training_extra_bytes")}
    value = one["latency_seconds"]["1"] / two["latency_seconds"]["1"]
    out["latency_1d_over_2d"] = {
        "what": f"CPU inference latency at batch 1, 1D at L = {l1} / 2D at "
                f"L = {l2}", "value": value, "limit": LATENCY_TARGET,
        "pass": value <= LATENCY_TARGET}
  l_top = max(settings["lengths_2d"])
  one, two = by.get(("1d", l_top)), by.get(("2d", l_top))
  if one and two:
    out["memory_2d_over_1d_at_top_L"] = {
        "what": f"peak training memory ({key}), 2D / 1D at L = {l_top} "
                "(reported, no limit)", "value": two[key] / one[key],
        "training_extra_ratio": _ratio(two, one, "training_extra_bytes")}
  return out


def projection(rows, settings: dict, key: str) -> dict:
  """Memory lines per head, memory at every L, and the 32 GiB length."""
  lengths = sorted(set(settings["lengths_1d"]) | set(settings["lengths_2d"]))
  out = {"method": (
      f"least squares of {key} = a + b L (1D) or a + b L^2 (2D) over the "
      "measured detector rows of each head (trackers separately); a is the "
      "runtime, weights and inputs, b the head's activations and their "
      "gradients, which grow with the heatmap size (2 N L vs N L^2 per "
      "stack). Projected values at unmeasured L are extrapolations."),
         "memory_key": key, "budget_bytes": PAPER_GPU_BYTES, "fits": {},
         "projected_bytes": {}, "L_at_budget": {}}
  for tracker in (False, True):
    for head in ("1d", "2d"):
      fit = fit_rows(rows, head, tracker, key)
      if fit is None:
        continue
      name = f"{'tracker' if tracker else 'detector'}_{head}"
      out["fits"][name] = fit
      if not tracker:
        out["projected_bytes"][name] = {
            str(l): project(fit, head, l) for l in lengths}
      out["L_at_budget"][name] = length_at(fit, head, PAPER_GPU_BYTES)
  return out
