"""Head pose, outline marching and the pinhole camera for the synthetic faces.

A head pose rotates the face (see `face_model` for its frame) about the
frame's origin, between the nose bridge and the tip; a pinhole camera at
distance `camera_distance` on the +z axis projects it, and `scale` pixels per
unit and the image position `centre` of the origin place it in the image, in
the pixel convention of `landmark1d.geometry.coordinates`.

Outline marching: for a turned head the contour points 0-16 (and the cranium
and hair outlines) slide round the head to the silhouette, as 300-W's
annotators mark the visible edge of the face (`silhouette`, `head`).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from landmark1d_datasets.synthetic_faces import face_model

_SILHOUETTE_DEPTH = 0.7  # head depth over half-width, for outline marching


@dataclasses.dataclass(frozen=True)
class Pose:
  """Head rotation in degrees.

  Attributes:
    yaw: positive turns the nose towards the image's right.
    pitch: positive tilts the nose down.
    roll: positive rotates the face clockwise on screen.
  """

  yaw: float = 0.0
  pitch: float = 0.0
  roll: float = 0.0


def rotation(pose: Pose) -> np.ndarray:
  """`(3, 3)` rotation: yaw about y, then pitch about x, then roll about z."""
  yaw, pitch, roll = np.deg2rad([pose.yaw, pose.pitch, pose.roll])
  cy, sy = np.cos(yaw), np.sin(yaw)
  cp, sp = np.cos(pitch), np.sin(pitch)
  cr, sr = np.cos(roll), np.sin(roll)
  r_yaw = np.array([[cy, 0.0, sy], [0.0, 1.0, 0.0], [-sy, 0.0, cy]])
  r_pitch = np.array([[1.0, 0.0, 0.0], [0.0, cp, sp], [0.0, -sp, cp]])
  r_roll = np.array([[cr, -sr, 0.0], [sr, cr, 0.0], [0.0, 0.0, 1.0]])
  return r_roll @ r_pitch @ r_yaw


def project(points: np.ndarray, pose: Pose, centre, scale: float,
            camera_distance: float) -> np.ndarray:
  """Projects face-frame points into the image.

  Args:
    points: `(..., 3)` points in the face frame.
    pose: head rotation.
    centre: `(x, y)` image position of the face frame's origin, in pixels
      (see `landmark1d.geometry.coordinates` for the pixel convention).
    scale: pixels per face unit at the origin's depth.
    camera_distance: distance of the pinhole from the origin, in face units.

  Returns:
    `(..., 2)` image coordinates `(x, y)`, float64.
  """
  rotated = points @ rotation(pose).T
  # Points towards the camera (z > 0) are magnified.
  magnify = camera_distance / (camera_distance - rotated[..., 2:3])
  return np.asarray(centre, np.float64) + scale * magnify * rotated[..., :2]


def silhouette(points: np.ndarray, pose: Pose) -> np.ndarray:
  """Slides outline points round the head to where a turned head's edge is.

  Annotators mark the visible edge of a turned face, not fixed points on the
  skin (the 300-W contour "marches" round the head). Each point is moved
  along a horizontal elliptic arc through it (half-width |x|, depth 0.7 |x|)
  to the arc's outermost point as seen after the yaw: the far side's outline
  moves forwards onto the cheek, the near side's back round the head. A
  frontal pose leaves the points unchanged; pitch and roll do not change
  which points form the edge in this model.

  Args:
    points: `(K, 3)` outline points in the face frame.
    pose: head pose.

  Returns:
    `(K, 3)` moved points.
  """
  yaw = np.deg2rad(pose.yaw)
  side = np.where(points[:, 0] < 0, -1.0, 1.0)
  radius = np.abs(points[:, 0])
  depth = _SILHOUETTE_DEPTH * radius
  # Maximise side * x' = cos(yaw) r cos(t) + side sin(yaw) (z + d sin(t)).
  t = np.arctan2(side * np.sin(yaw) * depth, np.cos(yaw) * radius)
  moved = points.copy()
  moved[:, 0] = side * radius * np.cos(t)
  moved[:, 2] = points[:, 2] + depth * np.sin(t)
  return moved


def head(identity: face_model.Identity, expression: face_model.Expression,
         pose: Pose) -> tuple[np.ndarray, dict[str, np.ndarray]]:
  """Landmarks and guides of a posed head, with outlines on the silhouette.

  Args:
    identity: the person's proportions.
    expression: the expression.
    pose: head pose (only yaw moves the outline; see `silhouette`).

  Returns:
    `(landmarks (68, 3), guides)` in the face frame, ready for `project`:
    the contour points 0-16, the cranium and the hair outlines follow the
    silhouette for this pose.
  """
  points = face_model.landmarks_3d(identity, expression)
  guides = face_model.guides_3d(identity, points[:17])
  points[:17] = silhouette(points[:17], pose)
  guides["cranium"] = silhouette(guides["cranium"], pose)
  guides["hair_back"] = silhouette(guides["hair_back"], pose)
  arc = len(guides["hairline"])
  guides["hair_cap"][arc:] = silhouette(guides["hair_cap"][arc:], pose)
  return points, guides
