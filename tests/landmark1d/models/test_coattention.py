"""The co-attention layer against an independent NumPy reading of eq. 9-10."""

import numpy as np
import pytest

from landmark1d.models import coattention


def _softmax_rows(z):
  z = z - z.max(axis=-1, keepdims=True)
  e = np.exp(z)
  return e / e.sum(axis=-1, keepdims=True)


def _numpy_coattention(dx, dy, p, q, gamma):
  """eq. 9-10 in the paper's own layout: D^x (W x d), D^y (d x H), per k."""
  d = p.shape[1]
  out_x, out_y = np.empty_like(dx), np.empty_like(dy)
  for b in range(dx.shape[0]):
    for k in range(dx.shape[1]):
      dxk = dx[b, k]              # (W, d)
      dyk = dy[b, k].T            # the paper's D^y_k: (d, H)
      w_xy = _softmax_rows(dyk.T @ p @ dxk.T / np.sqrt(d))   # (H, W)
      w_yx = _softmax_rows(dxk @ q @ dyk / np.sqrt(d))       # (W, H)
      out_x[b, k] = dxk + gamma * w_yx @ dyk.T
      out_y[b, k] = (dyk + gamma * (w_xy @ dxk).T).T
  return out_x, out_y


def _layer_with_random_weights(gamma, dims, rng):
  layer = coattention.CoAttention(gamma)
  layer.build((None, 3, 7, dims), (None, 3, 5, dims))
  layer.p.assign(rng.normal(size=(dims, dims)).astype(np.float32))
  layer.q.assign(rng.normal(size=(dims, dims)).astype(np.float32))
  return layer


def _layer_and_inputs(gamma, seed):
  """A layer with random P, Q and random x (2, 3, 7, 4), y (2, 3, 5, 4)."""
  rng = np.random.default_rng(seed)
  layer = _layer_with_random_weights(gamma, 4, rng)
  x = rng.normal(size=(2, 3, 7, 4)).astype(np.float32)
  y = rng.normal(size=(2, 3, 5, 4)).astype(np.float32)
  return layer, x, y


def test_equals_numpy_eq_9_10_on_random_inputs():
  layer, x, y = _layer_and_inputs(0.3, seed=0)
  got_x, got_y = layer(x, y)
  want_x, want_y = _numpy_coattention(x, y, layer.p.numpy(), layer.q.numpy(),
                                      0.3)
  np.testing.assert_allclose(got_x, want_x, rtol=1e-5, atol=1e-5)
  np.testing.assert_allclose(got_y, want_y, rtol=1e-5, atol=1e-5)


def test_gamma_zero_is_the_identity():
  layer, x, y = _layer_and_inputs(0.0, seed=1)
  got_x, got_y = layer(x, y)
  np.testing.assert_array_equal(got_x, x)
  np.testing.assert_array_equal(got_y, y)


def test_attention_rows_are_distributions():
  layer, x, y = _layer_and_inputs(0.5, seed=2)
  _, _, w_yx, w_xy = layer(x, y, return_attention=True)
  assert w_yx.shape == (2, 3, 7, 5) and w_xy.shape == (2, 3, 5, 7)
  np.testing.assert_allclose(np.sum(w_yx, -1), 1.0, atol=1e-6)
  np.testing.assert_allclose(np.sum(w_xy, -1), 1.0, atol=1e-6)
  assert np.min(w_yx) >= 0 and np.min(w_xy) >= 0


def test_rejects_negative_gamma_and_mismatched_dims():
  with pytest.raises(ValueError, match="gamma"):
    coattention.CoAttention(-0.1)
  with pytest.raises(ValueError, match="equal size"):
    coattention.CoAttention(0.3)(np.zeros((1, 2, 4, 3), np.float32),
                                 np.zeros((1, 2, 4, 5), np.float32))
