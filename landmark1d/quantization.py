"""Quantization error of heatmap decoding as a function of L / F (Section 3).

Two readings of "quantization" matter here:
  * The paper's eq. 3-5 floor the landmark into a heatmap bin and recover the
    bin's left end, so the per-axis error lies in [0, F/L).
  * Our targets centre the Gaussian at u = p * L / F (`landmark1d.heatmaps`),
    so argmax decoding rounds to the nearest bin and the per-axis error lies in
    [-F/2L, F/2L].

For a landmark whose fractional position is uniform within a bin (step s = F/L),
the error vector is uniform on a square of side s; its length E has
  floor:   max sqrt(2) s,       mean s (sqrt(2) + asinh(1)) / 3   (corner of the square)
  nearest: max sqrt(2) s / 2,   mean s (sqrt(2) + asinh(1)) / 6   (centre of the square)
the classical mean distances from a unit square's corner and centre.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from landmark1d import heatmaps

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


def decoding_errors(crop_size: int, length: int, sigma: float, method: str,
                    num_points: int = 2000, seed: int = 0) -> np.ndarray:
  """Encodes random sub-pixel landmarks to 1D targets and decodes them again.

  Landmarks are drawn uniformly at least 4 sigma inside the crop, so the
  Gaussian is not cut by the border.

  Returns:
    `(num_points,)` Euclidean decoding errors in crop pixels.
  """
  margin = 4.0 * sigma
  if crop_size <= 2 * margin:
    raise ValueError(f"crop_size {crop_size} leaves no room for sigma {sigma}")
  rng = np.random.default_rng(seed)
  points = rng.uniform(margin, crop_size - 1 - margin,
                       size=(num_points, 1, 2)).astype(np.float32)
  hx, hy, _ = heatmaps.encode_1d(points, crop_size, length, sigma)
  decoded, _ = heatmaps.decode_1d(hx, hy, crop_size, method, sigma=sigma)
  return np.linalg.norm(decoded.numpy() - points, axis=-1)[:, 0]


@dataclasses.dataclass(frozen=True)
class QuantizationRow:
  """One line of the quantization table, errors in crop pixels."""
  length: int
  ratio: float
  paper_example: float
  bound_floor: float
  mean_floor: float
  bound_nearest: float
  mean_nearest: float
  measured: dict


# The paper's worked example (Section 3): E = 1.11 at L/F = 0.5, 0.18 at 3.0.
PAPER_EXAMPLE_POINT = (142.84, 188.72)


def analysis(crop_size: int, lengths, sigma: float, methods=("argmax",),
             num_points: int = 2000, seed: int = 0) -> list[QuantizationRow]:
  """Analytic and measured decoding error for each heatmap length."""
  rows = []
  for length in lengths:
    measured = {m: float(np.mean(decoding_errors(
        crop_size, length, sigma, m, num_points, seed))) for m in methods}
    rows.append(QuantizationRow(
        length=length,
        ratio=length / crop_size,
        paper_example=float(paper_quantization_error(
            PAPER_EXAMPLE_POINT, crop_size, length)),
        bound_floor=max_argmax_error(crop_size, length, "floor"),
        mean_floor=expected_argmax_error(crop_size, length, "floor"),
        bound_nearest=max_argmax_error(crop_size, length, "nearest"),
        mean_nearest=expected_argmax_error(crop_size, length, "nearest"),
        measured=measured))
  return rows


def to_markdown(rows: list[QuantizationRow]) -> str:
  methods = list(rows[0].measured) if rows else []
  header = ["L", "L/F", "E paper example (eq. 5)", "max E floor",
            "mean E floor", "max E nearest", "mean E nearest"]
  header += [f"measured mean E ({m})" for m in methods]
  lines = ["| " + " | ".join(header) + " |",
           "|" + "---|" * len(header)]
  for r in rows:
    cells = [str(r.length), f"{r.ratio:g}", f"{r.paper_example:.2f}",
             f"{r.bound_floor:.3f}", f"{r.mean_floor:.3f}",
             f"{r.bound_nearest:.3f}", f"{r.mean_nearest:.3f}"]
    cells += [f"{r.measured[m]:.4f}" for m in methods]
    lines.append("| " + " | ".join(cells) + " |")
  return "\n".join(lines)
