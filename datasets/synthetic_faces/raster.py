"""Exact anti-aliased rasterisation of polygons, ellipses and strokes.

The synthetic faces promise sub-pixel ground truth, so every feature is drawn
with its exact pixel coverage: the area of each pixel square that the shape
covers. OpenCV's `fillPoly` cannot give this: even with `shift` and
`LINE_AA` it snaps polygon edges to whole pixel rows, so a filled square
moved down by a fraction f of a pixel has its centroid off by up to half a
pixel (measured: -0.40 px at f = 0.375, +0.48 px at f = 0.5). The face is
therefore drawn here; OpenCV only draws the background clutter.

Pixel convention (`landmark1d.geometry.coordinates`): pixel (row r, column c) is the
square x in [c - 0.5, c + 0.5], y in [r - 0.5, r + 0.5].

Polygons: signed-area accumulation, as in scanline font rasterisers. Each
edge is cut at every pixel boundary; a piece inside pixel (r, c) that falls by
dy and sits at fraction f across the pixel adds dy * (1 - f) to (r, c) and
dy * f to (r, c + 1); a cumulative sum along each row then gives the covered
area (the winding number integrated over the pixel). Strokes use the distance
to the polyline instead (see `stroke`).
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np


@dataclasses.dataclass(frozen=True)
class Coverage:
  """Per-pixel coverage of a shape over an image window.

  Attributes:
    row: first image row of the window.
    col: first image column of the window.
    alpha: `(h, w)` float32 covered fraction of each pixel, in [0, 1].
  """

  row: int
  col: int
  alpha: np.ndarray


def _window(points: np.ndarray, height: int, width: int):
  """Pixel window (r0, r1, c0, c1) touched by points, clipped to the image."""
  lo = points.min(axis=0) + 0.5
  hi = points.max(axis=0) + 0.5
  r0 = max(0, math.floor(lo[1]))
  r1 = min(height, math.ceil(hi[1]))
  c0 = max(0, math.floor(lo[0]))
  c1 = min(width, math.ceil(hi[0]))
  return r0, r1, c0, c1


def _integer_crossings(a: np.ndarray, b: np.ndarray):
  """Edge ids and parameters t where a + t (b - a) is an integer, 0 < t < 1."""
  lo, hi = np.minimum(a, b), np.maximum(a, b)
  first = np.floor(lo) + 1.0
  count = np.maximum(np.ceil(hi) - first, 0.0).astype(np.int64)
  edge = np.repeat(np.arange(a.size), count)
  offsets = np.arange(edge.size) - np.repeat(np.cumsum(count) - count, count)
  value = first[edge] + offsets
  return edge, (value - a[edge]) / (b[edge] - a[edge])


def polygon(points, height: int, width: int) -> Coverage | None:
  """Exact coverage of a closed polygon (non-zero winding, clipped to 1).

  Args:
    points: `(K, 2)` vertices `(x, y)` in image pixels, either orientation.
    height: image height in pixels.
    width: image width in pixels.

  Returns:
    The coverage over the polygon's bounding window, or None when the
    polygon misses the image.
  """
  points = np.asarray(points, np.float64)
  r0, r1, c0, c1 = _window(points, height, width)
  if r1 <= r0 or c1 <= c0:
    return None
  rows_n, w = r1 - r0, c1 - c0
  start = points + np.array([0.5 - c0, 0.5 - r0])
  end = np.concatenate([start[1:], start[:1]])
  u0, v0, u1, v1 = start[:, 0], start[:, 1], end[:, 0], end[:, 1]
  # Cut every edge where it crosses a pixel column or row boundary.
  n = u0.size
  edge_uv, t_uv = _integer_crossings(np.concatenate([u0, v0]),
                                     np.concatenate([u1, v1]))
  ids = np.arange(n)
  edge = np.concatenate([ids, edge_uv % n, ids])
  t = np.concatenate([np.zeros(n), t_uv, np.ones(n)])
  order = np.lexsort((t, edge))
  edge, t = edge[order], t[order]
  same = edge[1:] == edge[:-1]
  e, ta, tb = edge[1:][same], t[:-1][same], t[1:][same]
  du, dv = u1[e] - u0[e], v1[e] - v0[e]
  tm = (ta + tb) * 0.5
  v_mid = v0[e] + tm * dv
  dy = (tb - ta) * dv
  rows = np.floor(v_mid)
  keep = (rows >= 0) & (rows < rows_n) & (dy != 0)
  # Pieces left of the window cover whole pixels to their right, so clamping
  # u into the window is exact; pieces right of it add nothing.
  u_mid = np.minimum(np.maximum(u0[e] + tm * du, 0.0), float(w))
  cols = np.floor(u_mid)
  frac = (u_mid - cols)[keep]
  dy = dy[keep]
  flat = (rows[keep] * (w + 1) + cols[keep]).astype(np.int64)
  size = rows_n * (w + 1)
  acc = np.bincount(flat, dy * (1.0 - frac), minlength=size + 1)
  acc[1:] += np.bincount(flat, dy * frac, minlength=size + 1)[:-1]
  area = np.cumsum(acc[:size].reshape(rows_n, w + 1), axis=1)[:, :w]
  alpha = np.minimum(np.abs(area), 1.0).astype(np.float32)
  return Coverage(r0, c0, alpha)


def ellipse_points(centre, axes, angle: float = 0.0) -> np.ndarray:
  """Vertices of a polygon with the same area as the ellipse.

  Args:
    centre: `(x, y)` in pixels.
    axes: `(a, b)` semi-axes in pixels.
    angle: rotation of the a axis from +x, radians.

  Returns:
    `(K, 2)` vertices, with K growing with the perimeter so the chord error
    stays below a hundredth of a pixel or so.
  """
  a, b = float(axes[0]), float(axes[1])
  k = int(np.clip(np.ceil(2.0 * np.pi * max(a, b, 1e-3) / 0.6), 16, 256))
  # Inflate so the inscribed polygon's area equals the ellipse's.
  inflate = np.sqrt(2.0 * np.pi / (k * np.sin(2.0 * np.pi / k)))
  phi = np.arange(k) * (2.0 * np.pi / k)
  local = np.stack([a * np.cos(phi), b * np.sin(phi)], axis=1) * inflate
  c, s = np.cos(angle), np.sin(angle)
  return local @ np.array([[c, s], [-s, c]]) + np.asarray(centre, np.float64)


def ellipse(centre, axes, angle: float, height: int,
            width: int) -> Coverage | None:
  """Coverage of a filled ellipse; see `ellipse_points` for the arguments."""
  return polygon(ellipse_points(centre, axes, angle), height, width)


def stroke(points, line_width: float, height: int, width: int,
           closed: bool = False) -> Coverage | None:
  """Coverage of a polyline drawn with round joins and caps.

  Coverage ramps linearly with the distance d from the pixel centre to the
  polyline, `clip(line_width / 2 + 0.5 - d, 0, 1)`: exact for edges along
  the pixel grid, and symmetric about every edge in general, so a stroke stays
  centred on its points to well under a hundredth of a pixel, and its
  cross-section integrates to exactly `line_width`.

  Args:
    points: `(K, 2)` polyline vertices in pixels; the stroke is centred on it.
    line_width: full stroke width in pixels; widths below 1 are drawn as 1.
    height: image height in pixels.
    width: image width in pixels.
    closed: also join the last vertex back to the first.

  Returns:
    The coverage, or None when the stroke misses the image.
  """
  points = np.asarray(points, np.float64)
  half = max(line_width, 1.0) / 2.0
  r0, r1, c0, c1 = _window(points, height, width)
  reach = math.ceil(half + 1.0)
  r0, c0 = max(0, r0 - reach), max(0, c0 - reach)
  r1, c1 = min(height, r1 + reach), min(width, c1 + reach)
  if r1 <= r0 or c1 <= c0:
    return None
  if closed:
    points = np.concatenate([points, points[:1]])
  if len(points) == 1:
    points = np.concatenate([points, points])
  ax, ay = points[:-1, 0], points[:-1, 1]
  dx, dy = points[1:, 0] - ax, points[1:, 1] - ay
  inv = 1.0 / np.maximum(dx * dx + dy * dy, 1e-12)
  px = np.arange(c0, c1, dtype=np.float64)[None, :, None] - ax
  py = np.arange(r0, r1, dtype=np.float64)[:, None, None] - ay
  t = np.minimum(np.maximum((px * dx + py * dy) * inv, 0.0), 1.0)
  ex, ey = px - t * dx, py - t * dy
  distance = np.sqrt((ex * ex + ey * ey).min(axis=-1))
  alpha = np.minimum(np.maximum(half + 0.5 - distance, 0.0), 1.0)
  return Coverage(r0, c0, alpha.astype(np.float32))


def paint(canvas: np.ndarray, coverage: Coverage | None, colour,
          opacity: float = 1.0) -> None:
  """Blends a colour into `canvas` in place, weighted by the coverage.

  Args:
    canvas: `(H, W, C)` float32 image.
    coverage: where to paint, or None (nothing to do).
    colour: `(C,)` colour in the canvas's units.
    opacity: global opacity in [0, 1].
  """
  if coverage is None:
    return
  h, w = coverage.alpha.shape
  region = canvas[coverage.row:coverage.row + h, coverage.col:coverage.col + w]
  weight = (coverage.alpha * opacity)[..., None]
  region += (np.asarray(colour, np.float32) - region) * weight
