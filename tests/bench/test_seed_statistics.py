"""bench/seed_statistics.py against hand-computed intervals and scipy's tests."""

import numpy as np
import pytest
from scipy import stats as scipy_stats

from bench import seed_statistics as stats


def test_welch_interval_by_hand():
  # a - b = -3; each variance of the mean 1/3, se = sqrt(2/3); Welch df =
  # (2/3)^2 / ((1/3)^2 / 2 * 2) = 4; t_0.975(4) = 2.776445.
  out = stats.welch([1.0, 2.0, 3.0], [4.0, 5.0, 6.0])
  se = np.sqrt(2 / 3)
  assert out["difference"] == -3.0 and out["df"] == pytest.approx(4.0)
  assert out["low"] == pytest.approx(-3 - 2.776445 * se, abs=1e-5)
  assert out["high"] == pytest.approx(-3 + 2.776445 * se, abs=1e-5)
  assert out["relative"] == pytest.approx(-1.5)  # of mean(reference) = 2
  # (t_0.975 + t_0.8) * se, t_0.8(4) = 0.940965.
  assert out["smallest_detectable"] == pytest.approx(
      (2.776445 + 0.940965) * se, abs=1e-5)


@pytest.mark.parametrize("seed", range(5))
def test_welch_interval_excludes_zero_exactly_when_scipy_rejects(seed):
  rng = np.random.default_rng(seed)
  a, b = rng.normal(5, 1, 3), rng.normal(5 + seed, 0.3 + seed, 4)
  out = stats.welch(a, b)
  p = scipy_stats.ttest_ind(a, b, equal_var=False).pvalue
  assert (out["low"] > 0 or out["high"] < 0) == (p < 0.05)


def test_paired_interval_uses_shared_seeds_only():
  reference = {0: 5.0, 1: 6.0, 2: 7.0, 3: 100.0}
  other = {0: 4.0, 1: 4.5, 2: 6.5}
  out = stats.paired(reference, other)
  d = np.array([1.0, 1.5, 0.5])
  assert out["seeds"] == [0, 1, 2]
  assert out["difference"] == pytest.approx(1.0)
  half = scipy_stats.t.ppf(0.975, 2) * d.std(ddof=1) / np.sqrt(3)
  assert (out["low"], out["high"]) == pytest.approx((1 - half, 1 + half))
  assert stats.paired({0: 1.0}, {0: 2.0}) is None


def test_verdicts_name_the_side_or_the_detectable_effect():
  assert stats.verdict(stats.welch([5, 5.1, 5.2], [4, 4.1, 4.2]), "B better",
                       "A better").startswith("B better")
  assert stats.verdict(stats.welch([4, 4.1, 4.2], [5, 5.1, 5.2]), "B better",
                       "A better").startswith("A better")
  unclear = stats.verdict(stats.welch([4, 5, 6], [4.5, 5.5, 6.5]), "B", "A")
  assert unclear.startswith("not shown") and "detect" in unclear
  assert stats.verdict(stats.welch([4.0], [5.0]), "B", "A") == (
      "one seed: no interval")


def test_summary_mean_and_sample_std():
  assert stats.summary([1.0, 2.0, 3.0]) == {"mean": 2.0, "std": 1.0, "n": 3}
  assert stats.summary([4.0])["std"] is None


def test_trend_slope_and_interval_by_hand():
  # x = 0, 1, 2; y = 1, 3, 2: slope = sum(dx dy) / sum(dx^2) = 1 / 2, intercept
  # 2 - 0.5 = 1.5; residuals -0.5, 1, -0.5 (sum of squares 1.5, df 1), so
  # se = sqrt(1.5 / 1 / 2); t_0.975(1) = 12.706205.
  out = stats.trend([0.0, 1.0, 2.0], [1.0, 3.0, 2.0])
  se = np.sqrt(0.75)
  assert out["slope"] == pytest.approx(0.5)
  assert out["intercept"] == pytest.approx(1.5)
  assert (out["df"], out["n"]) == (1, 3)
  assert out["low"] == pytest.approx(0.5 - 12.706205 * se, abs=1e-5)
  assert out["high"] == pytest.approx(0.5 + 12.706205 * se, abs=1e-5)


def test_trend_has_no_interval_without_spread_or_points():
  assert stats.trend([1.0, 1.0, 1.0], [1.0, 2.0, 3.0])["low"] is None
  two = stats.trend([0.0, 1.0], [1.0, 3.0])
  assert two["slope"] == pytest.approx(2.0) and two["low"] is None
