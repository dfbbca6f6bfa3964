"""Heatmap heads on the hourglass features: the attentive 1D head and FAN's 2D head.

`Head1D` is the paper's detector head (Section 4.1, Fig. 2a):
  CNN1^x compresses the (H, W) feature map along y with (2, 1)-strided
  convolutions down to one row: K x-direction features of W positions by a;
  CNN1^y does the same along x. The co-attention layer (eq. 9-10) mixes them;
  CNN2^x / CNN2^y turn the K * a channels of each position into N heatmaps and
  change the length from W (H) to L with transposed convolutions (stride =
  each prime factor of L / W, so L = 384 = 64 * 2 * 3 or 640 = 64 * 2 * 5 work).

`Head2D` is the FAN baseline: a 1x1 convolution to N maps at the feature
resolution, preceded by stride-2 transposed convolutions when L is 2x or 4x
the feature size (the paper's 2D rows at L = 128 and 256).

Heads emit float32 whatever the layer policy, so losses and decoders never see
float16.
"""

from __future__ import annotations

import keras
from keras import layers
from keras import ops

from landmark1d.models import coattention


def _prime_factors(n: int) -> list[int]:
  factors, p = [], 2
  while n > 1:
    while n % p == 0:
      factors.append(p)
      n //= p
    p += 1
  return factors


