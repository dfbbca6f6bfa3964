"""Trackers: the paper's 1D tracker (Section 4.2, Fig. 2b) and the 2D baseline.

Per frame t the detector gives heatmaps E_t (the last stack). CNN3 encodes
E_t into U_t, a temporal layer fuses U_t with the past into V_t, CNN4 decodes
V_t into a refinement E'_t, and the tracker outputs E_t + E'_t. CNN4's last
layer starts at zero, so a new tracker outputs exactly its detector's E_t.

- 1D (the paper): one branch per axis (x, y). E^x_t is the N x L matrix of x
  heatmaps, read as a length-L signal with N channels; CNN3 is two stride-2
  1D convolutions, the temporal layer is eq. 13 (`fusion.TemporalFusion`),
  CNN4 two stride-2 transposed convolutions back to (N, L).
- 2D (the Table 1 baseline after [20]): E_t is (N, L, L); CNN3 a stride-2
  2D convolution, the temporal layer a ConvLSTM (`fusion.ConvLSTMFusion`),
  CNN4 a stride-2 transposed convolution.

Two models share the same layers:
- the clip model, `(batch, T, F, F, 3) -> {"hx", "hy"} (batch, T, N, L)` (or
  `{"heatmap"} (batch, T, N, L, L)`), for training and offline evaluation;
- the step model, `[frame (batch, F, F, 3), *states] -> {"hx", "hy",
  "state_0", ...}`, for streaming with the state passed in and out.
`Stream` carries the state between calls for Python users.
"""

from __future__ import annotations

import keras
import numpy as np
from keras import layers
from keras import ops

from landmark1d.models import axes
from landmark1d.models import fusion


@keras.saving.register_keras_serializable(package="landmark1d")
class HeatmapEncoder(layers.Layer):
  """CNN3: detector heatmaps -> features U_t, down-sampled 2**downsample times.

  Args:
    rank: 1 for `(batch, N, L)` heatmaps, 2 for `(batch, N, L, L)`.
    filters: feature channels. Defaults to 64.
    downsample: number of stride-2 convolutions. Defaults to 2.
    **kwargs: base layer arguments.

  Call arguments:
    heatmaps: `(batch, N, L)` or `(batch, N, L, L)`.

  Returns:
    `(batch, L / 2**downsample, filters)` or the 2D analogue.
  """

  def __init__(self, rank: int, filters: int = 64, downsample: int = 2,
               **kwargs):
    super().__init__(**kwargs)
    if rank not in (1, 2):
      raise ValueError(f"HeatmapEncoder rank must be 1 or 2, got {rank}")
    self.rank = rank
    self.filters = filters
    self.downsample = downsample
    conv = layers.Conv1D if rank == 1 else layers.Conv2D
    self._convs = [conv(filters, 3, strides=2, padding="same",
                        activation="relu", name=f"conv{i}")
                   for i in range(downsample)]

  def build(self, input_shape):
    length = input_shape[-1]
    if length % (2 ** self.downsample):
      raise ValueError(f"tracker encoder: heatmap_length {length} must be "
                       f"divisible by {2 ** self.downsample}")
    shape = (input_shape[0], *input_shape[2:], input_shape[1])
    for conv in self._convs:
      conv.build(shape)
      shape = conv.compute_output_shape(shape)
    super().build(input_shape)

  def call(self, heatmaps):
    x = ops.transpose(heatmaps, (0, 2, 1) if self.rank == 1 else (0, 2, 3, 1))
    for conv in self._convs:
      x = conv(x)
    return x

  def get_config(self):
    return {**super().get_config(), "rank": self.rank,
            "filters": self.filters, "downsample": self.downsample}


