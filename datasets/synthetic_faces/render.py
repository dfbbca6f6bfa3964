"""Drawing a synthetic face from its projected points, and its colours.

Every feature is drawn through the projected landmarks themselves: the face
outline, lid lines, brow centre lines, lip lines and nose lines are
interpolating splines that pass exactly through the annotated points, so the
ground truth is where the drawing is (to the rasteriser's precision, see
`raster`). Stroke widths scale with the face and never drop below 1.5
pixels; once a stroke is 2.5 pixels wide (faces of about 200 pixels) the
pixel nearest each annotated point is entirely its feature's colour, below
that it is a blend of the feature and its surroundings.

Painting order (back to front): long hair, neck, ears, face, hair cap, eyes,
nose, brows, mouth.
"""

from __future__ import annotations

import dataclasses
import functools

import numpy as np

from landmark1d_datasets.synthetic_faces import raster

HAIR_STYLES = ("none", "short", "long")

_SKIN_TONES = np.array([[241, 209, 186], [224, 178, 146], [198, 145, 108],
                        [160, 110, 78], [118, 78, 54], [84, 56, 42]],
                       np.float32)
_HAIR_COLOURS = np.array([[28, 24, 22], [58, 40, 28], [96, 66, 42],
                          [128, 62, 36], [196, 164, 108], [150, 148, 146]],
                         np.float32)
_IRIS_COLOURS = np.array([[84, 52, 30], [48, 34, 26], [72, 112, 150],
                          [84, 112, 72], [112, 118, 124]], np.float32)

# Feature widths in face units (face half-width = 1).
_BROW_WIDTH = (0.055, 0.1)  # outer end, inner end
_UPPER_LID_WIDTH = 0.045
_LOWER_LID_WIDTH = 0.03
_LIP_LINE_WIDTH = 0.035
_NOSE_LINE_WIDTH = 0.035
_MIN_LINE_PX = 1.5


@dataclasses.dataclass(frozen=True)
class Appearance:
  """Colours (RGB, 0-255) and styles of one synthetic person.

  Attributes:
    skin: face colour.
    lips: lip fill colour.
    lip_line: colour of the outer lip line (points 48-59).
    mouth_line: colour of the inner lip line (points 60-67).
    mouth_inside: colour inside an open mouth.
    teeth: colour of the upper teeth.
    brows: brow colour (points 17-26).
    lashes: colour of the lid lines (points 36-47).
    sclera: white of the eyes.
    iris: iris colour.
    nose_line: colour of the nose's bridge and base lines (points 27-35).
    hair: hair colour.
    hair_style: one of `HAIR_STYLES`.
    gaze: `(gx, gy)` iris offset from the lids' centre, in [-1, 1] units of
      a quarter of the eye's width (gx) and of 0.3 times its opening (gy).
    brow_weight: brow thickness multiplier.
  """

  skin: tuple[float, float, float]
  lips: tuple[float, float, float]
  lip_line: tuple[float, float, float]
  mouth_line: tuple[float, float, float]
  mouth_inside: tuple[float, float, float]
  teeth: tuple[float, float, float]
  brows: tuple[float, float, float]
  lashes: tuple[float, float, float]
  sclera: tuple[float, float, float]
  iris: tuple[float, float, float]
  nose_line: tuple[float, float, float]
  hair: tuple[float, float, float]
  hair_style: str = "short"
  gaze: tuple[float, float] = (0.0, 0.0)
  brow_weight: float = 1.0

  @property
  def neck(self) -> tuple[float, float, float]:
    return _tuple(np.asarray(self.skin) * 0.72)

  @property
  def ears(self) -> tuple[float, float, float]:
    return _tuple(np.asarray(self.skin) * 0.8)


def _tuple(colour) -> tuple[float, float, float]:
  return tuple(float(c) for c in np.clip(colour, 0.0, 255.0))


def _pick(rng: np.random.Generator, palette: np.ndarray,
          jitter: float) -> np.ndarray:
  """A palette colour blended with a neighbour and jittered."""
  i = rng.integers(len(palette))
  j = min(i + 1, len(palette) - 1)
  colour = palette[i] + rng.uniform() * (palette[j] - palette[i]) * 0.5
  return np.clip(colour * (1.0 + rng.normal(0.0, jitter, 3)), 0.0, 255.0)


def _away_from(colour: np.ndarray, reference: np.ndarray,
               min_distance: float) -> np.ndarray:
  """Darkens `colour` until it differs from `reference` by `min_distance`."""
  for _ in range(8):
    if np.linalg.norm(colour - reference) >= min_distance:
      break
    colour = colour * 0.8
  return colour


def sample_skin(rng: np.random.Generator) -> np.ndarray:
  """A skin colour, RGB 0-255, from light to dark."""
  return _pick(rng, _SKIN_TONES, 0.04)