def _resampling_factors(source: int, target: int, what: str):
  """(up, factors): the integer steps taking `source` positions to `target`."""
  if target % source == 0:
    return True, _prime_factors(target // source)
  if source % target == 0:
    return False, _prime_factors(source // target)
  raise ValueError(
      f"{what}: heatmap_length {target} must be a multiple or a divisor of "
      f"the feature size {source} (input size / 4)")


def _conv_bn_relu(conv, name):
  return [conv, layers.BatchNormalization(momentum=0.9, epsilon=1e-5, name=f"{name}_bn"),
          layers.ReLU(name=f"{name}_relu")]


def _run(sequence, x, training):
  for layer in sequence:
    if isinstance(layer, layers.BatchNormalization):
      x = layer(x, training=training)
    else:
      x = layer(x)
  return x


@keras.saving.register_keras_serializable(package="landmark1d")
class Head1D(layers.Layer):
  """The attentive 1D heatmap head: CNN1, co-attention, CNN2 (Fig. 2a).

  Args:
    num_landmarks: N heatmaps per axis.
    heatmap_length: L; a multiple or divisor of the feature size.
    attention_channels: K co-attention channels. Defaults to None (= N, one
      per landmark).
    attention_dims: a, the feature size per channel and position. Defaults
      to 16.
    gamma: co-attention weight of eq. 10; 0 turns co-attention off. Defaults
      to 0.3.
    width: channels of the CNN1 / CNN2 convolutions. Defaults to 64.
    **kwargs: base layer arguments.

  Call arguments:
    features: `(batch, H, W, C)` hourglass features.
    training: batch-norm mode.

  Returns:
    `(hx, hy)`, each `(batch, N, L)` float32.

  Reference:
    Yin et al., ACM MM 2020, Section 4.1.1-4.1.2.
  """

  def __init__(self, num_landmarks: int, heatmap_length: int,
               attention_channels: int | None = None,
               attention_dims: int = 16, gamma: float = 0.3,
               width: int = 64, **kwargs):
    super().__init__(**kwargs)
    if num_landmarks < 1 or heatmap_length < 1 or attention_dims < 1:
      raise ValueError(
          f"Head1D needs positive num_landmarks, heatmap_length and "
          f"attention_dims, got {num_landmarks}, {heatmap_length}, "
          f"{attention_dims}")
    self.num_landmarks = num_landmarks
    self.heatmap_length = heatmap_length
    self.attention_channels = attention_channels
    self.attention_dims = attention_dims
    self.gamma = float(gamma)
    self.width = width
    self._channels = attention_channels or num_landmarks
    self.coattention = coattention.CoAttention(gamma, name="coattention")

  def _cnn1(self, axis: str, steps: int):
    strides = (2, 1) if axis == "x" else (1, 2)
    # A 1x1 reduction first: the strided 3x3 convolutions then run at the
    # head's width, which keeps the head a small fraction of the backbone.
    seq = _conv_bn_relu(layers.Conv2D(self.width, 1, use_bias=False,
                                      name=f"cnn1{axis}_reduce"),
                        f"cnn1{axis}_reduce")
    for i in range(steps):
      seq += _conv_bn_relu(
          layers.Conv2D(self.width, 3, strides=strides, padding="same",
                        use_bias=False, name=f"cnn1{axis}_conv{i}"),
          f"cnn1{axis}_{i}")
    seq.append(layers.Conv2D(self._channels * self.attention_dims, 1,
                             name=f"cnn1{axis}_out"))
    return seq

  def _cnn2(self, axis: str, positions: int):
    up, factors = _resampling_factors(positions, self.heatmap_length,
                                      f"Head1D {self.name}")
    seq = _conv_bn_relu(layers.Conv1D(self.width, 3, padding="same",
                                      use_bias=False,
                                      name=f"cnn2{axis}_mix"),
                        f"cnn2{axis}_mix")
    for i, f in enumerate(factors):
      conv_cls = layers.Conv1DTranspose if up else layers.Conv1D
      seq += _conv_bn_relu(
          conv_cls(self.width, 2 * f, strides=f, padding="same",
                   use_bias=False, name=f"cnn2{axis}_resample{i}"),
          f"cnn2{axis}_resample{i}")
    seq.append(layers.Conv1D(self.num_landmarks, 1, dtype="float32",
                             name=f"cnn2{axis}_out"))
    return seq

  def build(self, input_shape):
    _, h, w, _ = input_shape
    if h is None or w is None:
      raise ValueError("Head1D needs a static feature-map size")
    # Strided convolutions with "same" padding reach one row in ceil(log2 H).
    self._cnn1x = self._cnn1("x", max(int(h - 1).bit_length(), 0))
    self._cnn1y = self._cnn1("y", max(int(w - 1).bit_length(), 0))
    self._cnn2x = self._cnn2("x", w)
    self._cnn2y = self._cnn2("y", h)
    super().build(input_shape)

  def _to_channels(self, d, positions):
    """`(batch, positions, K * a)` -> `(batch, K, positions, a)`."""
    d = ops.reshape(d, (-1, positions, self._channels, self.attention_dims))
    return ops.transpose(d, (0, 2, 1, 3))

  def _from_channels(self, d, positions):
    """`(batch, K, positions, a)` -> `(batch, positions, K * a)`."""
    d = ops.transpose(d, (0, 2, 1, 3))
    return ops.reshape(d, (-1, positions,
                           self._channels * self.attention_dims))

  def call(self, features, training=None):
    h, w = features.shape[1], features.shape[2]
    dx = _run(self._cnn1x, features, training)[:, 0]      # (B, W, K a)
    dy = _run(self._cnn1y, features, training)[:, :, 0]   # (B, H, K a)
    dx, dy = self.coattention(self._to_channels(dx, w),
                              self._to_channels(dy, h))   # eq. 9-10
    hx = _run(self._cnn2x, self._from_channels(dx, w), training)
    hy = _run(self._cnn2y, self._from_channels(dy, h), training)
    return ops.transpose(hx, (0, 2, 1)), ops.transpose(hy, (0, 2, 1))


  def get_config(self):
    return {**super().get_config(), "num_landmarks": self.num_landmarks,
            "heatmap_length": self.heatmap_length,
            "attention_channels": self.attention_channels,
            "attention_dims": self.attention_dims, "gamma": self.gamma,
            "width": self.width}


@keras.saving.register_keras_serializable(package="landmark1d")
class Head2D(layers.Layer):
  """FAN's 2D heatmap head, with up-sampling for L above the feature size.

  Args:
    num_landmarks: N heatmaps.
    heatmap_length: L; the feature size times or divided by a power of 2.
    width: channels of the resampling convolutions. Defaults to 128.
    **kwargs: base layer arguments.

  Call arguments:
    features: `(batch, H, W, C)` hourglass features.
    training: batch-norm mode.

  Returns:
    `(batch, N, L, L)` float32 heatmaps indexed `[.., y, x]`.
  """

  def __init__(self, num_landmarks: int, heatmap_length: int,
               width: int = 128, **kwargs):
    super().__init__(**kwargs)
    self.num_landmarks = num_landmarks
    self.heatmap_length = heatmap_length
    self.width = width

  def build(self, input_shape):
    side = input_shape[1]
    up, factors = _resampling_factors(side, self.heatmap_length,
                                      f"Head2D {self.name}")
    if any(f != 2 for f in factors):
      raise ValueError(f"Head2D {self.name}: heatmap_length "
                       f"{self.heatmap_length} must be the feature size "
                       f"{side} times or divided by a power of 2")
    seq = []
    for i in range(len(factors)):
      conv_cls = layers.Conv2DTranspose if up else layers.Conv2D
      seq += _conv_bn_relu(conv_cls(self.width, 4, strides=2, padding="same",
                                    use_bias=False, name=f"resample{i}"),
                           f"resample{i}")
    seq.append(layers.Conv2D(self.num_landmarks, 1, dtype="float32",
                             name="out"))
    self._sequence = seq
    super().build(input_shape)

  def call(self, features, training=None):
    maps = _run(self._sequence, features, training)
    return ops.transpose(maps, (0, 3, 1, 2))


  def get_config(self):
    return {**super().get_config(), "num_landmarks": self.num_landmarks,
            "heatmap_length": self.heatmap_length, "width": self.width}
