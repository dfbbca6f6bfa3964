"""Head pose, pinhole projection and outline marching."""

import numpy as np
import pytest

from landmark1d_datasets.synthetic_faces import camera
from landmark1d_datasets.synthetic_faces import face_model


def _person(seed):
  rng = np.random.default_rng(seed)
  return face_model.sample_identity(rng), face_model.sample_expression(rng)


def test_rotation_is_a_proper_rotation():
  r = camera.rotation(camera.Pose(31.0, -12.0, 7.0))
  np.testing.assert_allclose(r @ r.T, np.eye(3), atol=1e-12)
  assert np.linalg.det(r) == pytest.approx(1.0)


def test_projection_is_a_pinhole_in_closed_form():
  centre, scale, distance = (50.0, 40.0), 20.0, 8.0
  point = np.array([[0.3, -0.2, 0.5]])
  frontal = camera.project(point, camera.Pose(), centre, scale,
                               distance)
  magnify = distance / (distance - 0.5)
  np.testing.assert_allclose(frontal[0], [50 + 20 * 0.3 * magnify,
                                          40 - 20 * 0.2 * magnify])
  # A 90-degree yaw turns the nose (+z) towards the image's right.
  nose = camera.project(np.array([[0.0, 0.0, 1.0]]),
                            camera.Pose(yaw=90.0), centre, scale,
                            distance)
  np.testing.assert_allclose(nose[0], [70.0, 40.0], atol=1e-12)
  # A 90-degree roll turns +x into +y: clockwise on screen (y points down).
  side = camera.project(np.array([[1.0, 0.0, 0.0]]),
                            camera.Pose(roll=90.0), centre, scale,
                            distance)
  np.testing.assert_allclose(side[0], [50.0, 60.0], atol=1e-12)


def test_silhouette_is_the_outermost_point_of_each_arc_after_yaw():
  identity, expression = _person(3)
  jaw = face_model.landmarks_3d(identity, expression)[:17]
  pose = camera.Pose(yaw=28.0)
  moved = camera.silhouette(jaw, pose)
  rot = camera.rotation(pose)
  t = np.linspace(-np.pi / 2, np.pi / 2, 20001)
  for point, slid in zip(jaw, moved):
    side = -1.0 if point[0] < 0 else 1.0
    r = abs(point[0])
    arc = np.stack([side * r * np.cos(t), np.full_like(t, point[1]),
                    point[2] + 0.7 * r * np.sin(t)], 1)
    best = (side * (arc @ rot.T)[:, 0]).max()
    assert side * (rot @ slid)[0] == pytest.approx(best, abs=1e-6)
  # Positive yaw turns the x > 0 side away: its outline moves forwards.
  far = jaw[:, 0] > 0.3
  assert np.all(moved[far, 2] > jaw[far, 2])
  np.testing.assert_allclose(camera.silhouette(jaw, camera.Pose()),
                             jaw, atol=1e-12)


def test_guides_close_the_outline_from_point_16_over_the_head_to_point_0():
  identity, expression = _person(1)
  points, guides = camera.head(identity, expression,
                                   camera.Pose(yaw=10.0))
  assert set(guides) == set(face_model.GUIDES)
  cranium = guides["cranium"]
  # Runs from the x > 0 temple (next to point 16) to the x < 0 one (point 0),
  # passing above the brows.
  assert cranium[0, 0] > 0 > cranium[-1, 0]
  assert np.linalg.norm(cranium[0] - points[16]) < np.linalg.norm(
      cranium[-1] - points[16])
  assert cranium[:, 1].min() < points[17:27, 1].min()