def sample_appearance(rng: np.random.Generator) -> Appearance:
  """Draws a person's colours, hair style and gaze."""
  skin = sample_skin(rng)
  lips = skin * np.array([0.86, 0.6, 0.62]) * rng.uniform(0.85, 1.05)
  lips = _away_from(lips, skin, 40.0)
  hair = _pick(rng, _HAIR_COLOURS, 0.06)
  brows = _away_from(hair * rng.uniform(0.6, 0.9), skin, 70.0)
  lashes = _away_from(0.25 * skin + 0.75 * np.array([30.0, 22.0, 20.0]), skin,
                      90.0)
  sclera = np.array([236.0, 232.0, 226.0]) * rng.uniform(0.9, 1.0)
  return Appearance(
      skin=_tuple(skin),
      lips=_tuple(lips),
      lip_line=_tuple(_away_from(lips * 0.82, skin, 55.0)),
      mouth_line=_tuple(lips * 0.45),
      mouth_inside=_tuple(np.array([80.0, 26.0, 32.0]) * rng.uniform(0.6, 1.1)),
      teeth=_tuple(np.array([232.0, 226.0, 208.0]) * rng.uniform(0.85, 1.0)),
      brows=_tuple(brows),
      lashes=_tuple(lashes),
      sclera=_tuple(sclera),
      iris=_tuple(_pick(rng, _IRIS_COLOURS, 0.08)),
      nose_line=_tuple(_away_from(skin * 0.75, skin, 40.0)),
      hair=_tuple(hair),
      hair_style=HAIR_STYLES[rng.choice(3, p=[0.2, 0.45, 0.35])],
      gaze=(float(rng.uniform(-0.5, 0.5)), float(rng.uniform(-0.3, 0.3))),
      brow_weight=float(rng.uniform(0.8, 1.3)))


def spline(points, closed: bool = False, samples: int = 5) -> np.ndarray:
  """Centripetal Catmull-Rom curve through every point.

  Args:
    points: `(K, 2)` control points; the curve passes through each.
    closed: join the last point back to the first.
    samples: curve points per span.

  Returns:
    `(M, 2)` dense curve points, starting with `points[0]` (and, if open,
    ending with `points[-1]`).
  """
  p = np.asarray(points, np.float64)
  if len(p) < 3:
    return p
  if closed:
    ext = np.concatenate([p[-1:], p, p[:2]])
  else:
    ext = np.concatenate([2 * p[:1] - p[1:2], p, 2 * p[-1:] - p[-2:-1]])
  # Centripetal knots (square roots of the chord lengths) avoid cusps and
  # overshoot where the points bunch up, e.g. at eye corners.
  chords = np.diff(ext, axis=0)
  knot = np.maximum(np.hypot(chords[:, 0], chords[:, 1]), 1e-12)[:, None]**0.5
  d01, d12, d23 = knot[:-2], knot[1:-1], knot[2:]
  c01, c12, c23 = chords[:-2], chords[1:-1], chords[2:]
  m1 = c12 + d12 * (c01 / d01 - (c01 + c12) / (d01 + d12))
  m2 = c12 + d12 * (c23 / d23 - (c12 + c23) / (d12 + d23))
  basis = _hermite_basis(samples)  # (4, samples, 1, 1)
  curve = (basis[0] * ext[1:-2] + basis[1] * m1 + basis[2] * ext[2:-1]
           + basis[3] * m2)
  curve = curve.transpose(1, 0, 2).reshape(-1, 2)  # span-major order
  if not closed:
    curve = np.concatenate([curve, p[-1:]])
  return curve


@functools.lru_cache(maxsize=None)
def _hermite_basis(samples: int) -> np.ndarray:
  t = np.linspace(0.0, 1.0, samples, endpoint=False)
  basis = np.stack([2 * t**3 - 3 * t**2 + 1, t**3 - 2 * t**2 + t,
                    -2 * t**3 + 3 * t**2, t**3 - t**2])
  return basis[:, :, None, None]


class _Painter:
  """Draws coverage shapes onto one float32 canvas."""

  def __init__(self, canvas: np.ndarray, scale: float):
    self.canvas = canvas
    self.height, self.width = canvas.shape[:2]
    self.scale = scale

  def px(self, units: float) -> float:
    return max(units * self.scale, _MIN_LINE_PX)

  def fill(self, outline, colour, opacity: float = 1.0):
    coverage = raster.polygon(outline, self.height, self.width)
    raster.paint(self.canvas, coverage, colour, opacity)
    return coverage

  def line(self, points, width_units: float, colour, closed: bool = False,
           opacity: float = 1.0):
    coverage = raster.stroke(points, self.px(width_units), self.height,
                             self.width, closed)
    raster.paint(self.canvas, coverage, colour, opacity)

  def ellipse(self, centre, axes, angle, colour, clip=None):
    coverage = raster.ellipse(centre, axes, angle, self.height, self.width)
    if coverage is not None and clip is not None:
      coverage = _intersect(coverage, clip)
    raster.paint(self.canvas, coverage, colour)


