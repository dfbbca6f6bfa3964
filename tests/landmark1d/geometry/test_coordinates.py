"""The pixel convention and the image <-> crop <-> heatmap maps."""

import numpy as np
import pytest

from landmark1d.geometry import coordinates


def test_pts_are_one_based():
  np.testing.assert_allclose(coordinates.from_pts(np.array([1.0, 1.0])),
                             [0.0, 0.0])
  np.testing.assert_allclose(coordinates.to_pts(coordinates.from_pts(
      np.array([3.5, 7.25]))), [3.5, 7.25])


def test_square_window_follows_fan_convention():
  window = coordinates.square_window([[10.0, 20.0, 110.0, 140.0]])
  side = 200.0 / 195.0 * (100.0 + 120.0)
  np.testing.assert_allclose(window, [[60.0, 80.0 - 0.12 * 120.0, side]],
                             rtol=1e-6)


def test_crop_maps_window_edges_to_crop_edges():
  # A window with edges at 0 and 100 resized to 50 px: crop pixel 0 covers
  # image [0, 2], so its centre is image 1.0; the window edge maps to -0.5.
  window = np.array([50.0, 50.0, 100.0], np.float32)
  points = np.array([[1.0, 1.0], [99.0, 99.0], [0.0, 0.0]], np.float32)
  crop = coordinates.image_to_crop(points, window, 50)
  np.testing.assert_allclose(crop, [[0.0, 0.0], [49.0, 49.0], [-0.5, -0.5]],
                             atol=1e-5)
  np.testing.assert_allclose(coordinates.crop_to_image(crop, window, 50),
                             points, atol=1e-5)


def test_crop_to_image_matrix_agrees_with_point_map():
  rng = np.random.default_rng(0)
  window = np.array([[120.0, 80.0, 64.0], [30.0, 40.0, 20.0]], np.float32)
  crop_points = rng.uniform(0, 32, size=(2, 5, 2)).astype(np.float32)
  matrix = coordinates.crop_to_image_matrix(window, 32)
  np.testing.assert_allclose(
      coordinates.apply_affine(crop_points, matrix),
      coordinates.crop_to_image(crop_points, window, 32), rtol=1e-5)


@pytest.mark.parametrize("length", [64, 256, 768])
def test_heatmap_map_is_eq_7(length):
  u = np.array([0.0, 10.0, length - 1.0])
  np.testing.assert_allclose(coordinates.heatmap_to_crop(u, 256, length),
                             u * 256 / length, rtol=1e-6)
  np.testing.assert_allclose(coordinates.crop_to_heatmap(
      coordinates.heatmap_to_crop(u, 256, length), 256, length), u, rtol=1e-5)


def test_similarity_fit_recovers_a_known_transform():
  rng = np.random.default_rng(3)
  source = rng.uniform(-20, 20, (7, 2))
  angle, scale, shift = 0.4, 2.5, np.array([30.0, -12.0])
  rotation = scale * np.array([[np.cos(angle), -np.sin(angle)],
                               [np.sin(angle), np.cos(angle)]])
  target = source @ rotation.T + shift
  matrix = coordinates.similarity_fit(source, target).numpy()
  np.testing.assert_allclose(matrix[:2, :2], rotation, atol=1e-5)
  np.testing.assert_allclose(matrix[:2, 2], shift, atol=1e-4)
  np.testing.assert_allclose(coordinates.apply_affine(source, matrix), target,
                             atol=1e-4)
  np.testing.assert_allclose(coordinates.tight_box(target),
                             [*target.min(0), *target.max(0)], rtol=1e-6)
