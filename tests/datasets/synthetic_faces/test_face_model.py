"""3D face geometry: iBUG layout, mirror symmetry, expression."""

import dataclasses

import numpy as np
import pytest

from landmark1d.geometry import landmark_sets
from landmark1d_datasets.synthetic_faces import camera
from landmark1d_datasets.synthetic_faces import face_model

IBUG = landmark_sets.IBUG68
MIRROR = np.array([-1.0, 1.0, 1.0])


def _person(seed):
  rng = np.random.default_rng(seed)
  return face_model.sample_identity(rng), face_model.sample_expression(rng)


@pytest.mark.parametrize("seed", range(5))
def test_face_with_both_eyes_equally_open_is_symmetric_under_the_flip(seed):
  identity, expression = _person(seed)
  expression = dataclasses.replace(
      expression, left_eye_open=expression.right_eye_open)
  points = face_model.landmarks_3d(identity, expression)
  mirrored = (points * MIRROR)[list(IBUG.flip_permutation)]
  np.testing.assert_allclose(mirrored, points, atol=1e-12)


def test_points_follow_the_ibug_names_in_a_frontal_view():
  points = camera.project(
      face_model.landmarks_3d(face_model.Identity(), face_model.Expression()),
      camera.Pose(), centre=(64.0, 64.0), scale=30.0, camera_distance=10)
  x, y = points[:, 0], points[:, 1]
  right_eye, left_eye = list(range(36, 42)), list(range(42, 48))
  # The subject's right side appears on the image's left.
  assert x[right_eye].max() < x[left_eye].min()
  assert x[0] < x[8] < x[16] and y[8] == y[:17].max()  # chin lowest
  assert x[IBUG.index("right_eye_outer")] == x[right_eye].min()
  assert x[IBUG.index("left_eye_outer")] == x[left_eye].max()
  # Upper lid points lie above the corners' line, lower lid points below.
  for upper, lower in ((37, 41), (38, 40), (43, 47), (44, 46)):
    assert y[upper] < y[lower]
  assert y[19] < y[37] < y[30] < y[33] < y[51] < y[57] < y[8]
  assert x[48] < x[51] < x[54] and x[31] < x[33] < x[35]


def test_opening_the_mouth_drops_jaw_and_lower_lip_and_parts_the_lips():
  identity = face_model.Identity()
  closed = face_model.landmarks_3d(identity, face_model.Expression())
  opened = face_model.landmarks_3d(identity,
                                   face_model.Expression(mouth_open=1.0))
  drop = opened[:, 1] - closed[:, 1]
  assert drop[8] == drop.max() > 0.2  # the chin moves most
  assert np.all(drop[[55, 56, 57, 58, 59, 65, 66, 67]] > 0.15)
  assert drop[66] - drop[62] > 0.15  # the inner lips part
  np.testing.assert_array_equal(drop[17:48], 0.0)  # brows, nose, eyes stay
  np.testing.assert_array_equal(drop[[50, 51, 52]], 0.0)  # upper lip's bow
  # Closed lips meet: inner upper and lower points coincide.
  np.testing.assert_allclose(closed[[61, 62, 63], 1], closed[[67, 66, 65], 1],
                             atol=0.01)


def test_closed_eyes_have_touching_lids():
  points = face_model.landmarks_3d(
      face_model.Identity(),
      face_model.Expression(right_eye_open=0.0, left_eye_open=1.0))
  np.testing.assert_allclose(points[[37, 38], 1], points[[41, 40], 1],
                             atol=1e-3)
  assert points[47, 1] - points[43, 1] > 0.1
