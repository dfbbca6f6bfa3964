"""FAN's stacked hourglass backbone (Bulat & Tzimiropoulos, ICCV 2017).

The paper's detector learns its facial representation with this network
(Section 4.1.1, Fig. 2a). Pieces:

- `MultiScaleBlock`: FAN's hierarchical, parallel, multi-scale residual block:
  three 3x3 convolutions in a chain with C/2, C/4 and C/4 output channels whose
  outputs are concatenated back to C channels, plus a (projected) skip.
- `Hourglass`: one hourglass of a given depth (down-sampling levels).
- `Stem`: the stride-4 entry (7x7 stride-2 conv, block, 2x pool, blocks): an
  F x F image becomes an F/4 x F/4 map (256 -> 64).

`stacked_hourglass` wires them into S stacks with FAN's inter-stack merge; the
heads live in `heads.py`.
"""

from __future__ import annotations

from typing import Callable

import keras
from keras import layers
from keras import ops


@keras.saving.register_keras_serializable(package="landmark1d")
class MultiScaleBlock(layers.Layer):
  """FAN's multi-scale residual block, pre-activation (BN, ReLU, conv).

  Args:
    filters: output channels C; must be divisible by 4.
    **kwargs: base layer arguments.

  Call arguments:
    inputs: `(batch, H, W, C_in)`.
    training: batch-norm mode.

  Returns:
    `(batch, H, W, C)`.

  Reference:
    Bulat & Tzimiropoulos, "How far are we from solving the 2D & 3D face
    alignment problem?", ICCV 2017, Fig. 2 (the block of [Bulat 2017b]).
  """

  def __init__(self, filters: int, **kwargs):
    super().__init__(**kwargs)
    if filters < 4 or filters % 4:
      raise ValueError(f"MultiScaleBlock filters must be a positive multiple "
                       f"of 4, got {filters}")
    self.filters = filters
    widths = (filters // 2, filters // 4, filters // 4)
    self._norms = [layers.BatchNormalization(momentum=0.9, epsilon=1e-5, name=f"bn{i}")
                   for i in range(3)]
    self._convs = [layers.Conv2D(w, 3, padding="same", use_bias=False,
                                 name=f"conv{i}")
                   for i, w in enumerate(widths)]
    self._skip_norm = None
    self._skip_conv = None

  def build(self, input_shape):
    if input_shape[-1] != self.filters:
      self._skip_norm = layers.BatchNormalization(momentum=0.9, epsilon=1e-5, name="skip_bn")
      self._skip_conv = layers.Conv2D(self.filters, 1, use_bias=False,
                                      name="skip_conv")
    super().build(input_shape)

  def call(self, inputs, training=None):
    branches = []
    x = inputs
    for norm, conv in zip(self._norms, self._convs):
      x = conv(ops.relu(norm(x, training=training)))
      branches.append(x)
    skip = inputs
    if self._skip_conv is not None:
      skip = self._skip_conv(ops.relu(self._skip_norm(inputs,
                                                      training=training)))
    return ops.concatenate(branches, axis=-1) + skip


  def get_config(self):
    return {**super().get_config(), "filters": self.filters}


@keras.saving.register_keras_serializable(package="landmark1d")
class Hourglass(layers.Layer):
  """One hourglass: recursive 2x down-sampling and symmetric up-sampling.

  At each level the input is kept by an upper-branch block, max-pooled, sent
  through a block, the next level (or a block at the bottom), another block,
  nearest-neighbour up-sampled and added to the upper branch.

  Args:
    filters: channels C throughout.
    depth: number of down-sampling levels (FAN: 4). The input side must be
      divisible by 2**depth.
    **kwargs: base layer arguments.

  Call arguments:
    inputs: `(batch, H, W, C)`.
    training: batch-norm mode.

  Returns:
    `(batch, H, W, C)`.

  Reference:
    Newell et al., "Stacked hourglass networks for human pose estimation",
    ECCV 2016; FAN uses it with the multi-scale block.
  """

  def __init__(self, filters: int, depth: int, **kwargs):
    super().__init__(**kwargs)
    if depth < 1:
      raise ValueError(f"Hourglass depth must be >= 1, got {depth}")
    self.filters = filters
    self.depth = depth
    self._upper = [MultiScaleBlock(filters, name=f"upper{d}")
                   for d in range(depth)]
    self._down = [MultiScaleBlock(filters, name=f"down{d}")
                  for d in range(depth)]
    self._up = [MultiScaleBlock(filters, name=f"up{d}") for d in range(depth)]
    self._bottom = MultiScaleBlock(filters, name="bottom")

  def build(self, input_shape):
    side = input_shape[1]
    if side is not None and side % (2 ** self.depth):
      raise ValueError(f"Hourglass of depth {self.depth} needs a feature map "
                       f"side divisible by {2 ** self.depth}, got {side} "
                       f"(input size / 4)")
    super().build(input_shape)

  def _level(self, x, level, training):
    upper = self._upper[level](x, training=training)
    low = ops.max_pool(x, pool_size=2, strides=2)
    low = self._down[level](low, training=training)
    if level + 1 < self.depth:
      low = self._level(low, level + 1, training)
    else:
      low = self._bottom(low, training=training)
    low = self._up[level](low, training=training)
    low = ops.repeat(ops.repeat(low, 2, axis=1), 2, axis=2)
    return upper + low

  def call(self, inputs, training=None):
    return self._level(inputs, 0, training)


  def get_config(self):
    return {**super().get_config(), "filters": self.filters,
            "depth": self.depth}


@keras.saving.register_keras_serializable(package="landmark1d")
class Stem(layers.Layer):
  """FAN's stride-4 entry: F x F x 3 image -> F/4 x F/4 x C features.

  Args:
    filters: output channels C (FAN: 256); internal widths are C/4 and C/2.
    **kwargs: base layer arguments.

  Call arguments:
    inputs: `(batch, F, F, 3)` float images.
    training: batch-norm mode.

  Returns:
    `(batch, F/4, F/4, C)`.
  """

  def __init__(self, filters: int, **kwargs):
    super().__init__(**kwargs)
    self.filters = filters
    self._conv = layers.Conv2D(max(filters // 4, 4), 7, strides=2,
                               padding="same", name="conv")
    self._norm = layers.BatchNormalization(momentum=0.9, epsilon=1e-5, name="bn")
    half = max(filters // 2 // 4 * 4, 4)
    self._block1 = MultiScaleBlock(half, name="block1")
    self._block2 = MultiScaleBlock(half, name="block2")
    self._block3 = MultiScaleBlock(filters, name="block3")

  def build(self, input_shape):
    side = input_shape[1]
    if side is not None and side % 4:
      raise ValueError(f"input size must be divisible by 4, got {side}")
    super().build(input_shape)

  def call(self, inputs, training=None):
    x = ops.relu(self._norm(self._conv(inputs), training=training))
    x = self._block1(x, training=training)
    x = ops.average_pool(x, pool_size=2, strides=2)
    x = self._block2(x, training=training)
    return self._block3(x, training=training)


  def get_config(self):
    return {**super().get_config(), "filters": self.filters}


def stacked_hourglass(images, *, num_stacks: int, channels: int, depth: int,
                      head: Callable, feedback: Callable | None = None):
  """Runs S hourglass stacks with a head on each (intermediate supervision).

  FAN's stack s: hourglass -> block -> 1x1 conv + BN + ReLU = features; the
  head reads the features; the next stack's input is the previous input plus
  1x1 projections of the features and of the head's feedback map.

  Args:
    images: `(batch, F, F, 3)` symbolic input.
    num_stacks: S.
    channels: C.
    depth: hourglass depth.
    head: `(features (batch, F/4, F/4, C), stack index) -> outputs`.
    feedback: `(outputs, stack index) -> (batch, F/4, F/4, K)` map merged into
      the next stack (FAN merges its 2D heatmaps), or None to merge the
      features only.

  Returns:
    A list with the head's outputs for each stack.
  """
  x = Stem(channels, name="stem")(images)
  outputs = []
  for s in range(num_stacks):
    y = Hourglass(channels, depth, name=f"hourglass{s}")(x)
    y = MultiScaleBlock(channels, name=f"stack{s}_block")(y)
    y = layers.Conv2D(channels, 1, name=f"stack{s}_conv")(y)
    y = layers.BatchNormalization(momentum=0.9, epsilon=1e-5, name=f"stack{s}_bn")(y)
    features = layers.Activation("relu", name=f"stack{s}_features")(y)
    out = head(features, s)
    outputs.append(out)
    if s + 1 < num_stacks:
      merge = [x, layers.Conv2D(channels, 1, name=f"stack{s}_merge_features")(
          features)]
      if feedback is not None:
        merge.append(layers.Conv2D(channels, 1,
                                   name=f"stack{s}_merge_heatmaps")(
                                       feedback(out, s)))
      x = layers.Add(name=f"stack{s}_merge")(merge)
  return outputs
