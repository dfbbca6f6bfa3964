"""Heatmap targets (eq. 2, 12) and decoders (eq. 7)."""

import math

import numpy as np
import pytest
import tensorflow as tf

from landmark1d.geometry import heatmaps
from landmark1d.geometry import quantization

F = 64


def _numpy_2d_target(point, crop_size, length, sigma):
  """Eq. 2 on the L x L grid, evaluated point by point."""
  s = sigma * length / crop_size
  ux, uy = point[0] * length / crop_size, point[1] * length / crop_size
  h = np.zeros((length, length))
  for y in range(length):
    for x in range(length):
      h[y, x] = math.exp(-((x - ux) ** 2 + (y - uy) ** 2) / (2 * s * s))
  return h


@pytest.mark.parametrize("length", [16, 64, 192])
def test_1d_targets_are_the_marginals_of_eq_12(length):
  points = np.array([[[10.3, 40.7], [0.2, 63.1], [31.5, 31.5]]], np.float32)
  sigma = 2.0
  hx, hy, mask = heatmaps.encode_1d(points, F, length, sigma)
  s = sigma * length / F
  for n, p in enumerate(points[0]):
    h2 = _numpy_2d_target(p, F, length, sigma)
    np.testing.assert_allclose(hx[0, n], h2.sum(axis=0) / (s * math.sqrt(
        2 * math.pi)), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(hy[0, n], h2.sum(axis=1) / (s * math.sqrt(
        2 * math.pi)), rtol=1e-5, atol=1e-6)
  np.testing.assert_array_equal(mask, [[1, 1, 1]])


def test_1d_targets_equal_marginals_of_the_2d_target():
  rng = np.random.default_rng(1)
  points = rng.uniform(-3, F + 3, size=(2, 5, 2)).astype(np.float32)
  hx, hy, mask1 = heatmaps.encode_1d(points, F, 32, 1.5)
  h2, mask2 = heatmaps.encode_2d(points, F, 32, 1.5)
  norm = 1.5 * 32 / F * math.sqrt(2 * math.pi)
  np.testing.assert_allclose(hx, tf.reduce_sum(h2, -2) / norm, atol=1e-5)
  np.testing.assert_allclose(hy, tf.reduce_sum(h2, -1) / norm, atol=1e-5)
  np.testing.assert_array_equal(mask1, mask2)


def test_2d_target_matches_eq_2_and_peaks_at_one():
  point = np.array([[20.25, 7.75]], np.float32)
  h2, _ = heatmaps.encode_2d(point, F, F, 2.0)
  np.testing.assert_allclose(h2[0], _numpy_2d_target(point[0], F, F, 2.0),
                             atol=1e-6)
  target, _ = heatmaps.encode_2d(np.array([[20.0, 8.0]], np.float32), F, F,
                                 2.0)
  assert float(tf.reduce_max(target)) == pytest.approx(1.0)
  assert np.unravel_index(np.argmax(target[0]), (F, F)) == (8, 20)


def test_1d_target_peak_is_one_away_from_the_border():
  hx, hy, _ = heatmaps.encode_1d(np.array([[32.0, 30.0]], np.float32), F,
                                 3 * F, 2.0)
  assert float(tf.reduce_max(hx)) == pytest.approx(1.0, abs=1e-4)
  assert float(tf.reduce_max(hy)) == pytest.approx(1.0, abs=1e-4)


def test_mask_drops_points_outside_the_crop_or_invisible():
  points = np.array([[[10.0, 10.0], [-2.0, 10.0], [10.0, 64.0], [5.0, 5.0]]],
                    np.float32)
  visible = np.array([[True, True, True, False]])
  hx, hy, mask = heatmaps.encode_1d(points, F, F, 1.0, visible=visible)
  np.testing.assert_array_equal(mask, [[1, 0, 0, 0]])
  assert float(tf.reduce_sum(hx[0, 1:])) == 0.0
  assert float(tf.reduce_sum(hy[0, 1:])) == 0.0


def _random_points(n, crop_size, sigma, seed=0):
  rng = np.random.default_rng(seed)
  margin = 4 * sigma
  return rng.uniform(margin, crop_size - 1 - margin,
                     size=(n, 1, 2)).astype(np.float32)


@pytest.mark.parametrize("length", [16, 32, 64, 96, 192])
def test_argmax_round_trip_error_never_exceeds_the_analytic_bound(length):
  points = _random_points(500, F, 3.0)
  hx, hy, _ = heatmaps.encode_1d(points, F, length, 3.0)
  decoded, _ = heatmaps.decode_1d(hx, hy, F, "argmax")
  per_axis = np.abs(decoded.numpy() - points)
  step = F / length
  assert per_axis.max() <= step / 2 + 1e-4
  euclid = np.linalg.norm(decoded.numpy() - points, axis=-1)
  assert euclid.max() <= quantization.max_argmax_error(F, length) + 1e-4
  # The mean matches the closed form for uniform sub-bin positions.
  assert euclid.mean() == pytest.approx(
      quantization.expected_argmax_error(F, length), rel=0.1)


@pytest.mark.parametrize("method", ["dark", "integral"])
@pytest.mark.parametrize("length", [16, 64, 192])
def test_subpixel_decoders_beat_argmax_by_a_wide_margin(method, length):
  sigma = 3.0
  points = _random_points(300, F, sigma, seed=2)
  hx, hy, _ = heatmaps.encode_1d(points, F, length, sigma)
  argmax, _ = heatmaps.decode_1d(hx, hy, F, "argmax")
  refined, _ = heatmaps.decode_1d(hx, hy, F, method, sigma=sigma)
  err_argmax = np.linalg.norm(argmax.numpy() - points, axis=-1).mean()
  err_refined = np.linalg.norm(refined.numpy() - points, axis=-1).mean()
  assert err_refined < err_argmax / 20
  assert err_refined < 0.05 * F / length  # a twentieth of a heatmap bin


@pytest.mark.parametrize("method", ["argmax", "dark", "integral"])
def test_2d_decoders_round_trip(method):
  sigma, length = 3.0, 32
  points = _random_points(50, F, sigma, seed=3)
  h2, _ = heatmaps.encode_2d(points, F, length, sigma)
  decoded, confidence = heatmaps.decode_2d(h2, F, method, sigma=sigma)
  err = np.linalg.norm(decoded.numpy() - points, axis=-1)
  step = F / length
  if method == "argmax":
    assert err.max() <= math.sqrt(2) * step / 2 + 1e-4
  else:
    assert err.mean() < 0.01
  assert confidence.shape == (50, 1)
  assert np.all(confidence.numpy() > 0.5)


def test_dark_smoothing_recovers_a_noisy_peak_better_than_argmax():
  sigma, length = 2.0, 192
  points = _random_points(200, F, sigma, seed=4)
  hx, hy, _ = heatmaps.encode_1d(points, F, length, sigma)
  rng = np.random.default_rng(5)
  noisy_x = hx + rng.normal(0, 0.02, hx.shape).astype(np.float32)
  noisy_y = hy + rng.normal(0, 0.02, hy.shape).astype(np.float32)
  argmax, _ = heatmaps.decode_1d(noisy_x, noisy_y, F, "argmax")
  dark, _ = heatmaps.decode_1d(noisy_x, noisy_y, F, "dark", sigma=sigma)
  err = lambda p: np.linalg.norm(p.numpy() - points, axis=-1).mean()
  assert err(dark) < err(argmax)


def test_encoding_and_decoding_run_inside_tf_data_and_tf_function():
  points = _random_points(8, F, 2.0, seed=6)[:, 0]  # (8, 2): one per example

  def to_targets(p):
    hx, hy, mask = heatmaps.encode_1d(p[None], F, 128, 2.0)
    return hx, hy, mask

  ds = tf.data.Dataset.from_tensor_slices(points).map(to_targets).batch(4)
  decode = tf.function(lambda hx, hy: heatmaps.decode_1d(hx, hy, F, "dark",
                                                          sigma=2.0)[0])
  decoded = np.concatenate([decode(hx, hy).numpy() for hx, hy, _ in ds])
  np.testing.assert_allclose(decoded[:, 0], points, atol=0.01)


def _dice_reference(h2, u, s):
  """NumPy Dice of a 2D heatmap `(L, L)` [y, x] and the eq. 2 target at u."""
  grid = np.arange(h2.shape[-1], dtype=np.float64)
  g = np.exp(-((grid[None, :] - u[0]) ** 2 + (grid[:, None] - u[1]) ** 2)
             / (2 * s * s))
  p = np.maximum(h2, 0.0)
  return 2 * (p * g).sum() / ((p * p).sum() + (g * g).sum())


def test_confidence_is_the_dice_similarity_with_the_target_at_the_decoded_point():
  length, crop, sigma = 16, 16, 2.0  # one bin per pixel, s = 2 bins
  grid = np.arange(length)
  hx = (0.8 * np.exp(-(grid - 5.0) ** 2 / 8) - 0.1).astype(np.float32)
  hy = (0.6 * np.exp(-(grid - 9.0) ** 2 / 2)
        + 0.3 * np.exp(-(grid - 2.0) ** 2 / 8)).astype(np.float32)
  decoded, confidence = heatmaps.decode_1d(hx[None], hy[None], crop, "argmax",
                                           sigma=sigma)
  np.testing.assert_allclose(decoded, [[5.0, 9.0]])
  # The 1D pair's score is that of its separable 2D heatmap hx(x) hy(y),
  # built here in full.
  want = _dice_reference(np.outer(np.maximum(hy, 0), np.maximum(hx, 0)),
                         (5.0, 9.0), sigma)
  np.testing.assert_allclose(confidence, [want], rtol=1e-5)
  h2 = np.outer(hy, hx)[None].astype(np.float32)
  decoded_2d, confidence_2d = heatmaps.decode_2d(h2, crop, "argmax", sigma)
  np.testing.assert_allclose(decoded_2d, [[5.0, 9.0]])
  np.testing.assert_allclose(
      confidence_2d, [_dice_reference(h2[0], (5.0, 9.0), sigma)], rtol=1e-5)


def test_confidence_is_one_for_the_targets_and_zero_for_empty_heatmaps():
  points = _random_points(20, F, 3.0, seed=7)
  hx, hy, _ = heatmaps.encode_1d(points, F, 64, 3.0)
  _, confidence = heatmaps.decode_1d(hx, hy, F, "dark", sigma=3.0)
  np.testing.assert_allclose(confidence, 1.0, atol=1e-3)
  h2, _ = heatmaps.encode_2d(points, F, 32, 3.0)
  np.testing.assert_allclose(heatmaps.decode_2d(h2, F, "dark", 3.0)[1], 1.0,
                             atol=1e-3)
  zeros = np.zeros((3, 2, 64), np.float32)
  np.testing.assert_array_equal(
      heatmaps.decode_1d(zeros, zeros, F, "argmax", 3.0)[1], 0.0)


@pytest.mark.parametrize("scale", [1e-30, 1.0, 50.0, 1e30])
def test_confidence_lies_in_0_1_for_any_heatmap(scale):
  rng = np.random.default_rng(8)
  hx = (scale * rng.normal(size=(64, 5, 48))).astype(np.float32)
  hy = (scale * rng.standard_cauchy(size=(64, 5, 48))).astype(np.float32)
  for decoder in heatmaps.DECODERS_1D:
    confidence = heatmaps.decode_1d(hx, hy, F, decoder, 2.0)[1].numpy()
    assert np.all((confidence >= 0) & (confidence <= 1))
  h2 = (scale * rng.standard_cauchy(size=(64, 5, 16, 16))).astype(np.float32)
  for decoder in heatmaps.DECODERS_2D:
    confidence = heatmaps.decode_2d(h2, F, decoder, 2.0)[1].numpy()
    assert np.all((confidence >= 0) & (confidence <= 1))


def test_confidence_needs_the_target_width():
  hx = np.ones((1, 16), np.float32)
  assert heatmaps.decode_1d(hx, hx, F, "argmax")[1] is None


@pytest.mark.parametrize("length", [0, -4])
def test_non_positive_length_is_a_value_error(length):
  with pytest.raises(ValueError, match="heatmap length L"):
    heatmaps.encode_1d(np.zeros((1, 2), np.float32), F, length, 1.0)


def test_nan_landmarks_are_a_value_error():
  points = np.array([[1.0, np.nan]], np.float32)
  with pytest.raises(ValueError, match="landmarks contains NaN"):
    heatmaps.encode_1d(points, F, 16, 1.0)
  with pytest.raises(ValueError, match="landmarks contains NaN"):
    heatmaps.encode_2d(points, F, 16, 1.0)


def test_nan_landmarks_fail_loudly_inside_a_graph():
  fn = tf.function(lambda p: heatmaps.encode_1d(p, F, 16, 1.0)[0])
  with pytest.raises(tf.errors.InvalidArgumentError, match="NaN"):
    fn(tf.constant([[1.0, np.nan]]))


def test_mismatched_shapes_are_value_errors():
  with pytest.raises(ValueError, match=r"shape \(\.\.\., N, 2\)"):
    heatmaps.encode_1d(np.zeros((4, 3), np.float32), F, 16, 1.0)
  with pytest.raises(ValueError, match="visible has shape"):
    heatmaps.encode_1d(np.zeros((4, 2), np.float32), F, 16, 1.0,
                       visible=np.ones(5, bool))
  with pytest.raises(ValueError, match="equal shapes"):
    heatmaps.decode_1d(np.zeros((2, 16)), np.zeros((3, 16)), F)
  with pytest.raises(ValueError, match="Unknown 1D decoder"):
    heatmaps.decode_1d(np.zeros((2, 16)), np.zeros((2, 16)), F, "median")
  with pytest.raises(ValueError, match="sigma must be > 0"):
    heatmaps.encode_2d(np.zeros((4, 2), np.float32), F, 16, 0.0)
