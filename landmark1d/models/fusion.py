"""Temporal layers of the trackers: eq. 13's fusion (1D) and a ConvLSTM (2D baseline).

Both share one calling convention so the tracker builders and the streaming
step treat them alike:

  layer(u, states=None, step=False) -> (v, new_states)

- clip mode (`step=False`): `u` is `(batch, T, ...)`, `v` likewise; `states`
  is the state before the first frame (None: zero, a new track) and
  `new_states` the state after the last frame.
- step mode (`step=True`): `u` is one frame `(batch, ...)`; running frames one
  by one, feeding `new_states` back, gives exactly the clip-mode outputs.

`state_shapes(frame_shape)` gives the per-example state shapes, from which a
serving zero state is built.
"""

from __future__ import annotations

import keras
from keras import layers
from keras import ops


@keras.saving.register_keras_serializable(package="landmark1d")
class TemporalFusion(layers.Layer):
  """V_t = U_t + lambda * V_{t-1}: the temporal refinement of eq. 13.

  Unrolled from a zero state this is eq. 13,
  V_t = U_t + sum_{tau < t} lambda^(t - tau) U_tau; clip mode evaluates that
  sum (plus lambda^(t+1) times the incoming state) as one (T, T) matrix
  product instead of a sequential scan.

  Args:
    fusion_lambda: lambda in [0, 1] (paper: 0.3); 0 makes V_t = U_t, the
      no-fusion ablation of Table 2. Defaults to 0.3.
    **kwargs: base layer arguments.

  Call arguments:
    u: `(batch, T, ...)` encoded heatmaps U_t, or `(batch, ...)` with `step`.
    states: None or `[V_prev]`, `V_prev` of shape `(batch, ...)`.
    step: one frame instead of a clip.

  Returns:
    `(v, [V_last])`: `v` shaped like `u`, `V_last (batch, ...)`.

  Reference:
    Yin et al., ACM MM 2020, Section 4.2.1, eq. 13.
  """

  def __init__(self, fusion_lambda: float = 0.3, **kwargs):
    super().__init__(**kwargs)
    if not 0.0 <= fusion_lambda <= 1.0:
      raise ValueError(f"TemporalFusion fusion_lambda must be in [0, 1] "
                       f"(eq. 13), got {fusion_lambda}")
    self.fusion_lambda = float(fusion_lambda)

  def state_shapes(self, frame_shape):
    return [tuple(frame_shape)]

  def call(self, u, states=None, step=False):
    lam = self.fusion_lambda
    if step:
      v = u if states is None else u + lam * states[0]
      return v, [v]
    t = ops.arange(ops.shape(u)[1], dtype="float32")
    lags = t[:, None] - t[None, :]
    # eq. 13: weight lambda^(t - tau) for tau <= t; 0 ** 0 = 1 keeps U_t.
    weights = ops.where(lags >= 0, ops.power(lam, ops.maximum(lags, 0.0)), 0.0)
    weights = ops.cast(weights, u.dtype)
    flat = ops.reshape(u, (ops.shape(u)[0], ops.shape(u)[1], -1))
    v = ops.reshape(ops.einsum("ts,bsd->btd", weights, flat), ops.shape(u))
    if states is not None:
      decay = ops.cast(ops.power(lam, t + 1.0), u.dtype)
      decay = ops.reshape(decay, (1, -1) + (1,) * (len(u.shape) - 2))
      v = v + decay * ops.expand_dims(states[0], 1)
    return v, [v[:, -1]]


  def get_config(self):
    return {**super().get_config(), "fusion_lambda": self.fusion_lambda}


@keras.saving.register_keras_serializable(package="landmark1d")
class ConvLSTMFusion(layers.Layer):
  """A convolutional LSTM over encoded 2D heatmaps (the 2D baseline, [20]).

  Peng et al.'s recurrent encoder-decoder carries an LSTM state on encoder
  features across frames; here the state is a ConvLSTM's `(h, c)` on the
  encoded 2D heatmaps, which keeps the spatial layout of the maps.

  Args:
    filters: channels of the hidden state. Defaults to 32.
    kernel_size: ConvLSTM kernel. Defaults to 3.
    **kwargs: base layer arguments.

  Call arguments:
    u: `(batch, T, h, w, c)` encoded heatmaps, or `(batch, h, w, c)` with
      `step`.
    states: None or `[h, c]`, each `(batch, h, w, filters)`.
    step: one frame instead of a clip.

  Returns:
    `(v, [h, c])`: `v (batch, T, h, w, filters)` (no T with `step`).

  Reference:
    Peng et al., "A recurrent encoder-decoder network for sequential face
    alignment", ECCV 2016 (the paper's [20]).
  """

  def __init__(self, filters: int = 32, kernel_size: int = 3, **kwargs):
    super().__init__(**kwargs)
    self.filters = filters
    self.kernel_size = kernel_size
    self.lstm = layers.ConvLSTM2D(filters, kernel_size, padding="same",
                                  return_sequences=True, return_state=True,
                                  name="convlstm")

  def state_shapes(self, frame_shape):
    shape = (*frame_shape[:-1], self.filters)
    return [shape, shape]

  def build(self, u_shape, states_shape=None):
    self.lstm.build((u_shape[0], None, *u_shape[-3:]))
    super().build(u_shape)

  def call(self, u, states=None, step=False):
    seq = ops.expand_dims(u, 1) if step else u
    v, h, c = self.lstm(seq, initial_state=None if states is None
                        else list(states))
    return (v[:, 0] if step else v), [h, c]


  def get_config(self):
    return {**super().get_config(), "filters": self.filters,
            "kernel_size": self.kernel_size}
