"""Differences between benchmark cells trained with a few seeds each.

Each cell is a handful of runs that differ only in `train.seed` (weights,
batch order, augmentation). A difference between two cells is reported with a
95 % confidence interval from Welch's t (unequal variances, Welch-Satterthwaite
degrees of freedom) over the seeds, the conservative choice for 3 seeds per
cell. Where both cells ran the same seeds, runs with one seed share their
initial backbone weights and their batches, so the per-seed differences also
give a paired t interval, reported beside it.

"Smallest detectable effect": the true difference that a two-sided 5 % test
would detect with 80 % power given the observed spread, (t_0.975 + t_0.8) x
the standard error; a claim that does not show is reported with it.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

CONFIDENCE = 0.95
POWER = 0.8


def summary(values) -> dict:
  """`{"mean", "std", "n"}` of one cell's per-seed values (std: ddof 1)."""
  values = np.asarray(values, np.float64)
  return {"mean": float(values.mean()),
          "std": float(values.std(ddof=1)) if len(values) > 1 else None,
          "n": int(len(values))}


def summary_text(cell_summary: dict | None) -> str:
  """`mean +- std` of a `summary` (the mean alone for one seed; "" for none)."""
  if not cell_summary:
    return ""
  if cell_summary["std"] is None:
    return f"{cell_summary['mean']:.2f}"
  return f"{cell_summary['mean']:.2f} +- {cell_summary['std']:.2f}"


def _interval(difference, se, df):
  if not (se > 0 and df > 0 and math.isfinite(df)):
    return {"low": None, "high": None, "df": None,
            "smallest_detectable": None}
  t = stats.t.ppf(0.5 + CONFIDENCE / 2, df)
  return {"low": difference - t * se, "high": difference + t * se,
          "df": float(df),
          "smallest_detectable": float((t + stats.t.ppf(POWER, df)) * se)}


def welch(reference, other) -> dict:
  """mean(reference) - mean(other) with Welch's 95 % interval.

  Args:
    reference: per-seed values of the reference cell (e.g. gamma = 0).
    other: per-seed values of the cell compared with it.

  Returns:
    `{"difference", "relative", "low", "high", "relative_low",
    "relative_high", "df", "smallest_detectable"}`; relative values are
    fractions of mean(reference) (its own uncertainty is not propagated).
    Interval fields are None when a cell has fewer than 2 seeds.
  """
  a, b = (np.asarray(v, np.float64) for v in (reference, other))
  difference = float(a.mean() - b.mean())
  if min(len(a), len(b)) < 2:
    out = {"difference": difference, **_interval(difference, 0.0, 0.0)}
  else:
    va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
    se = math.sqrt(va + vb)
    df = (va + vb) ** 2 / (va ** 2 / (len(a) - 1) + vb ** 2 / (len(b) - 1)
                           ) if se > 0 else 0.0
    out = {"difference": difference, **_interval(difference, se, df)}
  return _with_relative(out, float(a.mean()))


def paired(reference: dict, other: dict) -> dict | None:
  """The paired-t version of `welch` over the seeds both cells ran.

  Args:
    reference, other: `{seed: value}`.

  Returns:
    As `welch`, plus "seeds"; None when fewer than 2 seeds are shared.
  """
  seeds = sorted(set(reference) & set(other))
  if len(seeds) < 2:
    return None
  d = np.array([reference[s] - other[s] for s in seeds], np.float64)
  se = d.std(ddof=1) / math.sqrt(len(d))
  out = {"difference": float(d.mean()),
         **_interval(float(d.mean()), se, len(d) - 1), "seeds": seeds}
  return _with_relative(out, float(np.mean([reference[s] for s in seeds])))


def trend(x, y) -> dict:
  """Least-squares line y = intercept + slope x with the slope's 95 % interval.

  Pools every run of several cells (one point per run), so a trend along a
  sweep is tested with all its runs instead of its two end cells.

  Args:
    x: per-run abscissa, e.g. log2(L / F) of the run's cell.
    y: per-run values, e.g. test NRMSE (%).

  Returns:
    `{"slope", "intercept", "low", "high", "df", "n"}`: the interval is
    slope +- t_0.975(n - 2) x its standard error; low and high are None
    with fewer than 3 points or no spread in x.
  """
  x, y = np.asarray(x, np.float64), np.asarray(y, np.float64)
  dx = x - x.mean()
  sxx = float(dx @ dx)
  slope = float(dx @ (y - y.mean()) / sxx) if sxx > 0 else float("nan")
  intercept = float(y.mean() - slope * x.mean())
  out = {"slope": slope, "intercept": intercept, "low": None, "high": None,
         "df": None, "n": int(len(x))}
  if len(x) > 2 and sxx > 0:
    residuals = y - intercept - slope * x
    se = math.sqrt(float(residuals @ residuals) / (len(x) - 2) / sxx)
    t = stats.t.ppf(0.5 + CONFIDENCE / 2, len(x) - 2)
    out.update(low=float(slope - t * se), high=float(slope + t * se),
               df=len(x) - 2)
  return out


def _with_relative(out: dict, reference_mean: float) -> dict:
  scale = 1.0 / reference_mean if reference_mean else float("nan")
  out["relative"] = out["difference"] * scale
  for key in ("low", "high"):
    out[f"relative_{key}"] = (None if out[key] is None
                              else out[key] * scale)
  return out


def verdict(comparison: dict, better: str, worse: str) -> str:
  """One line: which side the interval shows, or that it shows neither."""
  low, high = comparison["low"], comparison["high"]
  if low is None:
    return "one seed: no interval"
  if low > 0:
    return f"{better} (interval above 0)"
  if high < 0:
    return f"{worse} (interval below 0)"
  return (f"not shown: the interval contains 0; the seeds could detect "
          f"{comparison['smallest_detectable']:.3g} points or more")
