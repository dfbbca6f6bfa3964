"""The one pixel convention, and the maps between image, crop and heatmap.

Pixel convention (used by every builder, pipeline, metric and exported model):
  * Landmarks are `(x, y)` float32 in pixels, 0-based, with the centre of the
    top-left pixel at (0, 0). An image of width W spans x in [-0.5, W - 0.5].
  * The .pts files of 300-W, 300-VW and Talking Face are 1-based (MATLAB): the
    centre of the top-left pixel is (1, 1). Builders subtract 1 on reading
    (`from_pts`) and writers add it back (`to_pts`).
  * Integer pixel centres are also the convention of OpenCV's `warpAffine` and
    of TF's `ImageProjectiveTransformV3`, so no half-pixel fix-ups are needed
    when warping images with the matrices built here.

Crop windows: a face is cut out as a square window `(cx, cy, side)` in image
pixels (centre and side length) and resized to `crop_size` x `crop_size`. A
crop pixel u maps to image x = x0 + (u + 0.5) * side / crop_size, where
x0 = cx - side / 2 is the window's left edge (an edge, not a pixel centre).

Heatmaps: heatmap index u of a length-L heatmap over a crop of F pixels is the
crop coordinate u * F / L (eq. 7). At L = F heatmap bins are crop pixels.
"""

from __future__ import annotations

import tensorflow as tf

# FAN's crop convention (Bulat & Tzimiropoulos 2017, face-alignment): the
# window side is 200 / 195 of the box's width + height, and the centre moves up
# by 12 % of the box height, which centres a face detector's box on the face.
FAN_CONTEXT = 2.0 * 200.0 / 195.0
FAN_SHIFT = -0.12


def from_pts(points):
  """1-based .pts coordinates to this package's 0-based pixel coordinates."""
  return points - 1.0


def to_pts(points):
  """0-based pixel coordinates to 1-based .pts coordinates."""
  return points + 1.0


def square_window(box, context: float = FAN_CONTEXT, shift: float = FAN_SHIFT):
  """Square crop window around a face box.

  Args:
    box: `(..., 4)` face boxes `(x_min, y_min, x_max, y_max)` in image pixels.
    context: window side as a multiple of the box's mean side,
      `(width + height) / 2`. Defaults to FAN's 2 * 200 / 195.
    shift: vertical centre offset as a fraction of the box height (negative
      moves up). Defaults to FAN's -0.12.

  Returns:
    `(..., 3)` windows `(cx, cy, side)`.
  """
  box = tf.convert_to_tensor(box, tf.float32)
  x0, y0, x1, y1 = tf.unstack(box, axis=-1)
  w, h = x1 - x0, y1 - y0
  cx = (x0 + x1) / 2.0
  cy = (y0 + y1) / 2.0 + shift * h
  side = context * (w + h) / 2.0
  return tf.stack([cx, cy, side], axis=-1)


def image_to_crop(points, window, crop_size: int):
  """Maps image pixel coordinates into a crop window.

  Args:
    points: `(..., N, 2)` image coordinates `(x, y)`.
    window: `(..., 3)` windows `(cx, cy, side)`.
    crop_size: side F of the resized crop in pixels.

  Returns:
    `(..., N, 2)` crop coordinates.
  """
  points = tf.convert_to_tensor(points, tf.float32)
  window = tf.convert_to_tensor(window, tf.float32)
  centre = window[..., None, :2]
  side = window[..., None, 2:3]
  origin = centre - side / 2.0
  return (points - origin) * (crop_size / side) - 0.5


def crop_to_image(points, window, crop_size: int):
  """Inverse of `image_to_crop`: crop coordinates back to image pixels."""
  points = tf.convert_to_tensor(points, tf.float32)
  window = tf.convert_to_tensor(window, tf.float32)
  centre = window[..., None, :2]
  side = window[..., None, 2:3]
  origin = centre - side / 2.0
  return (points + 0.5) * (side / crop_size) + origin


def crop_to_image_matrix(window, crop_size: int):
  """Affine map from crop pixels to image pixels as a `(..., 3, 3)` matrix.

  This is the matrix that image warping ops want (they map each output pixel
  to the input position to sample). Compose it with augmentation matrices
  (also crop -> crop) by matrix product before warping.
  """
  window = tf.convert_to_tensor(window, tf.float32)
  cx, cy, side = tf.unstack(window, axis=-1)
  s = side / crop_size
  x0 = cx - side / 2.0 + 0.5 * s
  y0 = cy - side / 2.0 + 0.5 * s
  zero, one = tf.zeros_like(s), tf.ones_like(s)
  rows = [tf.stack([s, zero, x0], -1),
          tf.stack([zero, s, y0], -1),
          tf.stack([zero, zero, one], -1)]
  return tf.stack(rows, axis=-2)


def apply_affine(points, matrix):
  """Applies `(..., 3, 3)` affine matrices to `(..., N, 2)` points."""
  points = tf.convert_to_tensor(points, tf.float32)
  matrix = tf.convert_to_tensor(matrix, tf.float32)
  linear = matrix[..., :2, :2]
  offset = matrix[..., None, :2, 2]
  return tf.linalg.matvec(linear[..., None, :, :], points) + offset


def crop_to_heatmap(points, crop_size: int, length: int):
  """Crop pixels to heatmap index coordinates, u = p * L / F (inverse of eq. 7)."""
  return tf.convert_to_tensor(points, tf.float32) * (length / crop_size)


def heatmap_to_crop(indices, crop_size: int, length: int):
  """Heatmap index coordinates to crop pixels, p = u * F / L (eq. 7)."""
  return tf.cast(indices, tf.float32) * (crop_size / length)


def similarity_fit(source, target):
  """Least-squares similarity (scale, rotation, shift) taking source to target.

  The closed form of the 2D Procrustes fit: with centred points as complex
  numbers a (source) and b (target), s * exp(i theta) = sum(conj(a) b) /
  sum(|a|^2).

  Args:
    source: `(K, 2)` points, K >= 2, not all equal.
    target: `(K, 2)` points.

  Returns:
    `(3, 3)` affine matrix for `apply_affine`.
  """
  source = tf.convert_to_tensor(source, tf.float32)
  target = tf.convert_to_tensor(target, tf.float32)
  mean_s = tf.reduce_mean(source, 0)
  mean_t = tf.reduce_mean(target, 0)
  a, b = source - mean_s, target - mean_t
  norm = tf.reduce_sum(a * a)
  c = tf.reduce_sum(a[:, 0] * b[:, 0] + a[:, 1] * b[:, 1]) / norm
  s = tf.reduce_sum(a[:, 0] * b[:, 1] - a[:, 1] * b[:, 0]) / norm
  linear = tf.stack([tf.stack([c, -s]), tf.stack([s, c])])
  offset = mean_t - tf.linalg.matvec(linear, mean_s)
  top = tf.concat([linear, offset[:, None]], axis=1)
  return tf.concat([top, tf.constant([[0.0, 0.0, 1.0]])], axis=0)


def tight_box(points):
  """`(x_min, y_min, x_max, y_max)` of `(..., N, 2)` points."""
  points = tf.convert_to_tensor(points, tf.float32)
  return tf.concat([tf.reduce_min(points, -2), tf.reduce_max(points, -2)], -1)
