"""Section 3's quantization analysis."""

import math

import numpy as np
import pytest

from landmark1d.geometry import quantization


def test_paper_worked_example_to_two_decimals():
  point = quantization.PAPER_EXAMPLE_POINT
  assert round(float(quantization.paper_quantization_error(point, 256, 128)),
               2) == 1.11  # L/F = 0.5
  assert round(float(quantization.paper_quantization_error(point, 256, 768)),
               2) == 0.18  # L/F = 3


def test_worked_example_by_hand():
  # L/F = 0.5: floor(71.42) / 0.5 = 142, floor(94.36) / 0.5 = 188.
  expected = math.hypot(142.84 - 142.0, 188.72 - 188.0)
  assert float(quantization.paper_quantization_error(
      (142.84, 188.72), 256, 128)) == pytest.approx(expected)


def test_error_shrinks_as_resolution_grows():
  errors = [quantization.expected_argmax_error(256, length)
            for length in (64, 128, 256, 512, 768)]
  assert errors == sorted(errors, reverse=True)
  assert errors[0] / errors[-1] == pytest.approx(12.0)


def _sampled_offsets(seed: int, rounding: str, step: float = 4.0):
  """Uniform sub-cell offsets of a point from its argmax cell (F / L = 4)."""
  offsets = np.random.default_rng(seed).uniform(0, step, size=(200_000, 2))
  return offsets - step / 2 if rounding == "nearest" else offsets


@pytest.mark.parametrize("rounding", ["floor", "nearest"])
def test_closed_form_mean_matches_monte_carlo(rounding):
  offsets = _sampled_offsets(0, rounding)
  monte_carlo = np.linalg.norm(offsets, axis=-1).mean()
  assert quantization.expected_argmax_error(64, 16, rounding) == pytest.approx(
      monte_carlo, rel=5e-3)
  assert np.linalg.norm(offsets, axis=-1).max() <= (
      quantization.max_argmax_error(64, 16, rounding))


def test_floor_errors_stay_below_the_floor_bound():
  rng = np.random.default_rng(1)
  points = rng.uniform(0, 256, size=(10_000, 2))
  errors = quantization.paper_quantization_error(points, 256, 64)
  assert errors.max() < quantization.max_argmax_error(256, 64, "floor")


@pytest.mark.parametrize("rounding", ["floor", "nearest"])
def test_closed_form_std_matches_monte_carlo(rounding):
  offsets = _sampled_offsets(2, rounding)
  assert quantization.argmax_error_std(64, 16, rounding) == pytest.approx(
      np.linalg.norm(offsets, axis=-1).std(), rel=5e-3)


def test_sampled_landmarks_fill_whole_bins_inside_the_margin():
  points = quantization.sample_landmarks(64, 16, 2.0, 20_000, seed=3)
  assert points.shape == (20_000, 1, 2) and points.dtype == np.float32
  step = 4.0
  # 4 sigma = 8 px margin, then floor(47 / 4) = 11 whole bins.
  assert points.min() >= 8.0 and points.max() <= 8.0 + 11 * step
  offsets = points / step - np.round(points / step)
  # Uniform on [-1/2, 1/2): mean 0, variance 1/12.
  assert abs(offsets.mean()) < 0.01
  assert offsets.var() == pytest.approx(1 / 12, rel=0.03)


def test_analysis_table_measures_decoders_on_1d_and_2d_targets():
  rows = quantization.analysis(64, [32, 128], sigma=2.0,
                               methods=("argmax", "dark"), num_points=200,
                               targets=("1d", "2d"))
  assert [r.length for r in rows] == [32, 128]
  for r in rows:
    for target in ("1d", "2d"):
      errors = r.measured[target]
      assert errors["argmax"]["max"] <= r.bound_nearest + 1e-4
      assert errors["argmax"]["mean"] <= errors["argmax"]["max"]
      assert errors["dark"]["mean"] < errors["argmax"]["mean"] / 10
  table = quantization.to_markdown(rows)
  assert table.count("\n") == 3
  assert "mean E 2d dark" in table and "max E 1d argmax" in table


def test_bad_arguments_are_value_errors():
  with pytest.raises(ValueError, match="heatmap length L"):
    quantization.expected_argmax_error(256, 0)
  with pytest.raises(ValueError, match="rounding"):
    quantization.max_argmax_error(256, 64, "ceil")
  with pytest.raises(ValueError, match="target"):
    quantization.decoding_errors(64, 16, 2.0, "argmax", target="3d")
  with pytest.raises(ValueError, match="no whole heatmap bin"):
    quantization.sample_landmarks(32, 4, 3.0, 10)
