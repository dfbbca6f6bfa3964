"""Procedural 3D face geometry: the 68 iBUG points, identity and expression.

The synthetic faces are built from arcs, ellipses and curves with depth, not
from a learned shape model. Everything here is NumPy float64 and deterministic.

Face frame: units are the half-width of the face at the cheeks; x points to the
image's right in a frontal view (towards the subject's left), y points down, z
points towards the camera. The subject's right half (jaw 0-7, brow 17-21, eye
36-41, mouth corner 48, ...) therefore has x < 0, matching
`landmark_sets.IBUG68`. Only the subject's right half and the midline are
constructed; the left half is its mirror image, placed through the scheme's
`flip_permutation`, so the neutral face is exactly symmetric under the flip.

Besides the landmarks, the geometry carries guide curves that are drawn but
not annotated: the cranium outline (closing the face contour over the
forehead), the hairline, the hair outlines, the ears and the neck.

Pose, silhouette and projection live in `camera`.
"""

from __future__ import annotations

import dataclasses
import functools

import numpy as np

from landmark1d.geometry import landmark_sets

SCHEME = landmark_sets.IBUG68
NUM_POINTS = SCHEME.num_points

# Guide curves that are drawn but not annotated, each a (K, 3) array.
GUIDES = ("cranium", "hairline", "right_ear", "left_ear", "neck", "hair_cap",
          "hair_back")

_JAW_END_ANGLE = np.deg2rad(100.0)  # jaw arc runs a little above the cheeks
_JAW_CENTRE_Y = -0.05
_JAW_DROP = 0.28  # chin drop of a fully open mouth
_CRANIUM_TOP_Y = -1.35
_NOSE_BASE_DROP = 0.13  # lowest nose point below the tip


@dataclasses.dataclass(frozen=True)
class Identity:
  """Proportions of one synthetic person, in face half-widths.

  Attributes:
    face_width: horizontal scale of the face contour.
    face_length: distance from the cheek line to the chin.
    jaw_squareness: superellipse exponent of the jaw (2 = elliptic).
    chin_taper: how much the contour narrows towards the chin.
    eye_spacing: x of the eye centres (each side).
    eye_width: corner-to-corner eye width.
    eye_opening: lid-to-lid height of a fully open eye.
    eye_y: height of the eye corners.
    eye_tilt: how much higher the outer corners sit than the inner.
    brow_gap: height of the brows' centre line above the eye line.
    brow_arch: rise of the brow's peak over its ends.
    brow_length: inner-to-outer brow span.
    nose_length: height from the bridge top (eye line) to the tip.
    nose_width: half-width of the nose base.
    nose_depth: how far the tip stands in front of the bridge top.
    mouth_y: height of the mouth corners.
    mouth_width: half-width of the mouth.
    upper_lip: thickness of the upper lip.
    lower_lip: thickness of the lower lip.
  """

  face_width: float = 1.0
  face_length: float = 1.05
  jaw_squareness: float = 2.6
  chin_taper: float = 0.3
  eye_spacing: float = 0.44
  eye_width: float = 0.40
  eye_opening: float = 0.15
  eye_y: float = -0.30
  eye_tilt: float = 0.03
  brow_gap: float = 0.26
  brow_arch: float = 0.06
  brow_length: float = 0.58
  nose_length: float = 0.44
  nose_width: float = 0.21
  nose_depth: float = 0.42
  mouth_y: float = 0.52
  mouth_width: float = 0.36
  upper_lip: float = 0.08
  lower_lip: float = 0.10


# Relative standard deviation of each identity field around its default.
_IDENTITY_SPREAD = {
    "face_width": 0.06, "face_length": 0.08, "jaw_squareness": 0.15,
    "chin_taper": 0.4, "eye_spacing": 0.06, "eye_width": 0.08,
    "eye_opening": 0.15, "eye_y": 0.08, "eye_tilt": 0.6, "brow_gap": 0.12,
    "brow_arch": 0.4, "brow_length": 0.08, "nose_length": 0.1,
    "nose_width": 0.12, "nose_depth": 0.15, "mouth_y": 0.06,
    "mouth_width": 0.1, "upper_lip": 0.2, "lower_lip": 0.2,
}


