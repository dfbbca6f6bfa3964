"""bench/accuracy_claims.py: claims seed by seed, pooled trends, tail slopes."""

import numpy as np
import pytest

from bench import accuracy_claims


def _cell(values: dict, key="nrmse_argmax_percent") -> dict:
  return {"runs": {str(s): {key: v} for s, v in values.items()}}


def test_claims_compare_cells_seed_by_seed():
  cells = {"accuracy_det1d_L16": _cell({0: 7.0, 1: 7.2, 2: 6.8}),
           "accuracy_det1d_L192": _cell({0: 5.0, 1: 5.3, 2: 4.7}),
           "accuracy_det1d_gamma0.0": _cell({0: 5.1, 1: 5.2, 2: 4.8})}
  claims = accuracy_claims.claims(cells)
  trend = claims["a_L_trend"]
  assert trend["welch"]["difference"] == pytest.approx(2.0)
  assert trend["welch"]["relative"] == pytest.approx(2.0 / 7.0)
  assert trend["verdict"].startswith("L/F = 3 lower")
  assert trend["paired"]["seeds"] == [0, 1, 2]
  gamma = claims["c_gamma_0.3_vs_0"]
  assert gamma["welch"]["difference"] == pytest.approx(0.1 / 3)
  assert gamma["verdict"].startswith("not shown")
  assert claims["b_1d_vs_2d_L16"]["status"] == "not run"
  assert claims["d_lambda_0.3_vs_0"]["status"] == "not run"
  assert claims["e_mobile_vs_hourglass"]["status"] == "not run"


def test_trends_pool_every_run_of_each_heads_l_sweep():
  def cell(head, length, values):
    return {"head": head, "L": length, "L_over_F": length / 64,
            "runs": {str(s): {"nrmse_argmax_percent": v,
                              "nrmse_dark_percent": 3.0}
                     for s, v in enumerate(values)}}
  cells = {"accuracy_det1d_L16": cell("1d", 16, [6.0, 6.4]),
           "accuracy_det1d_L64": cell("1d", 64, [3.0, 3.4]),
           # Not on the sweep: another gamma, a tracker.
           "accuracy_det1d_gamma0.0": cell("1d", 192, [0.0, 0.0]),
           "accuracy_trk1d_lambda0.3": cell("1d", 192, [0.0, 0.0])}
  trends = accuracy_claims.trends(cells)
  assert set(trends) == {"1d_L_slope", "1d_L_slope_dark"}  # one 2D cell: none
  # Points (-2, 6), (-2, 6.4), (0, 3), (0, 3.4): slope -6 / 4 = -1.5 per
  # doubling, fitted 6.2 at L/F = 0.25; residuals +-0.2 (squares sum 0.16,
  # df 2), se = sqrt(0.16 / 2 / 4); t_0.975(2) = 4.302653.
  fit = trends["1d_L_slope"]
  half = 4.302653 * np.sqrt(0.16 / 8)
  assert fit["cells"] == ["accuracy_det1d_L16", "accuracy_det1d_L64"]
  assert fit["slope"] == pytest.approx(-1.5) and fit["n"] == 4
  assert (fit["low"], fit["high"]) == pytest.approx((-1.5 - half, -1.5 + half),
                                                    abs=1e-5)
  assert fit["change_over_sweep_relative"] == pytest.approx(
      [(-1.5 - half) * 2 / 6.2, (-1.5 + half) * 2 / 6.2], abs=1e-5)
  assert fit["verdict"].startswith("falls")
  flat = trends["1d_L_slope_dark"]
  assert flat["slope"] == pytest.approx(0.0)
  assert flat["low"] == pytest.approx(0.0) == flat["high"]


def test_tail_slope_fits_only_the_last_quarter_of_the_run():
  # Steps 500 ... 8000; the last quarter is 6000 ... 8000, where the curve
  # falls 0.5 points per 1000 steps. The earlier points (a steep fall and a
  # spike) must not enter the fit.
  curve = [[s, 60.0 - s / 100.0] for s in range(500, 6000, 500)]
  curve[3][1] = 500.0
  curve += [[s, 10.0 - 0.5 * (s - 6000) / 1000.0] for s in range(6000, 8001, 500)]
  assert accuracy_claims.tail_slope(curve) == pytest.approx(-0.5)
  # Hand-computed least squares over steps 0, 1000, 2000 of 1, 0, 2:
  # slope = sum((x - 1000)(y - 1)) / sum((x - 1000)^2) = 1e3 / 2e6 per step.
  assert accuracy_claims.tail_slope([[0, 1.0], [1000, 0.0], [2000, 2.0]],
                          fraction=1.0) == pytest.approx(0.5)
  assert accuracy_claims.tail_slope([[8000, 3.0]]) is None
  assert accuracy_claims.tail_slope([]) is None
