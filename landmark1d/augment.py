"""Training augmentation with core TF ops, keyed on stateless seeds.

Geometry is one affine map per example, crop pixel -> crop pixel, composed
with the crop window's crop -> image map so that the original image is
resampled once (no double interpolation, no black corners from rotating a
crop). Photometric jitter and occlusion act on the warped crop.

Every random draw is a stateless op of a `(2,)` seed derived from the
experiment seed and the example's global index, so a resumed run replays
exactly the augmentations an uninterrupted run would have drawn.
"""

from __future__ import annotations

import dataclasses
import math

import tensorflow as tf


@dataclasses.dataclass(frozen=True)
class AugmentParams:
  """Ranges of the random augmentation (plain values, validated).

  Attributes:
    rotation: max |rotation| in degrees (the usual face setting: 30).
    scale: relative zoom range, zoom drawn from [1 - scale, 1 + scale].
    translate: max shift as a fraction of the crop side, per axis.
    flip: horizontal flip with probability 1/2 (landmarks permuted).
    color: brightness / contrast / saturation / hue jitter.
    occlusion: probability of one random rectangle of noise.
  """

  rotation: float = 30.0
  scale: float = 0.25
  translate: float = 0.05
  flip: bool = True
  color: bool = True
  occlusion: float = 0.2

  def __post_init__(self):
    checks = [(0 <= self.rotation <= 180, "rotation must be in [0, 180]"),
              (0 <= self.scale < 1, "scale must be in [0, 1)"),
              (0 <= self.translate < 0.5, "translate must be in [0, 0.5)"),
              (0 <= self.occlusion <= 1, "occlusion must be in [0, 1]")]
    for ok, message in checks:
      if not ok:
        raise ValueError(f"AugmentParams.{message}, got {self}")


def _uniform(seed, low, high):
  return tf.random.stateless_uniform([], seed, low, high, tf.float32)


def random_affine(seed, params: AugmentParams, crop_size: int):
  """Draws an augmentation as an output-crop -> input-crop matrix.

  Output pixel u samples the un-augmented crop at `matrix @ u`: flip (if
  drawn), then rotation by theta and zoom about the crop centre, then shift.

  Args:
    seed: `(2,)` int seed.
    params: the ranges.
    crop_size: F.

  Returns:
    `(matrix (3, 3) float32, flipped bool scalar)`.
  """
  seeds = tf.random.experimental.stateless_split(seed, 5)
  theta = _uniform(seeds[0], -params.rotation, params.rotation) * (
      math.pi / 180.0)
  zoom = _uniform(seeds[1], 1.0 - params.scale, 1.0 + params.scale)
  shift = tf.random.stateless_uniform([2], seeds[2], -params.translate,
                                      params.translate) * crop_size
  flipped = tf.logical_and(tf.constant(params.flip),
                           _uniform(seeds[3], 0.0, 1.0) < 0.5)
  c = (crop_size - 1) / 2.0
  cos, sin = tf.cos(theta) / zoom, tf.sin(theta) / zoom
  # p = c + shift + R(theta) / zoom (u' - c), u' = flipped u.
  rotate = tf.stack([
      tf.stack([cos, -sin, c + shift[0] - cos * c + sin * c]),
      tf.stack([sin, cos, c + shift[1] - sin * c - cos * c]),
      tf.constant([0.0, 0.0, 1.0])])
  flip = tf.where(flipped,
                  tf.constant([[-1.0, 0.0, crop_size - 1.0], [0.0, 1.0, 0.0],
                               [0.0, 0.0, 1.0]]), tf.eye(3))
  return rotate @ flip, flipped


def warp(image, matrix, crop_size: int):
  """Resamples `image` so that output pixel u shows image point `matrix @ u`.

  Args:
    image: `(H, W, C)` float image.
    matrix: `(3, 3)` output -> input pixel map (pixel centres at integers).
    crop_size: output side F.

  Returns:
    `(F, F, C)` float32, bilinear, zeros outside the image.
  """
  transform = tf.reshape(matrix, [9])[:8] / matrix[2, 2]
  return tf.raw_ops.ImageProjectiveTransformV3(
      images=tf.cast(image, tf.float32)[None],
      transforms=transform[None],
      output_shape=tf.constant([crop_size, crop_size], tf.int32),
      fill_value=0.0, interpolation="BILINEAR", fill_mode="CONSTANT")[0]


def photometric(image, seed, params: AugmentParams):
  """Colour jitter and random occlusion of a `(F, F, 3)` image in [0, 1]."""
  seeds = tf.random.experimental.stateless_split(seed, 8)
  if params.color:
    image = tf.image.stateless_random_brightness(image, 0.2, seeds[0])
    image = tf.image.stateless_random_contrast(image, 0.7, 1.3, seeds[1])
    image = tf.image.stateless_random_saturation(image, 0.7, 1.3, seeds[2])
    image = tf.image.stateless_random_hue(image, 0.04, seeds[3])
    image = tf.clip_by_value(image, 0.0, 1.0)
  if params.occlusion > 0:
    side = tf.cast(tf.shape(image)[0], tf.float32)
    size = tf.random.stateless_uniform([2], seeds[4], 0.1, 0.4) * side
    corner = tf.random.stateless_uniform([2], seeds[5]) * (side - size)
    grid = tf.range(side)
    inside_y = (grid >= corner[1]) & (grid < corner[1] + size[1])
    inside_x = (grid >= corner[0]) & (grid < corner[0] + size[0])
    box = inside_y[:, None] & inside_x[None, :]
    apply = _uniform(seeds[6], 0.0, 1.0) < params.occlusion
    noise = tf.random.stateless_uniform(tf.shape(image), seeds[7])
    image = tf.where((box & apply)[..., None], noise, image)
  return image