@dataclasses.dataclass(frozen=True)
class Expression:
  """A face's expression; zero is neutral.

  Attributes:
    mouth_open: 0 (closed) to 1 (jaw fully dropped).
    smile: -1 (corners down) to 1 (broad smile).
    pucker: 0 to 1, narrows and pushes out the lips.
    brow_raise: -1 (frown: brows down and together) to 1 (surprise).
    right_eye_open: 0 (closed) to about 1.3 (wide); the subject's right eye.
    left_eye_open: the same for the subject's left eye.
  """

  mouth_open: float = 0.0
  smile: float = 0.0
  pucker: float = 0.0
  brow_raise: float = 0.0
  right_eye_open: float = 1.0
  left_eye_open: float = 1.0


def sample_identity(rng: np.random.Generator) -> Identity:
  """Draws a person: every proportion jittered around the default face."""
  defaults = Identity()
  values = {}
  for name, spread in _IDENTITY_SPREAD.items():
    noise = float(np.clip(rng.normal(), -2.0, 2.0))
    values[name] = getattr(defaults, name) * (1.0 + spread * noise)
  # Widths are proportions of the face's width.
  for name in ("eye_spacing", "eye_width", "brow_length", "nose_width",
               "mouth_width"):
    values[name] *= values["face_width"]
  # Independent jitter can push an eye onto the cheek's edge, a brow onto an
  # open eye, a long nose onto a high mouth or a low mouth onto a short chin;
  # keep clear skin between them so no feature is drawn over another's
  # landmarks.
  outer_corner = values["eye_spacing"] + values["eye_width"] / 2.0
  values["eye_spacing"] -= max(0.0, outer_corner - 0.68 * values["face_width"])
  values["brow_gap"] = max(values["brow_gap"],
                           0.8 * values["eye_opening"] + 0.14)
  nose_bottom = values["eye_y"] + values["nose_length"] + _NOSE_BASE_DROP
  values["mouth_y"] = max(values["mouth_y"],
                          nose_bottom + values["upper_lip"] + 0.14)
  values["face_length"] = max(
      values["face_length"],
      values["mouth_y"] + values["lower_lip"] + 0.25 - _JAW_CENTRE_Y)
  return Identity(**values)


def sample_expression(rng: np.random.Generator) -> Expression:
  """Draws an expression: mostly mild, sometimes open-mouthed or blinking."""
  mouth_open = rng.choice([0.0, rng.uniform(0.0, 0.4), rng.uniform(0.3, 1.0)],
                          p=[0.45, 0.35, 0.2])
  eyes = rng.uniform(0.7, 1.25)
  if rng.uniform() < 0.1:
    eyes = rng.uniform(0.0, 0.3)  # a blink
  wink = rng.uniform() < 0.05
  return Expression(
      mouth_open=float(mouth_open),
      smile=float(np.clip(rng.normal(0.2, 0.5), -1.0, 1.0)),
      pucker=float(rng.uniform(0.0, 0.8) if rng.uniform() < 0.15 else 0.0),
      brow_raise=float(np.clip(rng.normal(0.0, 0.45), -1.0, 1.0)),
      right_eye_open=float(0.05 if wink else eyes),
      left_eye_open=float(eyes))


def _resample(curve: np.ndarray, count: int) -> np.ndarray:
  """`count` points evenly spaced by arc length along a dense (K, D) curve."""
  steps = np.linalg.norm(np.diff(curve, axis=0), axis=1)
  arc = np.concatenate([[0.0], np.cumsum(steps)])
  targets = np.linspace(0.0, arc[-1], count)
  return np.stack([np.interp(targets, arc, curve[:, d])
                   for d in range(curve.shape[1])], axis=1)


