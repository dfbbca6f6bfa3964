"""Backgrounds, occluders, light and camera blur for the synthetic faces.

Everything here acts around or on top of the drawn face and never moves the
ground truth: backgrounds (a two-colour gradient with optional clutter drawn
with OpenCV: rectangles, discs, lines, polygons and text, some in skin
colours), opaque occluders (rectangles, ellipses, bars and hands, drawn with
exact coverage), illumination (face shading, a brightness gradient, a
coloured gain) and a linear motion-blur kernel.
"""

from __future__ import annotations

import dataclasses

import cv2
import numpy as np

from landmark1d_datasets.synthetic_faces import raster
from landmark1d_datasets.synthetic_faces import render

OCCLUDER_KINDS = ("rectangle", "ellipse", "hand", "bar")

@dataclasses.dataclass(frozen=True)
class Occluder:
  """An opaque shape drawn over the face.

  Attributes:
    kind: one of `OCCLUDER_KINDS`.
    centre: `(x, y)` in image pixels.
    size: `(width, height)` in pixels before rotation.
    angle: rotation in radians.
    colour: RGB, 0-255.
  """

  kind: str
  centre: tuple[float, float]
  size: tuple[float, float]
  angle: float
  colour: tuple[float, float, float]


@dataclasses.dataclass(frozen=True)
class Lighting:
  """Illumination applied after drawing.

  Attributes:
    gain: global brightness multiplier.
    tint: per-channel RGB multipliers (colour of the light).
    direction: angle of the brightness gradient across the image, radians.
    gradient: brightness change from image centre to edge along `direction`.
    shading: darkening of the face towards its outline (roundness).
  """

  gain: float = 1.0
  tint: tuple[float, float, float] = (1.0, 1.0, 1.0)
  direction: float = 0.0
  gradient: float = 0.0
  shading: float = 0.0


def sample_occluder(rng: np.random.Generator, landmarks: np.ndarray,
                    scale: float, skin) -> Occluder:
  """An occluder of random kind, size and colour near a random landmark."""
  kind = OCCLUDER_KINDS[rng.integers(len(OCCLUDER_KINDS))]
  anchor = landmarks[rng.integers(len(landmarks))]
  centre = anchor + rng.normal(0.0, 0.25 * scale, 2)
  if kind == "bar":
    size = (rng.uniform(1.5, 3.0) * scale, rng.uniform(0.15, 0.35) * scale)
  else:
    size = tuple(rng.uniform(0.4, 1.1, 2) * scale)
  if kind == "hand":
    colour = np.asarray(skin) * rng.uniform(0.8, 1.15, 3)
  else:
    colour = rng.uniform(0, 255, 3)
  return Occluder(kind, tuple(float(c) for c in centre),
                  tuple(float(s) for s in size), float(rng.uniform(0, np.pi)),
                  tuple(float(c) for c in np.clip(colour, 0, 255)))


def sample_lighting(rng: np.random.Generator) -> Lighting:
  """Uneven, coloured light of random direction and strength."""
  return Lighting(gain=float(rng.uniform(0.65, 1.2)),
                  tint=tuple(float(v) for v in 1.0 + rng.normal(0, 0.06, 3)),
                  direction=float(rng.uniform(0, 2 * np.pi)),
                  gradient=float(rng.uniform(0.0, 0.45)),
                  shading=float(rng.uniform(0.1, 0.35)))


def _random_colour(rng: np.random.Generator) -> tuple[int, int, int]:
  if rng.uniform() < 0.2:  # skin-like clutter, so skin alone finds no face
    colour = render.sample_skin(rng)
  else:
    colour = rng.uniform(0, 255, 3)
  return tuple(int(c) for c in colour)


