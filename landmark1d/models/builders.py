"""Detector builders: plain keyword arguments in, a functional Keras model out.

Configs map onto these keyword arguments in `landmark1d.runs.common`; layers
and builders never see config objects.
"""

from __future__ import annotations

import keras
from keras import layers

from landmark1d.models import axes
from landmark1d.models import heads
from landmark1d.models import hourglass
from landmark1d.models import mobilenet

BACKBONES = ("hourglass", "mobile")


def resolved_head_width(channels: int, head_width: int | None = None) -> int:
  """The heads' convolution width: `head_width`, or by default C / 4 but at
  least min(C, 64) (FAN's C = 256 gives 64; narrower features keep 64)."""
  return head_width or max(channels // 4, min(channels, 64))


def build_detector(head: str = "1d", *, backbone: str = "hourglass",
                   num_landmarks: int = 68,
                   heatmap_length: int = 768, input_size: int = 256,
                   num_stacks: int = 4, channels: int = 256,
                   hourglass_depth: int = 4, coattention_gamma: float = 0.3,
                   attention_dims: int = 16,
                   attention_channels: int | None = None,
                   head_width: int | None = None,
                   name: str | None = None) -> keras.Model:
  """The paper's 1D detector or the FAN 2D baseline.

  Args:
    head: "1d" (Section 4.1) or "2d" (FAN).
    backbone: "hourglass" (FAN, the paper's) or "mobile" (one
      `mobilenet.MobileBackbone`, for CPU serving; needs num_stacks = 1).
    num_landmarks: N.
    heatmap_length: L (1D: any multiple or divisor of input_size / 4;
      2D: input_size / 4 times or divided by a power of 2).
    input_size: F, divisible by 4 * 2**hourglass_depth.
    num_stacks: S hourglass stacks, each with its own head.
    channels: width C of the features the heads read (FAN: 256), a
      multiple of 4.
    hourglass_depth: down-sampling levels per hourglass (FAN: 4), or below
      F/4 in the mobile backbone.
    coattention_gamma: gamma of eq. 10 (1D only; 0 turns it off).
    attention_dims: a of eq. 9 (1D only).
    attention_channels: K co-attention channels (1D only); None = N.
    head_width: channels of the head convolutions; None = max(C / 4,
      min(C, 64)).
    name: model name; None = "detector_1d" / "detector_2d".

  Returns:
    `keras.Model`: `(batch, F, F, 3)` float32 in [0, 1] ->
    `{"hx", "hy"}: (batch, S, N, L)` or `{"heatmap"}: (batch, S, N, L, L)`.
  """
  if head not in ("1d", "2d"):
    raise ValueError(f"head must be '1d' or '2d', got {head!r}")
  if backbone not in BACKBONES:
    raise ValueError(f"backbone must be one of {BACKBONES}, got {backbone!r}")
  if backbone == "mobile" and num_stacks != 1:
    raise ValueError(f"the mobile backbone has one stack, got num_stacks "
                     f"{num_stacks}")
  width = resolved_head_width(channels, head_width)
  images = keras.Input((input_size, input_size, 3), name="image")
  feature_side = input_size // 4

  if head == "1d":
    def make_head(features, s):
      return heads.Head1D(num_landmarks, heatmap_length,
                          attention_channels=attention_channels,
                          attention_dims=attention_dims,
                          gamma=coattention_gamma, width=width,
                          name=f"head{s}")(features)
    feedback = None
  else:
    def make_head(features, s):
      return heads.Head2D(num_landmarks, heatmap_length, width=width,
                          name=f"head{s}")(features)
    # FAN merges its heatmaps into the next stack; only possible when they
    # live on the feature grid (L = F / 4).
    feedback = None
    if heatmap_length == feature_side:
      def feedback(out, s):
        return layers.Permute((2, 3, 1), name=f"head{s}_feedback")(out)

  if backbone == "mobile":
    features = mobilenet.MobileBackbone(channels, hourglass_depth,
                                        name="backbone")(images)
    per_stack = [make_head(features, 0)]
  else:
    per_stack = hourglass.stacked_hourglass(
        images, num_stacks=num_stacks, channels=channels,
        depth=hourglass_depth, head=make_head, feedback=feedback)
  if head == "1d":
    outputs = {
        "hx": axes.StackHeads(name="hx")([hx for hx, _ in per_stack]),
        "hy": axes.StackHeads(name="hy")([hy for _, hy in per_stack]),
    }
  else:
    outputs = {"heatmap": axes.StackHeads(name="heatmap")(per_stack)}
  return keras.Model(images, outputs, name=name or f"detector_{head}")