def _jaw(identity: Identity, expression: Expression) -> np.ndarray:
  """Points 0-16: a superellipse from the right temple round the chin."""
  angle = np.linspace(-_JAW_END_ANGLE, _JAW_END_ANGLE, 241)
  power = 2.0 / identity.jaw_squareness
  s, c = np.sin(angle), np.cos(angle)
  down = np.sign(c) * np.abs(c) ** power  # 1 at the chin
  x = identity.face_width * np.sign(s) * np.abs(s) ** power
  x *= 1.0 - identity.chin_taper * np.clip(down, 0.0, 1.0) ** 3
  y = _JAW_CENTRE_Y + identity.face_length * down
  # The chin stands forward, the contour's sides sit back at the cheeks.
  z = -0.2 + 0.65 * np.clip(c, 0.0, 1.0) ** 1.5
  jaw = _resample(np.stack([x, y, z], axis=1), 17)
  # Opening the mouth swings the lower jaw down about the ears.
  hinge = np.clip((jaw[:, 1] - _JAW_CENTRE_Y) / identity.face_length, 0, 1)
  jaw[:, 1] += _JAW_DROP * expression.mouth_open * hinge ** 1.5
  return jaw


def _right_brow(identity: Identity, expression: Expression) -> np.ndarray:
  """Points 17-21, outer end first, along the brow's centre line."""
  t = np.linspace(0.0, 1.0, 5)  # outer -> inner
  inner_x = -0.12 - 0.25 * (identity.eye_spacing - 0.44)
  x = inner_x - identity.brow_length * (1.0 - t)
  base = identity.eye_y - identity.brow_gap
  y = base - identity.brow_arch * np.sin(np.pi * (1.0 - t) ** 0.8) * 1.6
  y += 0.05 * (1.0 - t) ** 2  # the outer end droops
  raise_ = expression.brow_raise
  # Surprise lifts the whole brow; a frown pulls the inner end down and in.
  y -= 0.11 * max(raise_, 0.0) * (0.7 + 0.3 * t)
  y += 0.05 * max(-raise_, 0.0) * t
  x += 0.04 * max(-raise_, 0.0) * t
  z = 0.6 - 0.3 * (1.0 - t) ** 1.5
  return np.stack([x, y, z], axis=1)


def _right_eye(identity: Identity, expression: Expression) -> np.ndarray:
  """Points 36-41: outer corner, upper lid (2), inner corner, lower lid (2)."""
  centre = -identity.eye_spacing
  half = identity.eye_width / 2.0
  outer = np.array([centre - half, identity.eye_y - identity.eye_tilt / 2])
  inner = np.array([centre + half, identity.eye_y + identity.eye_tilt / 2])
  opening = max(expression.right_eye_open, 0.0)
  # A smile pushes the cheeks up into the lower lid.
  upper = 0.62 * identity.eye_opening * opening
  lower = 0.38 * identity.eye_opening * min(opening, 1.0)
  lower *= 1.0 - 0.35 * max(expression.smile, 0.0)
  points = [outer]
  for t, lid in ((1 / 3, -upper), (2 / 3, -upper), (1.0, 0.0), (2 / 3, lower),
                 (1 / 3, lower)):
    # The lids peak towards the inner corner (upper) and outer (lower) side.
    bulge = np.sin(np.pi * (t ** 0.9 if lid < 0 else t ** 1.1))
    along = outer + t * (inner - outer)
    points.append(along + np.array([0.0, lid * bulge / np.sin(np.pi / 3)]))
  xy = np.stack(points)
  # The eyeball wraps round: outer corners sit further back than inner ones.
  z = 0.48 - 0.22 * (inner[0] - xy[:, 0]) / identity.eye_width
  return np.concatenate([xy, z[:, None]], axis=1)


