"""Temporal layers: eq. 13's closed form, streaming equals clip mode."""

import numpy as np
import pytest

from landmark1d.models import fusion


def _closed_form(u, lam):
  """eq. 13: V_t = U_t + sum_{tau < t} lam^(t - tau) U_tau."""
  v = np.zeros_like(u)
  for t in range(u.shape[1]):
    v[:, t] = u[:, t] + sum(lam ** (t - tau) * u[:, tau] for tau in range(t))
  return v


@pytest.mark.parametrize("lam", [0.0, 0.3, 1.0])
def test_clip_mode_equals_eq_13(lam):
  u = np.random.default_rng(0).normal(size=(2, 6, 5, 3)).astype(np.float32)
  v, (last,) = fusion.TemporalFusion(lam)(u)
  np.testing.assert_allclose(v, _closed_form(u, lam), rtol=1e-5, atol=1e-5)
  np.testing.assert_allclose(last, v[:, -1])


def test_lambda_zero_passes_each_frame_through():
  u = np.random.default_rng(1).normal(size=(2, 4, 7)).astype(np.float32)
  v, _ = fusion.TemporalFusion(0.0)(u)
  np.testing.assert_array_equal(v, u)


def test_streaming_equals_clip_and_clip_halves_chain():
  u = np.random.default_rng(2).normal(size=(3, 8, 4)).astype(np.float32)
  layer = fusion.TemporalFusion(0.3)
  whole, _ = layer(u)
  states = None
  for t in range(8):
    v, states = layer(u[:, t], states, step=True)
    np.testing.assert_allclose(v, whole[:, t], rtol=1e-5, atol=1e-6)
  first, states = layer(u[:, :5])
  second, _ = layer(u[:, 5:], states)
  np.testing.assert_allclose(np.concatenate([first, second], 1), whole,
                             rtol=1e-5, atol=1e-6)


def test_zero_state_resets_the_memory():
  u = np.random.default_rng(3).normal(size=(1, 5, 2)).astype(np.float32)
  layer = fusion.TemporalFusion(0.5)
  _, states = layer(u)
  after_reset, _ = layer(u, [np.zeros_like(states[0])])
  fresh, _ = layer(u)
  np.testing.assert_allclose(after_reset, fresh)


def test_lambda_outside_unit_interval_is_rejected():
  with pytest.raises(ValueError, match=r"\[0, 1\]"):
    fusion.TemporalFusion(1.5)


def test_convlstm_streaming_equals_clip_mode():
  u = np.random.default_rng(4).normal(size=(2, 5, 4, 4, 3)).astype(np.float32)
  layer = fusion.ConvLSTMFusion(filters=6)
  whole, (h, c) = layer(u)
  assert whole.shape == (2, 5, 4, 4, 6) and h.shape == (2, 4, 4, 6)
  states = [np.zeros((2, 4, 4, 6), np.float32)] * 2
  for t in range(5):
    v, states = layer(u[:, t], states, step=True)
    np.testing.assert_allclose(v, whole[:, t], rtol=1e-4, atol=1e-5)
  np.testing.assert_allclose(states[1], c, rtol=1e-4, atol=1e-5)
