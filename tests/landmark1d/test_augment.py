"""Augmentation keeps landmarks on the same image content (the dot test)."""

import numpy as np
import pytest
import tensorflow as tf

from landmark1d import augment
from landmark1d import coordinates


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
