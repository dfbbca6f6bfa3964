"""The jitter filters follow their definitions: EMA and One Euro (CHI 2012)."""

import math

import numpy as np
import pytest

from landmark1d.geometry import temporal_filters


def _first_order_closed_form(x, alpha):
  """y_t = (1 - a)^t x_0 + sum_{s=1..t} a (1 - a)^(t - s) x_s, per t."""
  x = np.asarray(x, np.float64)
  return np.stack([
      (1 - alpha) ** t * x[0]
      + sum(alpha * (1 - alpha) ** (t - s) * x[s] for s in range(1, t + 1))
      for t in range(len(x))])


def test_ema_equals_its_closed_form_sum():
  x = np.random.default_rng(0).normal(size=(7, 3, 2))
  ema = temporal_filters.ExponentialMovingAverage(0.3)
  np.testing.assert_allclose(temporal_filters.filter_sequence(x, ema),
                             _first_order_closed_form(x, 0.3), atol=1e-12)


def test_ema_alpha_one_passes_the_input_through():
  x = np.random.default_rng(1).normal(size=(4, 5))
  ema = temporal_filters.make_filter("ema", alpha=1.0)
  np.testing.assert_array_equal(temporal_filters.filter_sequence(x, ema), x)


def test_one_euro_matches_the_hand_computed_steps():
  # frequency = 2 pi, so T_e = 1 / (2 pi) and tau / T_e = 2 pi / (2 pi f_c)
  # = 1 / f_c: alpha(f_c) = f_c / (1 + f_c). d_cutoff = 1: alpha_d = 1/2.
  # beta = 1 / (2 pi) cancels the 2 pi of dx = (x - xhat) / T_e, so
  # f_c = 1 + |dxhat| / (2 pi).
  #   t0: x = 0 passes through; xhat = 0, dxhat = 0.
  #   t1: x = 2: dx = 2 * 2pi = 4pi; dxhat = 0 + (4pi - 0) / 2 = 2pi;
  #       f_c = 1 + 1 = 2, alpha = 2/3; xhat = 0 + 2/3 * 2 = 4/3.
  #   t2: x = 2: dx = (2 - 4/3) 2pi = 4pi/3; dxhat = 2pi + (4pi/3 - 2pi) / 2
  #       = 5pi/3; f_c = 1 + 5/6 = 11/6, alpha = 11/17;
  #       xhat = 4/3 + 11/17 * 2/3 = 30/17.
  #   t3: x = 0: dx = -30/17 * 2pi = -60pi/17;
  #       dxhat = (5pi/3 - 60pi/17) / 2 = -95pi/102; f_c = 1 + 95/204 = 299/204,
  #       alpha = 299/503; xhat = 30/17 (1 - 299/503) = 30/17 * 204/503
  #       = 360/503.
  want = np.array([0.0, 4 / 3, 30 / 17, 360 / 503])
  x = np.array([0.0, 2.0, 2.0, 0.0])
  # Columns: the sequence, its negative (|dxhat| is symmetric), a constant.
  samples = np.stack([x, -x, np.full(4, 5.0)], -1)
  filt = temporal_filters.OneEuroFilter(
      min_cutoff=1.0, beta=1 / (2 * math.pi), d_cutoff=1.0,
      frequency=2 * math.pi)
  got = temporal_filters.filter_sequence(samples, filt)
  np.testing.assert_allclose(got, np.stack([want, -want, np.full(4, 5.0)],
                                           -1), atol=1e-12)
  # The same steps from timestamps 1 / (2 pi) apart; frequency is then unused.
  timed = temporal_filters.OneEuroFilter(
      min_cutoff=1.0, beta=1 / (2 * math.pi), d_cutoff=1.0, frequency=99.0)
  steps = [timed(v, timestamp=10 + t / (2 * math.pi)) for t, v in
           enumerate(x)]
  np.testing.assert_allclose(steps, want, atol=1e-12)


def test_one_euro_keeps_a_constant_signal_constant():
  value = np.random.default_rng(2).uniform(0, 200, size=(2, 68, 2))
  filt = temporal_filters.OneEuroFilter(min_cutoff=0.5, beta=3.0)
  for _ in range(10):
    np.testing.assert_array_equal(filt(value), value)