@keras.saving.register_keras_serializable(package="landmark1d")
class HeatmapDecoder(layers.Layer):
  """CNN4: fused features V_t -> heatmap refinement E'_t.

  The last convolution starts with zero kernel and bias, so a new tracker
  outputs its detector's heatmaps exactly (E_t + 0) and training starts from
  the detector's accuracy; its gradient is not zero, so it moves at the first
  step (ours: the paper does not say how CNN4 starts; BUILD_NOTES.md).

  Args:
    rank: 1 or 2, as in `HeatmapEncoder`.
    num_landmarks: N.
    filters: hidden channels. Defaults to 64.
    upsample: number of stride-2 transposed convolutions. Defaults to 2.
    **kwargs: base layer arguments.

  Call arguments:
    features: `(batch, L', C)` or `(batch, L', L', C)`.

  Returns:
    `(batch, N, L)` or `(batch, N, L, L)` float32, L = L' * 2**upsample.
  """

  def __init__(self, rank: int, num_landmarks: int, filters: int = 64,
               upsample: int = 2, **kwargs):
    super().__init__(**kwargs)
    if rank not in (1, 2):
      raise ValueError(f"HeatmapDecoder rank must be 1 or 2, got {rank}")
    self.rank = rank
    self.num_landmarks = num_landmarks
    self.filters = filters
    self.upsample = upsample
    conv = layers.Conv1DTranspose if rank == 1 else layers.Conv2DTranspose
    widths = [filters] * (upsample - 1) + [num_landmarks]
    self._convs = [conv(w, 4, strides=2, padding="same",
                        activation="relu" if i + 1 < upsample else None,
                        dtype="float32" if i + 1 == upsample else None,
                        kernel_initializer=("zeros" if i + 1 == upsample
                                            else "glorot_uniform"),
                        name=f"conv{i}")
                   for i, w in enumerate(widths)]

  def build(self, input_shape):
    shape = input_shape
    for conv in self._convs:
      conv.build(shape)
      shape = conv.compute_output_shape(shape)
    super().build(input_shape)

  def call(self, features):
    x = features
    for conv in self._convs:
      x = conv(x)
    return ops.transpose(x, (0, 2, 1) if self.rank == 1 else (0, 3, 1, 2))

  def get_config(self):
    return {**super().get_config(), "rank": self.rank,
            "num_landmarks": self.num_landmarks, "filters": self.filters,
            "upsample": self.upsample}


def _branches(detector: keras.Model) -> list[str]:
  keys = sorted(detector.output.keys())
  if keys == ["hx", "hy"]:
    return ["hx", "hy"]
  if keys == ["heatmap"]:
    return ["heatmap"]
  raise ValueError(f"tracker: the detector must output {{'hx', 'hy'}} or "
                   f"{{'heatmap'}}, got {keys}")


def build_tracker(detector: keras.Model, *, fusion_lambda: float = 0.3,
                  filters: int | None = None,
                  freeze_detector: bool = False,
                  name: str = "tracker") -> keras.Model:
  """The clip model of the 1D tracker or of the 2D baseline, by detector head.

  Args:
    detector: a model from `builders.build_detector` (its weights are used
      as they are: load a trained detector first).
    fusion_lambda: lambda of eq. 13 for a 1D detector (0: no fusion).
      Ignored by the 2D baseline, whose ConvLSTM learns its own memory.
    filters: CNN3 / CNN4 / recurrent channels. Defaults to 64 (1D) or 32
      (2D, whose features are L / 2 squared).
    freeze_detector: keep the detector's weights fixed (and its batch norm
      in inference mode).
    name: model name.

  Returns:
    `keras.Model`: `(batch, T, F, F, 3) -> {"hx", "hy"} (batch, T, N, L)` or
    `{"heatmap"} (batch, T, N, L, L)`.
  """
  branches = _branches(detector)
  rank = 1 if branches == ["hx", "hy"] else 2
  num_landmarks = detector.output[branches[0]].shape[2]
  filters = filters or (64 if rank == 1 else 32)
  detector.trainable = not freeze_detector
  size = detector.input_shape[1:]
  clip = keras.Input((None, *size), name="clip")
  frames = axes.FoldTime(name="fold_clip")(clip)
  detected = detector(frames, training=False if freeze_detector else None)
  outputs = {}
  for key in branches:
    encoder = HeatmapEncoder(rank, filters, downsample=2 if rank == 1 else 1,
                             name=f"{key}_encoder")
    if rank == 1:
      temporal = fusion.TemporalFusion(fusion_lambda, name=f"{key}_fusion")
    else:
      temporal = fusion.ConvLSTMFusion(filters, name=f"{key}_fusion")
    decoder = HeatmapDecoder(rank, num_landmarks, filters,
                             upsample=2 if rank == 1 else 1,
                             name=f"{key}_decoder")
    e = axes.LastStack(name=f"{key}_detected")(detected[key])
    u = axes.UnfoldTime(name=f"{key}_unfold_u")(encoder(e), clip)
    v, _ = temporal(u)
    refinement = decoder(axes.FoldTime(name=f"{key}_fold_v")(v))
    refined = layers.Add(name=f"{key}_refined")([e, refinement])
    outputs[key] = axes.UnfoldTime(name=f"{key}_unfold")(refined, clip)
  return keras.Model(clip, outputs, name=name)


