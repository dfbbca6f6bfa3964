"""A light backbone for CPU serving: MobileNetV3-style blocks in one hourglass.

The alternative to FAN's stacked hourglass (`hourglass.py`) under the same
heads: an F x F image becomes the F/4 x F/4 x C feature map the heads read,
with the hourglass's receptive field (down to F/4 / 2**depth and back), at a
fraction of its cost (BUILD_NOTES.md, "A mobile backbone"). Pieces:

- `InvertedResidual`: MobileNetV3's block: 1x1 expansion, depthwise
  convolution, optional squeeze-and-excite, linear 1x1 projection, identity
  skip when the shape allows.
- `MobileBackbone`: a stride-4 stem, an encoder of inverted residuals down
  `depth` levels below F/4, and a decoder that up-samples back to F/4 adding
  1x1 projections of the encoder's maps (the hourglass's upper branches).
"""

from __future__ import annotations

import keras
from keras import layers
from keras import ops

ACTIVATIONS = {"relu": ops.relu, "hard_swish": ops.hard_swish}


def _norm(name):
  return layers.BatchNormalization(momentum=0.9, epsilon=1e-5, name=name)


@keras.saving.register_keras_serializable(package="landmark1d")
class InvertedResidual(layers.Layer):
  """MobileNetV3's inverted residual block (BN after every convolution).

  Args:
    filters: output channels.
    expanded: channels of the depthwise stage; equal to the input channels,
      the expansion convolution is left out (MobileNetV3's first block).
    kernel_size: depthwise kernel side. Defaults to 3.
    strides: depthwise stride, 1 or 2. Defaults to 1.
    squeeze_excite: whether to gate the expanded channels by
      squeeze-and-excite (a bottleneck of expanded / 4). Defaults to False.
    activation: "relu" or "hard_swish". Defaults to "relu".
    **kwargs: base layer arguments.

  Call arguments:
    inputs: `(batch, H, W, C_in)`.
    training: batch-norm mode.

  Returns:
    `(batch, H / strides, W / strides, filters)`.

  Reference:
    Howard et al., "Searching for MobileNetV3", ICCV 2019, Fig. 4 (the block
    of Sandler et al., "MobileNetV2", CVPR 2018, with squeeze-and-excite).
  """

  def __init__(self, filters: int, expanded: int, kernel_size: int = 3,
               strides: int = 1, squeeze_excite: bool = False,
               activation: str = "relu", **kwargs):
    super().__init__(**kwargs)
    if strides not in (1, 2):
      raise ValueError(f"InvertedResidual strides must be 1 or 2, got "
                       f"{strides}")
    if activation not in ACTIVATIONS:
      raise ValueError(f"InvertedResidual activation must be one of "
                       f"{sorted(ACTIVATIONS)}, got {activation!r}")
    self.filters = filters
    self.expanded = expanded
    self.kernel_size = kernel_size
    self.strides = strides
    self.squeeze_excite = squeeze_excite
    self.activation = activation
    self._act = ACTIVATIONS[activation]
    self._expand = None
    self._depthwise = layers.DepthwiseConv2D(kernel_size, strides=strides,
                                             padding="same", use_bias=False,
                                             name="depthwise")
    self._depthwise_norm = _norm("depthwise_bn")
    self._squeeze = self._excite = None
    if squeeze_excite:
      self._squeeze = layers.Conv2D(max(expanded // 4, 1), 1, name="squeeze")
      self._excite = layers.Conv2D(expanded, 1, name="excite")
    self._project = layers.Conv2D(filters, 1, use_bias=False, name="project")
    self._project_norm = _norm("project_bn")

  def build(self, input_shape):
    if input_shape[-1] != self.expanded:
      self._expand = layers.Conv2D(self.expanded, 1, use_bias=False,
                                   name="expand")
      self._expand_norm = _norm("expand_bn")
    super().build(input_shape)

  def call(self, inputs, training=None):
    x = inputs
    if self._expand is not None:
      x = self._act(self._expand_norm(self._expand(x), training=training))
    x = self._act(self._depthwise_norm(self._depthwise(x), training=training))
    if self._squeeze is not None:
      gate = ops.mean(x, axis=(1, 2), keepdims=True)
      gate = ops.hard_sigmoid(self._excite(ops.relu(self._squeeze(gate))))
      x = x * gate
    x = self._project_norm(self._project(x), training=training)
    if self.strides == 1 and inputs.shape[-1] == self.filters:
      x = x + inputs
    return x

  def get_config(self):
    return {**super().get_config(), "filters": self.filters,
            "expanded": self.expanded, "kernel_size": self.kernel_size,
            "strides": self.strides, "squeeze_excite": self.squeeze_excite,
            "activation": self.activation}


@keras.saving.register_keras_serializable(package="landmark1d")
class MobileBackbone(layers.Layer):
  """F x F x 3 image -> F/4 x F/4 x C features, from inverted residuals.

  Level l of the encoder (side F/4 / 2**l) is C/2 + l C/4 channels wide and
  holds two blocks of expansion 4 (the first one strided below F/4); the
  finer levels use ReLU, the coarser ones hard-swish and squeeze-and-excite,
  as MobileNetV3 does. The decoder runs at C channels: at each level, the
  2x nearest up-sampled map plus a 1x1 projection of the encoder's map, then
  a depthwise-separable residual block.

  Args:
    filters: output channels C, a multiple of 4.
    depth: down-sampling levels below F/4 (as `Hourglass`'s depth).
    **kwargs: base layer arguments.

  Call arguments:
    inputs: `(batch, F, F, 3)` float images.
    training: batch-norm mode.

  Returns:
    `(batch, F/4, F/4, C)`.
  """

  def __init__(self, filters: int, depth: int, **kwargs):
    super().__init__(**kwargs)
    if filters < 4 or filters % 4:
      raise ValueError(f"MobileBackbone filters must be a positive multiple "
                       f"of 4, got {filters}")
    if depth < 1:
      raise ValueError(f"MobileBackbone depth must be >= 1, got {depth}")
    self.filters = filters
    self.depth = depth
    quarter = filters // 4
    widths = [2 * quarter + level * quarter for level in range(depth + 1)]
    self._stem = layers.Conv2D(quarter, 3, strides=2, padding="same",
                               use_bias=False, name="stem_conv")
    self._stem_norm = _norm("stem_bn")
    self._stem_block = InvertedResidual(widths[0], quarter, strides=2,
                                        name="stem_block")
    self._encoder = []
    for level, width in enumerate(widths):
      late = level > 0
      style = dict(squeeze_excite=late,
                   activation="hard_swish" if late else "relu")
      entry = widths[max(level - 1, 0)]
      self._encoder.append([
          InvertedResidual(width, 4 * entry, strides=2 if late else 1,
                           name=f"encoder{level}_0", **style),
          InvertedResidual(width, 4 * width, name=f"encoder{level}_1",
                           **style)])
    self._bottom = layers.Conv2D(filters, 1, use_bias=False, name="bottom")
    self._bottom_norm = _norm("bottom_bn")
    self._lateral = [layers.Conv2D(filters, 1, use_bias=False,
                                   name=f"lateral{level}")
                     for level in range(depth)]
    self._lateral_norm = [_norm(f"lateral{level}_bn")
                          for level in range(depth)]
    self._decoder = [InvertedResidual(filters, filters, name=f"decoder{level}")
                     for level in range(depth)]

  def build(self, input_shape):
    side = input_shape[1]
    if side is not None and side % (4 * 2 ** self.depth):
      raise ValueError(f"MobileBackbone of depth {self.depth} needs an input "
                       f"size divisible by {4 * 2 ** self.depth}, got {side}")
    super().build(input_shape)

  def call(self, inputs, training=None):
    x = ops.hard_swish(self._stem_norm(self._stem(inputs), training=training))
    x = self._stem_block(x, training=training)
    skips = []
    for blocks in self._encoder:
      for block in blocks:
        x = block(x, training=training)
      skips.append(x)
    y = self._bottom_norm(self._bottom(skips.pop()), training=training)
    for level in reversed(range(self.depth)):
      y = ops.repeat(ops.repeat(y, 2, axis=1), 2, axis=2)
      y = y + self._lateral_norm[level](self._lateral[level](skips[level]),
                                        training=training)
      y = self._decoder[level](y, training=training)
    return ops.relu(y)

  def get_config(self):
    return {**super().get_config(), "filters": self.filters,
            "depth": self.depth}
