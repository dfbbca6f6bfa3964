"""Quantization error of heatmap decoding as a function of L / F (Section 3).

Two readings of "quantization" matter here:
  * The paper's eq. 3-5 floor the landmark into a heatmap bin and recover the
    bin's left end, so the per-axis error lies in [0, F/L).
  * Our targets centre the Gaussian at u = p * L / F (`landmark1d.geometry.heatmaps`),
    so argmax decoding rounds to the nearest bin and the per-axis error lies in
    [-F/2L, F/2L].

For a landmark whose fractional position is uniform within a bin (step s = F/L),
the error vector is uniform on a square of side s; its length E has
  floor:   max sqrt(2) s,       mean s (sqrt(2) + asinh(1)) / 3   (corner of the square)
  nearest: max sqrt(2) s / 2,   mean s (sqrt(2) + asinh(1)) / 6   (centre of the square)
the classical mean distances from a unit square's corner and centre, and
E[E^2] = 2 s^2 / 3 (floor) or s^2 / 6 (nearest), which gives its spread.
`decoding_errors` measures the same on noise-free 1D (eq. 12) or 2D (eq. 2)
targets with any decoder of `landmark1d.geometry.heatmaps`.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from landmark1d.geometry import heatmaps

ROUNDINGS = ("floor", "nearest")

# Mean distance from a corner of the unit square to a uniform point in it.
_MEAN_CORNER_DISTANCE = (math.sqrt(2.0) + math.asinh(1.0)) / 3.0


def _step(crop_size: float, length: int) -> float:
  if not crop_size > 0:
    raise ValueError(f"crop_size must be > 0, got {crop_size}")
  if not length > 0:
    raise ValueError(f"length (heatmap length L) must be > 0, got {length}")
  return crop_size / length


def _check_rounding(rounding: str):
  if rounding not in ROUNDINGS:
    raise ValueError(f"rounding must be one of {ROUNDINGS}, got {rounding!r}")


def paper_quantization_error(points, crop_size: float, length: int):
  """The paper's eq. 3-5: E for landmarks quantized by flooring.

  Args:
    points: `(..., 2)` landmark positions `(p, q)` in crop pixels.
    crop_size: crop side F.
    length: heatmap length L.

  Returns:
    `(...,)` Euclidean quantization errors E.
  """
  step = _step(crop_size, length)
  points = np.asarray(points, np.float64)
  recovered = np.floor(points / step) * step  # eq. 3, 4
  return np.linalg.norm(points - recovered, axis=-1)  # eq. 5


def max_argmax_error(crop_size: float, length: int,
                     rounding: str = "nearest") -> float:
  """Supremum of E over all landmark positions."""
  _check_rounding(rounding)
  step = _step(crop_size, length)
  return math.sqrt(2.0) * step * (1.0 if rounding == "floor" else 0.5)


def expected_argmax_error(crop_size: float, length: int,
                          rounding: str = "nearest") -> float:
  """Mean E for landmarks uniformly distributed within heatmap bins."""
  _check_rounding(rounding)
  step = _step(crop_size, length)
  return _MEAN_CORNER_DISTANCE * step * (1.0 if rounding == "floor" else 0.5)


def argmax_error_std(crop_size: float, length: int,
                     rounding: str = "nearest") -> float:
  """Standard deviation of E over landmarks uniform within heatmap bins.

  E^2 is the sum of two independent squared offsets, uniform on [0, s)
  (floor) or [-s/2, s/2) (nearest), so E[E^2] = 2 s^2 / 3 or s^2 / 6; the
  variance is that minus the squared mean of `expected_argmax_error`.
  """
  mean = expected_argmax_error(crop_size, length, rounding)
  step = _step(crop_size, length)
  second_moment = step * step * (2.0 / 3.0 if rounding == "floor" else
                                 1.0 / 6.0)
  return math.sqrt(second_moment - mean * mean)


TARGETS = ("1d", "2d")
# 2D targets of 2000 landmarks at L = 768 would take 4.7 GB at once.
_CHUNK_VALUES = 2 ** 24


def sample_landmarks(crop_size: int, length: int, sigma: float,
                     num_points: int, seed: int = 0) -> np.ndarray:
  """Random sub-pixel landmarks, uniform within heatmap bins.

  They lie at least 4 sigma inside the crop, so no Gaussian is cut by the
  border, in a span of a whole number of bins on each axis, so the offset
  from the nearest bin centre is exactly uniform (the closed forms' model).

  Returns:
    `(num_points, 1, 2)` float32 crop coordinates `(x, y)`.
  """
  step = _step(crop_size, length)
  margin = 4.0 * sigma
  bins = math.floor((crop_size - 1 - 2 * margin) / step)
  if bins < 1:
    raise ValueError(f"crop_size {crop_size} leaves no whole heatmap bin "
                     f"(L = {length}) 4 sigma = {margin:g} px from its border")
  rng = np.random.default_rng(seed)
  return rng.uniform(margin, margin + bins * step,
                     size=(num_points, 1, 2)).astype(np.float32)


def decoding_errors(crop_size: int, length: int, sigma: float, method: str,
                    num_points: int = 2000, seed: int = 0,
                    target: str = "1d") -> np.ndarray:
  """Encodes random sub-pixel landmarks as noise-free targets, decodes them.

  Args:
    crop_size: crop side F.
    length: heatmap length L.
    sigma: target sigma in crop pixels.
    method: a decoder of `landmark1d.geometry.heatmaps` ("argmax", "dark", ...).
    num_points: landmarks drawn by `sample_landmarks`.
    seed: their seed.
    target: "1d" (eq. 12, `encode_1d` / `decode_1d`) or "2d" (eq. 2).

  Returns:
    `(num_points,)` Euclidean decoding errors in crop pixels.
  """
  if target not in TARGETS:
    raise ValueError(f"target must be one of {TARGETS}, got {target!r}")
  points = sample_landmarks(crop_size, length, sigma, num_points, seed)
  per_point = length * length if target == "2d" else 2 * length
  chunk = max(1, _CHUNK_VALUES // per_point)
  decoded = []
  for i in range(0, num_points, chunk):
    part = points[i:i + chunk]
    if target == "1d":
      hx, hy, _ = heatmaps.encode_1d(part, crop_size, length, sigma)
      out, _ = heatmaps.decode_1d(hx, hy, crop_size, method, sigma=sigma)
    else:
      h, _ = heatmaps.encode_2d(part, crop_size, length, sigma)
      out, _ = heatmaps.decode_2d(h, crop_size, method, sigma=sigma)
    decoded.append(out.numpy())
  return np.linalg.norm(np.concatenate(decoded) - points, axis=-1)[:, 0]


@dataclasses.dataclass(frozen=True)
class QuantizationRow:
  """One line of the quantization table, errors in crop pixels.

  `measured[target][method]` holds the `mean` and `max` decoding error over
  the sampled landmarks.
  """
  length: int
  ratio: float
  paper_example: float
  bound_floor: float
  mean_floor: float
  bound_nearest: float
  mean_nearest: float
  std_nearest: float
  measured: dict


# The paper's worked example (Section 3): E = 1.11 at L/F = 0.5, 0.18 at 3.0.
PAPER_EXAMPLE_POINT = (142.84, 188.72)


def analysis(crop_size: int, lengths, sigma: float, methods=("argmax",),
             num_points: int = 2000, seed: int = 0,
             targets=("1d",)) -> list[QuantizationRow]:
  """Closed forms and measured decoding errors for each heatmap length."""
  rows = []
  for length in lengths:
    measured = {}
    for target in targets:
      measured[target] = {}
      for method in methods:
        errors = decoding_errors(crop_size, length, sigma, method, num_points,
                                 seed, target)
        measured[target][method] = {"mean": float(np.mean(errors)),
                                    "max": float(np.max(errors))}
    rows.append(QuantizationRow(
        length=length,
        ratio=length / crop_size,
        paper_example=float(paper_quantization_error(
            PAPER_EXAMPLE_POINT, crop_size, length)),
        bound_floor=max_argmax_error(crop_size, length, "floor"),
        mean_floor=expected_argmax_error(crop_size, length, "floor"),
        bound_nearest=max_argmax_error(crop_size, length, "nearest"),
        mean_nearest=expected_argmax_error(crop_size, length, "nearest"),
        std_nearest=argmax_error_std(crop_size, length, "nearest"),
        measured=measured))
  return rows


def to_markdown(rows: list[QuantizationRow]) -> str:
  """Closed forms, then measured mean E per target and decoder, and the
  measured max E of argmax beside its bound."""
  measured = [(t, m) for t in rows[0].measured for m in rows[0].measured[t]
              ] if rows else []
  header = ["L", "L/F", "E paper example (eq. 5)", "max E floor",
            "mean E floor", "max E nearest", "mean E nearest"]
  header += [f"mean E {t} {m}" for t, m in measured]
  header += [f"max E {t} argmax" for t, m in measured if m == "argmax"]
  lines = ["| " + " | ".join(header) + " |",
           "|" + "---|" * len(header)]
  for r in rows:
    cells = [str(r.length), f"{r.ratio:g}", f"{r.paper_example:.2f}",
             f"{r.bound_floor:.3f}", f"{r.mean_floor:.3f}",
             f"{r.bound_nearest:.3f}", f"{r.mean_nearest:.3f}"]
    cells += [f"{r.measured[t][m]['mean']:.3g}" for t, m in measured]
    cells += [f"{r.measured[t][m]['max']:.3f}" for t, m in measured
              if m == "argmax"]
    lines.append("| " + " | ".join(cells) + " |")
  return "\n".join(lines)