def _intersect(a: raster.Coverage, b: raster.Coverage | None):
  """Coverage of a restricted to b (product of coverages, on a's window)."""
  if b is None:
    return None
  alpha = np.zeros_like(a.alpha)
  h, w = a.alpha.shape
  r0, c0 = max(a.row, b.row), max(a.col, b.col)
  r1 = min(a.row + h, b.row + b.alpha.shape[0])
  c1 = min(a.col + w, b.col + b.alpha.shape[1])
  if r1 > r0 and c1 > c0:
    alpha[r0 - a.row:r1 - a.row, c0 - a.col:c1 - a.col] = (
        a.alpha[r0 - a.row:r1 - a.row, c0 - a.col:c1 - a.col]
        * b.alpha[r0 - b.row:r1 - b.row, c0 - b.col:c1 - b.col])
  return raster.Coverage(a.row, a.col, alpha)


def face_outline(landmarks: np.ndarray, guides: dict) -> np.ndarray:
  """Closed outline of the face: jaw 0-16, then over the cranium back to 0."""
  return spline(np.concatenate([landmarks[:17], guides["cranium"]]),
                closed=True)


def _brow(painter: _Painter, points: np.ndarray, colour, weight: float):
  """A tapered brow whose centre line runs through the 5 brow points.

  The centre line continues a little past both end points, so the ends sit
  inside the brow rather than on its cut-off edge.
  """
  centre = spline(points)
  tangent = np.gradient(centre, axis=0)
  tangent /= np.maximum(np.linalg.norm(tangent, axis=1, keepdims=True), 1e-9)
  taper = np.linspace(0.0, 1.0, len(centre))  # outer -> inner
  width = weight * (_BROW_WIDTH[0] + taper * (_BROW_WIDTH[1] - _BROW_WIDTH[0]))
  half = np.maximum(width * painter.scale, 2 * _MIN_LINE_PX) / 2.0
  reach = half[[0, -1]] + 1.0
  centre = np.concatenate([centre[:1] - tangent[:1] * reach[0], centre,
                           centre[-1:] + tangent[-1:] * reach[1]])
  tangent = np.concatenate([tangent[:1], tangent, tangent[-1:]])
  half = np.concatenate([half[:1] * 0.6, half, half[-1:] * 0.8])
  normal = np.stack([-tangent[:, 1], tangent[:, 0]], axis=1)
  outline = np.concatenate([centre + normal * half[:, None],
                            (centre - normal * half[:, None])[::-1]])
  painter.fill(outline, colour)


def _eye(painter: _Painter, eye: np.ndarray, look: Appearance):
  """Eye 36-41 (or 42-47 in the same lid order): white, iris, lids."""
  upper = spline(eye[[0, 1, 2, 3]])
  lower = spline(eye[[3, 4, 5, 0]])
  opening = np.concatenate([upper[:-1], lower[:-1]])
  white = painter.fill(opening, look.sclera)
  corners = eye[3] - eye[0]
  eye_width = float(np.hypot(*corners))
  lid_gap = float(np.linalg.norm((eye[1] + eye[2]) / 2 - (eye[4] + eye[5]) / 2))
  if white is not None and lid_gap > 0.5:
    radius = 0.24 * eye_width
    shift = np.array(look.gaze) * np.array([0.25 * eye_width, 0.3 * lid_gap])
    centre = eye[[1, 2, 4, 5]].mean(axis=0) + shift
    painter.ellipse(centre, (radius, radius), 0.0, look.iris, clip=white)
    painter.ellipse(centre, (0.45 * radius, 0.45 * radius), 0.0,
                    (15.0, 12.0, 12.0), clip=white)
  # Lid crease above the upper lid, then the lash lines through the points.
  up = np.array([corners[1], -corners[0]]) / max(eye_width, 1e-9)
  if up[1] > 0:
    up = -up
  crease = upper + up * (0.09 * painter.scale + 0.4 * lid_gap)
  painter.line(crease[2:-2], 0.02, np.asarray(look.skin) * 0.82,
               opacity=0.8)
  painter.line(lower, _LOWER_LID_WIDTH, look.lashes)
  painter.line(upper, _UPPER_LID_WIDTH, look.lashes)


