"""Exact-coverage rasteriser vs closed forms and a supersampled reference."""

import numpy as np
import pytest
from matplotlib import path as mpath

from landmark1d_datasets.synthetic_faces import raster


def _shoelace(points):
  x, y = points[:, 0], points[:, 1]
  return 0.5 * abs(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1)))


def _star_polygon(rng, count, centre, radius):
  angles = np.sort(rng.uniform(0, 2 * np.pi, count))
  radii = rng.uniform(0.4, 1.0, count) * radius
  return centre + np.stack([radii * np.cos(angles), radii * np.sin(angles)], 1)


def _supersampled(points, height, width, sub=16):
  """Fraction of a sub x sub grid of sample points inside, per pixel."""
  offsets = (np.arange(sub) + 0.5) / sub - 0.5
  ys, xs = np.meshgrid(np.arange(height)[:, None] + offsets[None, :],
                       np.arange(width)[:, None] + offsets[None, :],
                       indexing="ij")
  samples = np.stack([xs.reshape(height, sub, width, sub),
                      ys.reshape(height, sub, width, sub)], -1)
  inside = mpath.Path(points).contains_points(samples.reshape(-1, 2))
  return inside.reshape(height, sub, width, sub).mean(axis=(1, 3))


def _full(coverage, height, width):
  image = np.zeros((height, width))
  h, w = coverage.alpha.shape
  image[coverage.row:coverage.row + h, coverage.col:coverage.col + w] = (
      coverage.alpha)
  return image


@pytest.mark.parametrize("seed", range(4))
def test_polygon_coverage_sums_to_the_shoelace_area(seed):
  rng = np.random.default_rng(seed)
  points = _star_polygon(rng, 9, rng.uniform(15, 25, 2), 12.0)
  coverage = raster.polygon(points, 40, 40)
  assert coverage.alpha.sum() == pytest.approx(_shoelace(points), rel=1e-5)


def test_polygon_coverage_matches_a_supersampled_reference_per_pixel():
  rng = np.random.default_rng(7)
  points = _star_polygon(rng, 11, np.array([10.3, 9.7]), 8.0)
  ours = _full(raster.polygon(points, 20, 20), 20, 20)
  reference = _supersampled(points, 20, 20)
  # 16 x 16 point sampling is within about 1/16 of the area per pixel.
  assert np.abs(ours - reference).max() < 0.07
  assert np.abs(ours - reference).mean() < 0.005


def test_polygon_is_clipped_to_the_image_edges():
  # Pixel squares cover [-0.5, 19.5]^2; the rectangle overlaps them over
  # x in [-0.5, 7.7] and y in [2.2, 19.5].
  rect = np.array([[-5.3, 2.2], [7.7, 2.2], [7.7, 30.6], [-5.3, 30.6]])
  coverage = raster.polygon(rect, 20, 20)
  assert coverage.alpha.sum() == pytest.approx(8.2 * 17.3, rel=1e-6)
  assert coverage.alpha.max() == 1.0
  assert raster.polygon(rect + [40.0, 0.0], 20, 20) is None


def test_polygon_edge_coverage_follows_subpixel_position():
  # A vertical edge at x = 5.3 covers 0.8 of column 5 (x in [4.5, 5.5]) to
  # its left, whatever OpenCV's row snapping would do.
  rect = np.array([[0.0, 2.37], [5.3, 2.37], [5.3, 8.61], [0.0, 8.61]])
  alpha = _full(raster.polygon(rect, 12, 12), 12, 12)
  assert alpha[5, 5] == pytest.approx(0.8, abs=1e-6)
  assert alpha[2, 3] == pytest.approx(0.13, abs=1e-6)  # rows 2.37 .. 2.5
  assert alpha[8, 3] == 1.0
  assert alpha[9, 3] == pytest.approx(0.11, abs=1e-6)  # rows 8.5 .. 8.61


def test_ellipse_area_matches_pi_a_b():
  coverage = raster.ellipse((20.4, 18.9), (9.0, 5.5), 0.6, 40, 40)
  assert coverage.alpha.sum() == pytest.approx(np.pi * 9.0 * 5.5, rel=1e-4)


def test_horizontal_stroke_has_exact_width_and_centre():
  coverage = raster.stroke([[5.0, 10.3], [30.0, 10.3]], 3.0, 24, 40)
  alpha = _full(coverage, 24, 40)
  middle = alpha[:, 10:25]
  rows = np.arange(24)[:, None]
  np.testing.assert_allclose(middle.sum(axis=0), 3.0, atol=1e-6)
  np.testing.assert_allclose((middle * rows).sum(0) / middle.sum(0), 10.3,
                             atol=1e-6)


def test_slanted_stroke_stays_centred_on_its_line():
  a, b = np.array([4.2, 5.1]), np.array([33.7, 21.4])
  alpha = _full(raster.stroke([a, b], 2.5, 30, 40), 30, 40)
  ys, xs = np.mgrid[0:30, 0:40]
  normal = np.array([-(b - a)[1], (b - a)[0]]) / np.linalg.norm(b - a)
  offset = (xs - a[0]) * normal[0] + (ys - a[1]) * normal[1]
  along = ((xs - a[0]) * (b - a)[0] + (ys - a[1]) * (b - a)[1]) / np.dot(
      b - a, b - a)
  body = (along > 0.2) & (along < 0.8)
  weights = alpha * body
  assert abs((weights * offset).sum() / weights.sum()) < 0.01
  # Area of the body: width times the body's length along the line.
  assert weights.sum() == pytest.approx(2.5 * 0.6 * np.linalg.norm(b - a),
                                        rel=0.01)


def test_paint_blends_by_coverage_and_opacity():
  canvas = np.full((4, 4, 3), 10.0, np.float32)
  coverage = raster.Coverage(1, 2, np.array([[0.25, 1.0]], np.float32))
  raster.paint(canvas, coverage, (110.0, 10.0, 210.0), opacity=0.5)
  np.testing.assert_allclose(canvas[1, 2], [22.5, 10.0, 35.0])
  np.testing.assert_allclose(canvas[1, 3], [60.0, 10.0, 110.0])
  assert (canvas[0] == 10.0).all() and (canvas[2:] == 10.0).all()
