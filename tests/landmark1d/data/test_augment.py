"""Augmentation keeps landmarks on the same image content (the dot test)."""

import numpy as np
import pytest
import tensorflow as tf

from landmark1d.data import augment
from landmark1d.geometry import coordinates


def _dot_image(size, point):
  image = np.zeros((size, size, 3), np.float32)
  x, y = int(point[0]), int(point[1])
  image[y - 1:y + 2, x - 1:x + 2] = 1.0  # a 3x3 dot centred on the pixel
  return image


@pytest.mark.parametrize("seed", range(6))
def test_warped_dot_lands_where_the_inverse_map_sends_its_landmark(seed):
  size = 64
  params = augment.AugmentParams(rotation=30, scale=0.25, translate=0.05,
                                 flip=True, color=False, occlusion=0)
  point = np.array([[24.0, 37.0]], np.float32)
  matrix, _ = augment.random_affine(tf.constant([seed, 7], tf.int64), params,
                                    size)
  warped = augment.warp(_dot_image(size, point[0]), matrix, size).numpy()
  moved = coordinates.apply_affine(point, tf.linalg.inv(matrix)).numpy()[0]
  weights = warped[..., 0]
  ys, xs = np.mgrid[:size, :size]
  centroid = np.array([(weights * xs).sum(), (weights * ys).sum()]) / (
      weights.sum())
  np.testing.assert_allclose(centroid, moved, atol=0.5)


def test_identity_parameters_give_the_identity_warp():
  params = augment.AugmentParams(rotation=0, scale=0, translate=0, flip=False,
                                 color=False, occlusion=0)
  matrix, flipped = augment.random_affine(tf.constant([1, 2], tf.int64),
                                          params, 32)
  np.testing.assert_allclose(matrix, np.eye(3), atol=1e-6)
  assert not bool(flipped)
  image = np.random.default_rng(0).random((32, 32, 3)).astype(np.float32)
  np.testing.assert_allclose(augment.warp(image, matrix, 32), image,
                             atol=1e-6)


def test_same_seed_same_draw_and_colour_stays_in_range():
  params = augment.AugmentParams(occlusion=1.0)
  seed = tf.constant([5, 9], tf.int64)
  a, _ = augment.random_affine(seed, params, 64)
  b, _ = augment.random_affine(seed, params, 64)
  np.testing.assert_array_equal(a, b)
  image = np.full((16, 16, 3), 0.5, np.float32)
  out = augment.photometric(image, seed, params).numpy()
  assert out.min() >= 0 and out.max() <= 1
  np.testing.assert_array_equal(out, augment.photometric(image, seed,
                                                         params).numpy())


def test_bad_ranges_are_rejected_by_name():
  with pytest.raises(ValueError, match="rotation"):
    augment.AugmentParams(rotation=270)


_YIQ = np.array([[0.299, 0.587, 0.114], [0.595716, -0.274453, -0.321263],
                 [0.211456, -0.522591, 0.311135]])


def _numpy_jitter(image, delta, contrast, saturation, hue_turns):
  """Reference: brightness, contrast about channel means, luma blend, YIQ hue
  rotation, each applied as its own step."""
  x = image + delta
  x = (x - x.mean((0, 1))) * contrast + x.mean((0, 1))
  luma = (x @ _YIQ[0])[..., None]
  x = luma + saturation * (x - luma)
  q = x @ _YIQ.T
  a = 2 * np.pi * hue_turns
  i, j = q[..., 1].copy(), q[..., 2].copy()
  q[..., 1] = np.cos(a) * i - np.sin(a) * j
  q[..., 2] = np.sin(a) * i + np.cos(a) * j
  return np.clip(q @ np.linalg.inv(_YIQ).T, 0, 1)


@pytest.mark.parametrize("seed", [(2, 8), (11, 3)])
def test_color_jitter_equals_the_four_steps_applied_one_by_one(seed):
  image = np.random.default_rng(6).uniform(0.2, 0.8, (5, 7, 3))
  seed = tf.constant(seed, tf.int64)
  # The factors the function draws, recovered with the same stateless draws.
  s = tf.random.experimental.stateless_split(seed, 4)
  draw = lambda k, lo, hi: float(tf.random.stateless_uniform([], s[k], lo, hi))
  expected = _numpy_jitter(image, draw(0, -0.2, 0.2), draw(1, 0.7, 1.3),
                           draw(2, 0.7, 1.3), draw(3, -0.04, 0.04))
  out = augment.color_jitter(tf.constant(image, tf.float32), seed).numpy()
  np.testing.assert_allclose(out, expected, atol=1e-5)


def test_hue_rotation_keeps_luma_and_saturation_scales_channel_spread():
  image = np.random.default_rng(5).uniform(0.3, 0.7, (6, 6, 3))
  half_turn = augment.colour_matrix(1.0, 0.5).numpy()
  np.testing.assert_allclose((image @ half_turn.T) @ _YIQ[0],
                             image @ _YIQ[0], atol=1e-5)
  desaturated = image @ augment.colour_matrix(0.25, 0.0).numpy().T
  np.testing.assert_allclose(np.ptp(desaturated, -1),
                             0.25 * np.ptp(image, -1), atol=1e-5)


def test_occlusion_pastes_one_noise_rectangle_or_nothing():
  image = np.full((40, 40, 3), 0.5, np.float32)
  always = augment.occlude(image, tf.constant([1, 4], tf.int64), 1.0).numpy()
  changed = np.any(always != 0.5, -1)
  ys, xs = np.nonzero(changed)
  # The changed pixels fill their bounding box, 10-40 % of the side each way.
  box = changed[ys.min():ys.max() + 1, xs.min():xs.max() + 1]
  assert box.mean() > 0.99
  assert 4 <= box.shape[0] <= 17 and 4 <= box.shape[1] <= 17
  never = augment.occlude(image, tf.constant([1, 4], tf.int64), 0.0).numpy()
  np.testing.assert_array_equal(never, image)