def _mouth(painter: _Painter, mouth: np.ndarray, look: Appearance,
           scale: float):
  """Lips 48-59 and the inner lip line 60-67."""
  upper = spline(mouth[0:7])
  lower = spline(np.concatenate([mouth[6:12], mouth[0:1]]))
  painter.fill(np.concatenate([upper[:-1], lower[:-1]]), look.lips)
  inner_upper = spline(mouth[12:17])
  inner_lower = spline(np.concatenate([mouth[16:20], mouth[12:13]]))
  inside = painter.fill(np.concatenate([inner_upper[:-1], inner_lower[:-1]]),
                        look.mouth_inside)
  if inside is not None:
    corners = mouth[6] - mouth[0]
    down = np.array([-corners[1], corners[0]]) / max(np.hypot(*corners), 1e-9)
    drop = down * 0.06 * scale
    teeth = np.concatenate([inner_upper, (inner_upper + drop)[::-1]])
    coverage = raster.polygon(teeth, painter.height, painter.width)
    if coverage is not None:
      raster.paint(painter.canvas, _intersect(coverage, inside), look.teeth)
  painter.line(upper, _LIP_LINE_WIDTH, look.lip_line)
  painter.line(lower, _LIP_LINE_WIDTH, look.lip_line)
  painter.line(inner_upper, _LIP_LINE_WIDTH, look.mouth_line)
  painter.line(inner_lower, _LIP_LINE_WIDTH, look.mouth_line)


def _nose(painter: _Painter, nose: np.ndarray, look: Appearance):
  """Bridge 27-30, nostrils, and the base line 31-35."""
  base = nose[4:9]
  up = nose[0] - nose[3]
  up /= max(np.linalg.norm(up), 1e-9)
  across = base[4] - base[0]
  width = float(np.linalg.norm(across))
  across = across / max(width, 1e-9)
  for side, anchor in ((-1, base[1]), (1, base[3])):
    centre = anchor + up * 0.09 * width
    axes = (0.14 * width, 0.07 * width)
    angle = float(np.arctan2(across[1], across[0])) + side * 0.35
    painter.ellipse(centre, axes, angle, np.asarray(look.skin) * 0.42)
    # The nostril wing curves up from the outer base point.
    end = base[0] if side < 0 else base[4]
    wing = spline([end, end + up * 0.3 * width - side * across * 0.02 * width,
                   end + up * 0.5 * width + side * across * 0.1 * width])
    painter.line(wing, 0.025, look.nose_line, opacity=0.7)
  painter.line(spline(nose[0:4]), _NOSE_LINE_WIDTH, look.nose_line)
  painter.line(spline(base), _NOSE_LINE_WIDTH, look.nose_line)


def draw_face(canvas: np.ndarray, landmarks: np.ndarray, guides: dict,
              look: Appearance, scale: float) -> raster.Coverage | None:
  """Paints a head onto `canvas` in place.

  Args:
    canvas: `(H, W, 3)` float32 RGB image, 0-255.
    landmarks: `(68, 2)` projected iBUG points, image pixels.
    guides: projected guide curves, `(K, 2)` arrays keyed by
      `face_model.GUIDES`.
    look: the person's colours and styles.
    scale: pixels per face unit (sets stroke widths).

  Returns:
    The face's coverage (the skin region inside the outline), for shading.
  """
  painter = _Painter(canvas, scale)
  if look.hair_style == "long":
    painter.fill(spline(guides["hair_back"], closed=True), look.hair)
  neck = painter.fill(guides["neck"], look.neck)
  outline = face_outline(landmarks, guides)
  if neck is not None:
    # The chin's shadow on the neck: the face outline moved down the face.
    down = landmarks[8] - landmarks[27]
    down *= 0.15 * scale / max(float(np.hypot(*down)), 1e-9)
    shadow = raster.polygon(outline + down, painter.height, painter.width)
    if shadow is not None:
      raster.paint(canvas, _intersect(shadow, neck), (0.0, 0.0, 0.0), 0.3)
  for ear in ("right_ear", "left_ear"):
    painter.fill(spline(guides[ear], closed=True), look.ears)
    inner = spline(guides[ear][1:-1] * 0.7 + guides[ear].mean(0) * 0.3)
    painter.line(inner, 0.03, np.asarray(look.ears) * 0.75)
  face = painter.fill(outline, look.skin)
  if look.hair_style != "none":
    painter.fill(spline(guides["hair_cap"], closed=True), look.hair)
  _eye(painter, landmarks[36:42], look)
  _eye(painter, landmarks[[45, 44, 43, 42, 47, 46]], look)
  # After the eyes: a turned head's nose hides the far eye's inner corner.
  _nose(painter, landmarks[27:36], look)
  _brow(painter, landmarks[17:22], look.brows, look.brow_weight)
  _brow(painter, landmarks[26:21:-1], look.brows, look.brow_weight)
  _mouth(painter, landmarks[48:68], look, scale)
  return face
