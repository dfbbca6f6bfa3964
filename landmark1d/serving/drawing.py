"""Drawing landmarks on images (training summaries, the predict CLI)."""

from __future__ import annotations

import cv2
import numpy as np

_SHIFT = 4  # cv2 fixed-point bits: sub-pixel positions at 1/16 px


def draw_landmarks(image: np.ndarray, landmarks: np.ndarray,
                   color=(255, 64, 64), radius: float | None = None,
                   truth: np.ndarray | None = None) -> np.ndarray:
  """Returns a copy of an RGB uint8 image with landmarks drawn as dots.

  Args:
    image: `(H, W, 3)` uint8 RGB.
    landmarks: `(N, 2)` in the package's pixel convention.
    color: RGB dot colour.
    radius: dot radius in pixels; None scales with the image.
    truth: optional `(N, 2)` ground truth, drawn in green under the dots.

  Returns:
    `(H, W, 3)` uint8.
  """
  out = np.ascontiguousarray(image, dtype=np.uint8).copy()
  if radius is None:
    radius = max(out.shape[0], out.shape[1]) / 200.0 + 0.5
  r = int(round(radius * (1 << _SHIFT)))
  layers = [(truth, (64, 220, 64))] if truth is not None else []
  layers.append((landmarks, tuple(int(c) for c in color)))
  for points, rgb in layers:
    for x, y in np.asarray(points, np.float64):
      if not (np.isfinite(x) and np.isfinite(y)):
        continue
      centre = (int(round(x * (1 << _SHIFT))), int(round(y * (1 << _SHIFT))))
      cv2.circle(out, centre, r, rgb, -1, cv2.LINE_AA, _SHIFT)
  return out