def _nose(identity: Identity) -> np.ndarray:
  """Points 27-35: bridge top to tip, then the base from right to left."""
  top_y = identity.eye_y
  tip_y = top_y + identity.nose_length
  t = np.linspace(0.0, 1.0, 4)
  bridge = np.stack([np.zeros(4), top_y + t * (tip_y - top_y),
                     0.5 + identity.nose_depth * t ** 1.4], axis=1)
  w = identity.nose_width
  base_y = tip_y + _NOSE_BASE_DROP - 0.02
  tip_z = bridge[-1, 2]
  base = np.array([[-w, base_y - 0.04, tip_z - 0.32],
                   [-0.5 * w, base_y + 0.005, tip_z - 0.2],
                   [0.0, base_y + 0.02, tip_z - 0.16],
                   [0.5 * w, base_y + 0.005, tip_z - 0.2],
                   [w, base_y - 0.04, tip_z - 0.32]])
  return np.concatenate([bridge, base])


def _mouth(identity: Identity, expression: Expression,
           chin_drop: float) -> np.ndarray:
  """Right half and midline of the lips.

  Returns:
    `(12, 3)` rows for points 48, 49, 50, 51, 59, 58, 57 (outer lip) and
    60, 61, 62, 66, 67 (inner lip).
  """
  w = identity.mouth_width * (1.0 + 0.12 * max(expression.smile, 0.0)
                              - 0.3 * expression.pucker)
  up, low = identity.upper_lip, identity.lower_lip
  y0 = identity.mouth_y  # where the lips meet when closed
  lift = 0.07 * expression.smile  # a negative smile pulls the corners down
  gap = 0.85 * chin_drop + 0.02 * expression.pucker
  corner_y = y0 - lift + 0.25 * chin_drop
  inner_w = 0.9 * w
  xy = np.array([
      [-w, corner_y],  # 48
      [-0.6 * w, y0 - 0.75 * up - 0.4 * lift],  # 49
      [-0.22 * w, y0 - up],  # 50: peak of the Cupid's bow
      [0.0, y0 - 0.85 * up],  # 51
      [-0.55 * w, y0 + gap + 0.8 * low - 0.3 * lift],  # 59
      [-0.25 * w, y0 + gap + 0.97 * low],  # 58
      [0.0, y0 + gap + low],  # 57
      [-inner_w, corner_y],  # 60
      [-0.4 * inner_w, y0 - 0.15 * gap - 0.3 * lift],  # 61
      [0.0, y0 - 0.15 * gap],  # 62
      [0.0, y0 + 0.85 * gap],  # 66
      [-0.4 * inner_w, y0 + 0.8 * gap - 0.3 * lift],  # 67
  ])
  z = 0.62 - 0.25 * (xy[:, 0] / w) ** 2 + 0.2 * expression.pucker
  return np.concatenate([xy, z[:, None]], axis=1)


def _place_right_and_mirror(parts: dict[int, np.ndarray]) -> np.ndarray:
  """Fills all 68 points from the right-half / midline ones via the flip."""
  points = np.full((NUM_POINTS, 3), np.nan)
  for index, point in parts.items():
    points[index] = point
  mirror = np.array([-1.0, 1.0, 1.0])
  for i, j in enumerate(SCHEME.flip_permutation):
    if np.isnan(points[j, 0]) and not np.isnan(points[i, 0]):
      points[j] = points[i] * mirror
  return points


def landmarks_3d(identity: Identity, expression: Expression) -> np.ndarray:
  """The 68 points of a face in the face frame.

  Args:
    identity: the person's proportions.
    expression: the expression.

  Returns:
    `(68, 3)` float64 points `(x, y, z)`, iBUG order (a fresh array).
  """
  return _landmarks_3d(identity, expression).copy()