def test_one_euro_with_beta_zero_is_a_first_order_low_pass_at_min_cutoff():
  min_cutoff, frequency = 1.5, 30.0
  tau = 1 / (2 * math.pi * min_cutoff)
  alpha = 1 / (1 + tau * frequency)
  x = np.random.default_rng(3).normal(size=(8, 4, 2)) * 10
  filt = temporal_filters.OneEuroFilter(min_cutoff=min_cutoff, beta=0.0,
                                        frequency=frequency)
  np.testing.assert_allclose(temporal_filters.filter_sequence(x, filt),
                             _first_order_closed_form(x, alpha), atol=1e-10)


def test_one_euro_with_large_beta_follows_a_step_quickly():
  x = np.concatenate([np.zeros(5), np.full(5, 10.0)])
  fast = temporal_filters.OneEuroFilter(min_cutoff=1.0, beta=100.0)
  slow = temporal_filters.OneEuroFilter(min_cutoff=1.0, beta=0.0)
  fast_y = temporal_filters.filter_sequence(x, fast)
  slow_y = temporal_filters.filter_sequence(x, slow)
  # One frame after the step the fast filter is within 1 % of it; the fixed
  # 1 Hz low-pass (alpha = 0.17 at 30 Hz) has covered a sixth of it.
  assert abs(fast_y[5] - 10.0) < 0.1
  assert slow_y[5] < 2.0


def test_ema_and_one_euro_reset_forget_the_past_and_allow_a_new_shape():
  for filt in (temporal_filters.ExponentialMovingAverage(0.2),
               temporal_filters.OneEuroFilter(beta=1.0)):
    filt(np.zeros((2, 3)))
    filt(np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"shape \(1, 3\).*reset\(\)"):
      filt(np.ones((1, 3)))
    filt.reset()
    fresh = np.full((1, 3), 7.0)
    np.testing.assert_array_equal(filt(fresh), fresh)


def test_ema_and_one_euro_keep_float32_and_reject_non_finite_samples():
  for filt in (temporal_filters.ExponentialMovingAverage(0.5),
               temporal_filters.OneEuroFilter()):
    assert filt(np.ones((3, 2), np.float32)).dtype == np.float32
    with pytest.raises(ValueError, match="finite"):
      filt(np.full((3, 2), np.nan))


@pytest.mark.parametrize("name,params,message", [
    ("ema", {"alpha": 0.0}, r"alpha must be in \(0, 1\], got 0.0"),
    ("ema", {"alpha": 1.5}, r"alpha must be in \(0, 1\]"),
    ("one_euro", {"min_cutoff": -1.0}, "min_cutoff must be a finite number"),
    ("one_euro", {"beta": -0.1}, "beta must be a finite number >= 0"),
    ("one_euro", {"d_cutoff": 0.0}, "d_cutoff must be"),
    ("one_euro", {"frequency": float("inf")}, "frequency must be"),
    ("one_euro", {"alpha": 0.5},
     "unknown parameter.*alpha.*min_cutoff, beta, d_cutoff, frequency"),
    ("ema", {"beta": 0.5}, "unknown parameter.*beta.*expected alpha"),
    ("kalman", {}, "unknown filter 'kalman'.*none, ema, one_euro")])
def test_make_filter_ema_one_euro_bad_names_and_values_say_what_was_expected(
    name, params, message):
  with pytest.raises(ValueError, match=message):
    temporal_filters.make_filter(name, **params)


def test_none_instead_of_ema_or_one_euro_leaves_sequences_unfiltered():
  assert temporal_filters.make_filter("none") is None
  x = np.arange(6.0).reshape(3, 2)
  np.testing.assert_array_equal(temporal_filters.filter_sequence(x, None), x)


def test_filter_sequence_resets_first_so_one_euro_and_ema_runs_repeat():
  x = np.random.default_rng(4).normal(size=(6, 2))
  for filt in (temporal_filters.make_filter("ema", alpha=0.4),
               temporal_filters.make_filter("one_euro", beta=0.5)):
    filt(np.full(2, 100.0))  # left-over state from another video
    first = temporal_filters.filter_sequence(x, filt)
    np.testing.assert_array_equal(first[0], x[0])
    np.testing.assert_array_equal(temporal_filters.filter_sequence(x, filt),
                                  first)
