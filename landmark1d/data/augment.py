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
    occlusion_per_frame: in a tracker's clip, each frame draws its own
      occluder (the clip's seed folded with the frame's position), as a hand
      or object moving past a face does; geometry and colour stay one draw
      per clip. Off (the default): the same rectangle in every frame.
  """

  rotation: float = 30.0
  scale: float = 0.25
  translate: float = 0.05
  flip: bool = True
  color: bool = True
  occlusion: float = 0.2
  occlusion_per_frame: bool = False

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


# RGB -> YIQ (NTSC); row 0 holds the luma weights.
_YIQ = ((0.299, 0.587, 0.114),
        (0.595716, -0.274453, -0.321263),
        (0.211456, -0.522591, 0.311135))


def colour_matrix(saturation, hue_turns):
  """The `(3, 3)` RGB map of a saturation and hue change.

  Saturation blends each pixel with its luma (the PIL / torchvision
  definition); hue rotates the chroma plane of YIQ by `hue_turns` x 360 deg.
  Both are linear, so unlike `tf.image`'s round trip through HSV they fold
  into one matrix: on CPU the HSV ops cost more than the crop warp itself.
  """
  luma = tf.constant(_YIQ[0], tf.float32)
  saturate = (saturation * tf.eye(3)
              + (1.0 - saturation) * tf.ones([3, 1]) * luma[None, :])
  angle = 2.0 * math.pi * hue_turns
  cos, sin = tf.cos(angle), tf.sin(angle)
  one, zero = tf.ones([]), tf.zeros([])
  rotate = tf.stack([tf.stack([one, zero, zero]), tf.stack([zero, cos, -sin]),
                     tf.stack([zero, sin, cos])])
  yiq = tf.constant(_YIQ, tf.float32)
  return tf.linalg.inv(yiq) @ rotate @ yiq @ saturate


def color_jitter(image, seed):
  """Random brightness, contrast, saturation and hue, clipped to [0, 1].

  Brightness adds delta in [-0.2, 0.2]; contrast c in [0.7, 1.3] scales about
  each channel's mean (as `tf.image.adjust_contrast`); saturation in
  [0.7, 1.3] and hue in [-0.04, 0.04] turns as in `colour_matrix`.

  Args:
    image: `(H, W, 3)` float32 in [0, 1].
    seed: `(2,)` int seed.

  Returns:
    The jittered `(H, W, 3)` image.
  """
  seeds = tf.random.experimental.stateless_split(seed, 4)
  delta = _uniform(seeds[0], -0.2, 0.2)
  contrast = _uniform(seeds[1], 0.7, 1.3)
  colour = colour_matrix(_uniform(seeds[2], 0.7, 1.3),
                         _uniform(seeds[3], -0.04, 0.04))
  mean = tf.reduce_mean(image, axis=[0, 1])
  # c (x - m) + m + delta = c x + (1 - c) m + delta, then the colour matrix.
  offset = tf.linalg.matvec(colour, (1.0 - contrast) * mean + delta)
  # One (pixels, 3) x (3, 3) product rather than a matvec per pixel.
  pixels = tf.reshape(image, [-1, 3]) @ tf.transpose(contrast * colour)
  return tf.clip_by_value(tf.reshape(pixels, tf.shape(image)) + offset,
                          0.0, 1.0)


def occlude(image, seed, probability: float):
  """With `probability`, pastes one rectangle of uniform noise.

  The rectangle's sides are 10-40 % of the image side, placed uniformly.

  Args:
    image: `(H, W, 3)` float32 in [0, 1].
    seed: `(2,)` int seed.
    probability: chance of an occluder.

  Returns:
    The `(H, W, 3)` image.
  """
  image = tf.convert_to_tensor(image, tf.float32)
  seeds = tf.random.experimental.stateless_split(seed, 4)

  def paste():
    side = tf.cast(tf.shape(image)[0], tf.float32)
    size = tf.random.stateless_uniform([2], seeds[0], 0.1, 0.4) * side
    corner = tf.random.stateless_uniform([2], seeds[1]) * (side - size)
    grid = tf.range(side)
    inside_y = (grid >= corner[1]) & (grid < corner[1] + size[1])
    inside_x = (grid >= corner[0]) & (grid < corner[0] + size[0])
    box = inside_y[:, None] & inside_x[None, :]
    noise = tf.random.stateless_uniform(tf.shape(image), seeds[2])
    return tf.where(box[..., None], noise, image)

  # Most crops are not occluded: skip building the noise image for them.
  return tf.cond(_uniform(seeds[3], 0.0, 1.0) < probability, paste,
                 lambda: image)


def photometric(image, seed, params: AugmentParams, frame=None):
  """Colour jitter and random occlusion of a `(F, F, 3)` image in [0, 1].

  Args:
    image: `(F, F, 3)` float32 in [0, 1].
    seed: `(2,)` int seed (a clip's frames share it).
    params: the ranges.
    frame: the frame's position in its clip (int scalar), or None for a
      still; with `params.occlusion_per_frame` it is folded into the
      occlusion seed.

  Returns:
    The `(F, F, 3)` image.
  """
  color_seed, occlusion_seed = tf.unstack(
      tf.random.experimental.stateless_split(seed, 2))
  if params.color:
    image = color_jitter(image, color_seed)
  if params.occlusion > 0:
    if params.occlusion_per_frame and frame is not None:
      occlusion_seed = tf.random.experimental.stateless_fold_in(
          occlusion_seed, frame)
    image = occlude(image, occlusion_seed, params.occlusion)
  return image