@functools.lru_cache(maxsize=64)
def _landmarks_3d(identity: Identity, expression: Expression) -> np.ndarray:
  # Scenes ask for the same face several times (placement, occluders,
  # drawing); the dataclasses are frozen, so the shape can be cached.
  jaw = _jaw(identity, expression)
  mouth = _mouth(identity, expression, _JAW_DROP * expression.mouth_open)
  parts = {i: jaw[i] for i in range(17)}
  parts.update(zip(range(17, 22), _right_brow(identity, expression)))
  parts.update(zip(range(27, 36), _nose(identity)))
  parts.update(zip(range(36, 42), _right_eye(identity, expression)))
  parts.update(zip((48, 49, 50, 51, 59, 58, 57, 60, 61, 62, 66, 67), mouth))
  points = _place_right_and_mirror(parts)
  # The left eye opens on its own (blinks are not always symmetric).
  left_eye = _right_eye(identity, dataclasses.replace(
      expression, right_eye_open=expression.left_eye_open))
  points[[45, 44, 43, 42, 47, 46]] = left_eye * np.array([-1.0, 1.0, 1.0])
  points.setflags(write=False)
  return points


def guides_3d(identity: Identity, jaw: np.ndarray) -> dict[str, np.ndarray]:
  """The unannotated curves drawn around the landmarks.

  Args:
    identity: the person's proportions.
    jaw: `(17, 3)` contour points 0-16 of the same face.

  Returns:
    A dict of `(K, 3)` arrays keyed by `GUIDES`: "cranium" runs from point 16
    over the top of the head to point 0 (so jaw + cranium is the closed face
    outline), "hairline" across the forehead from x > 0 to x < 0, the ears,
    the neck as a quadrilateral below the jaw, and the hair outlines
    "hair_cap" (forehead hair, drawn over the face) and "hair_back" (long
    hair, drawn behind the head).
  """
  temple_y = jaw[0, 1]
  height = temple_y - _CRANIUM_TOP_Y
  half_w = identity.face_width * 1.02

  def arc(phi, grow_x, grow_y, back):
    return np.stack([half_w * grow_x * np.cos(phi),
                     temple_y - height * grow_y * np.sin(phi),
                     back - 0.2 + 0.7 * np.sin(phi) ** 0.7], axis=1)

  cranium = arc(np.linspace(0.0, np.pi, 15)[1:-1], 1.0, 1.0, 0.0)
  hx = np.linspace(0.85, -0.85, 9) * identity.face_width
  hairline_y = (identity.eye_y - identity.brow_gap - 0.42
                + 0.25 * (hx / identity.face_width) ** 2)
  hairline = np.stack([hx, hairline_y,
                       0.5 - 0.5 * (hx / identity.face_width) ** 2], axis=1)
  # The cap stops a little above the temples, leaving contour points 0 and 16
  # on the skin's edge.
  cap = np.concatenate([hairline,
                        arc(np.linspace(np.pi - 0.25, 0.25, 15), 1.09, 1.1,
                            0.02)])
  top = arc(np.linspace(0.0, np.pi, 15), 1.14, 1.14, -0.1)
  fall = jaw[8, 1] + 0.5
  sides = np.array([[-1.18 * half_w, fall, -0.4], [-0.5, fall + 0.1, -0.5],
                    [0.5, fall + 0.1, -0.5], [1.18 * half_w, fall, -0.4]])
  hair_back = np.concatenate([top, sides])
  ear_outline = np.array([[0.0, -0.36], [0.13, -0.4], [0.2, -0.28],
                          [0.17, -0.05], [0.1, 0.12], [0.0, 0.16]])
  ears = {}
  for name, side in (("right_ear", -1.0), ("left_ear", 1.0)):
    x = side * (identity.face_width * 0.95 + ear_outline[:, 0])
    y = identity.eye_y + ear_outline[:, 1] + 0.12
    ears[name] = np.stack([x, y, np.full_like(x, -0.45)], axis=1)
  neck_w = 0.5 * identity.face_width
  neck_top = jaw[8, 1] - 0.45
  neck = np.array([[-neck_w, neck_top, -0.3], [neck_w, neck_top, -0.3],
                   [neck_w * 1.1, neck_top + 1.8, -0.3],
                   [-neck_w * 1.1, neck_top + 1.8, -0.3]])
  return {"cranium": cranium, "hairline": hairline, **ears, "neck": neck,
          "hair_cap": cap, "hair_back": hair_back}