def detector_of(tracker: keras.Model) -> keras.Model:
  """The detector model nested in a tracker."""
  return next(l for l in tracker.layers if isinstance(l, keras.Model))


def build_tracker_step(tracker: keras.Model) -> keras.Model:
  """The streaming step model sharing the clip model's layers and weights.

  Args:
    tracker: a model from `build_tracker` (possibly loaded from disk).

  Returns:
    `keras.Model`: `[frame (batch, F, F, 3), state_0, state_1, ...] ->
    {"hx", "hy" (batch, N, L), "state_0", ...}` (or `"heatmap"`), where the
    states are those of each branch's temporal layer in branch order.
  """
  detector = detector_of(tracker)
  branches = _branches(detector)
  frame = keras.Input(detector.input_shape[1:], name="frame")
  detected = detector(frame, training=False)
  state_inputs, outputs, new_states = [], {}, []
  for key in branches:
    e = axes.LastStack()(detected[key])
    u = tracker.get_layer(f"{key}_encoder")(e)
    temporal = tracker.get_layer(f"{key}_fusion")
    states = [keras.Input(s, name=f"state_{len(state_inputs) + i}")
              for i, s in enumerate(temporal.state_shapes(u.shape[1:]))]
    state_inputs += states
    v, updated = temporal(u, states, step=True)
    refinement = tracker.get_layer(f"{key}_decoder")(v)
    outputs[key] = layers.Add()([e, refinement])
    new_states += updated
  outputs.update({f"state_{i}": s for i, s in enumerate(new_states)})
  return keras.Model([frame, *state_inputs], outputs,
                     name=f"{tracker.name}_step")


def step_function(step_model: keras.Model):
  """`(frames, states) -> (outputs, new_states)` over a step model, for serving."""
  num_states = len(step_model.inputs) - 1

  def step(frames, states):
    out = step_model([frames, *states], training=False)
    return ({k: v for k, v in out.items() if not k.startswith("state_")},
            [out[f"state_{i}"] for i in range(num_states)])
  return step


def zero_state(step_model: keras.Model, batch_size: int) -> list:
  """The state that starts a track: zeros shaped like the step's state inputs."""
  return [ops.zeros((batch_size, *x.shape[1:]), dtype="float32")
          for x in step_model.inputs[1:]]


class Stream:
  """Runs a tracker frame by frame, keeping the state between calls.

  Args:
    step_model: from `build_tracker_step`.

  Example:
    stream = Stream(build_tracker_step(tracker))
    for frame in frames:            # (batch, F, F, 3) float in [0, 1]
      heatmaps = stream(frame)      # {"hx", "hy"} for this frame
    stream.reset()                  # next video
  """

  def __init__(self, step_model: keras.Model):
    self.step_model = step_model
    self._num_states = len(step_model.inputs) - 1
    self.states = None

  def reset(self):
    """Forgets the past: the next frame starts a new track."""
    self.states = None

  def __call__(self, frame) -> dict:
    frame = ops.convert_to_tensor(np.asarray(frame, np.float32))
    if self.states is None:
      self.states = zero_state(self.step_model, frame.shape[0])
    out = self.step_model([frame, *self.states], training=False)
    self.states = [out[f"state_{i}"] for i in range(self._num_states)]
    return {k: v for k, v in out.items() if not k.startswith("state_")}