def draw_background(size: int, seed: int, clutter: bool) -> np.ndarray:
  """A background: a two-colour gradient, optionally with clutter.

  Args:
    size: image side in pixels.
    seed: seeds every choice.
    clutter: add rectangles, discs, lines, polygons and text.

  Returns:
    `(size, size, 3)` float32 RGB, 0-255.
  """
  rng = np.random.default_rng(seed)
  a, b = rng.uniform(20, 235, (2, 3))
  angle = rng.uniform(0, 2 * np.pi)
  coords = np.arange(size, dtype=np.float32) / size - 0.5
  ramp = (np.cos(angle) * coords[None, :] + np.sin(angle) * coords[:, None])
  ramp = (ramp - ramp.min()) / max(float(np.ptp(ramp)), 1e-6)
  image = (a + (b - a) * ramp[..., None]).astype(np.uint8)
  if not clutter:
    return image.astype(np.float32)
  shift = 4
  one = 1 << shift
  for _ in range(rng.integers(4, 14)):
    kind = rng.integers(5)
    colour = _random_colour(rng)
    p = (rng.uniform(-0.1, 1.1, 2) * size * one).astype(int)
    r = int(rng.uniform(0.03, 0.3) * size * one)
    if kind == 0:
      q = p + (rng.uniform(-0.4, 0.4, 2) * size * one).astype(int)
      cv2.rectangle(image, tuple(p), tuple(q), colour, -1, cv2.LINE_AA, shift)
    elif kind == 1:
      cv2.circle(image, tuple(p), r, colour, -1, cv2.LINE_AA, shift)
    elif kind == 2:
      q = p + (rng.uniform(-0.6, 0.6, 2) * size * one).astype(int)
      thickness = int(rng.integers(1, max(2, size // 24)))
      cv2.line(image, tuple(p), tuple(q), colour, thickness, cv2.LINE_AA, shift)
    elif kind == 3:
      corners = p + (rng.uniform(-0.25, 0.25, (rng.integers(3, 7), 2))
                     * size * one).astype(int)
      cv2.fillPoly(image, [corners.astype(np.int32)], colour, cv2.LINE_AA,
                   shift)
    else:
      text = "".join(chr(c) for c in rng.integers(65, 91, rng.integers(2, 7)))
      cv2.putText(image, text, tuple(int(v) for v in p // one),
                  cv2.FONT_HERSHEY_SIMPLEX, rng.uniform(0.3, 1.2) * size / 128,
                  colour, int(rng.integers(1, 3)), cv2.LINE_AA)
  if rng.uniform() < 0.5:  # out-of-focus background
    image = cv2.GaussianBlur(image, (0, 0), rng.uniform(0.5, 2.0) * size / 128)
  return image.astype(np.float32)


def draw_occluder(canvas: np.ndarray, occluder: Occluder) -> None:
  """Paints an occluder onto a `(H, W, 3)` float32 canvas in place."""
  size = canvas.shape[0]
  c, s = np.cos(occluder.angle), np.sin(occluder.angle)
  axis_x, axis_y = np.array([c, s]), np.array([-s, c])
  centre = np.asarray(occluder.centre)
  w, h = occluder.size
  if occluder.kind == "ellipse":
    raster.paint(canvas, raster.ellipse(centre, (w / 2, h / 2),
                                        occluder.angle, size, size),
                 occluder.colour)
    return
  if occluder.kind == "hand":
    # A palm with four fingers fanning out along the rotated x axis.
    raster.paint(canvas, raster.ellipse(centre, (w / 3, h / 2.4),
                                        occluder.angle, size, size),
                 occluder.colour)
    for k in range(4):
      offset = (k - 1.5) * h / 4.5
      base = centre + axis_y * offset + axis_x * w / 6
      tip = base + axis_x * w * (0.45 + 0.1 * (k in (1, 2)))
      raster.paint(canvas, raster.stroke([base, tip], h / 5.0, size, size),
                   occluder.colour)
    return
  corners = [centre + sx * axis_x * w / 2 + sy * axis_y * h / 2
             for sx, sy in ((-1, -1), (1, -1), (1, 1), (-1, 1))]
  raster.paint(canvas, raster.polygon(np.array(corners), size, size),
               occluder.colour)


def apply_lighting(canvas: np.ndarray, face: raster.Coverage | None,
                   lighting: Lighting, scale: float) -> None:
  """Lights a `(H, W, 3)` float32 canvas in place.

  Args:
    canvas: the image, 0-255.
    face: coverage of the face's skin (shaded towards its outline), or None.
    lighting: the light.
    scale: pixels per face unit (sets the shading's reach).
  """
  size = canvas.shape[0]
  if face is not None and lighting.shading > 0:
    # Darken the face towards its outline: a blurred face mask is about 0.5
    # at the outline and 1 deep inside.
    mask = np.zeros((size, size), np.float32)
    h, w = face.alpha.shape
    mask[face.row:face.row + h, face.col:face.col + w] = face.alpha
    inner = cv2.GaussianBlur(mask, (0, 0), 0.25 * scale)
    canvas *= (1.0 - lighting.shading * mask * (1.0 - inner))[..., None]
  coords = np.arange(size, dtype=np.float32) / size - 0.5
  along = (np.cos(lighting.direction) * coords[None, :]
           + np.sin(lighting.direction) * coords[:, None])
  light = lighting.gain * (1.0 + 2.0 * lighting.gradient * along)
  canvas *= light[..., None] * np.asarray(lighting.tint, np.float32)


def motion_kernel(length: float, angle: float) -> np.ndarray:
  """Linear blur kernel of `length` pixels along `angle` radians.

  The kernel is point-symmetric about its centre pixel, so blurring with it
  (OpenCV anchors kernels at their centre) does not move the face off its
  landmarks.

  Returns:
    `(k, k)` float32 kernel summing to 1, k odd.
  """
  half = int(np.ceil(length / 2.0))
  d = np.array([np.cos(angle), np.sin(angle)]) * length / 2.0
  k = 2 * half + 1
  line = raster.stroke([half - d, half + d], 1.0, k, k)
  kernel = np.zeros((k, k), np.float32)
  h, w = line.alpha.shape
  kernel[line.row:line.row + h, line.col:line.col + w] = line.alpha
  return kernel / kernel.sum()
