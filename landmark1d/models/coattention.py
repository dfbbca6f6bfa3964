"""The co-attention layer between x- and y-direction features (eq. 9-10).

Notation. The paper writes, per channel k, D^x_k (shape W x d) and D^y_k
(shape d x H, "the same shape as (D^x_k)^T"). We store both axes the same way,
positions first: X = D^x_k `(W, a)` and Y = (D^y_k)^T `(H, a)`, a = d. Then

  eq. 9:  W^yx = softmax(X Q Y^T / sqrt(a))   (W, H)
          W^xy = softmax(Y P X^T / sqrt(a))   (H, W)
  eq. 10: X' = X + gamma W^yx Y               (W, a)
          Y' = Y + gamma W^xy X               (H, a)

which is the paper's eq. 9-10 term by term ((D^y)^T P (D^x)^T = Y P X^T and
(W^xy D^x)^T transposed back to positions-first is W^xy X). Softmax runs over
each row (the last axis). P and Q are a x a and shared by all K channels.
"""

from __future__ import annotations

import math

import keras
from keras import layers
from keras import ops


@keras.saving.register_keras_serializable(package="landmark1d")
class CoAttention(layers.Layer):
  """Co-attention of eq. 9-10 between per-channel x and y features.

  Args:
    gamma: weight of the attentive feature in eq. 10 (paper: 0.3). 0 makes
      the layer the identity (the ablation of Fig. 3). Defaults to 0.3.
    **kwargs: base layer arguments.

  Call arguments:
    x: `(batch, K, W, a)` x-direction features X_k = D^x_k.
    y: `(batch, K, H, a)` y-direction features Y_k = (D^y_k)^T.
    return_attention: also return the affinity matrices.

  Returns:
    `(x', y')` with the shapes of `x` and `y`; with `return_attention`, also
    `w_yx (batch, K, W, H)` and `w_xy (batch, K, H, W)`.

  Reference:
    Yin et al., ACM MM 2020, Section 4.1.2, eq. 9-10.
  """

  def __init__(self, gamma: float = 0.3, **kwargs):
    super().__init__(**kwargs)
    if gamma < 0:
      raise ValueError(f"CoAttention gamma must be >= 0, got {gamma}")
    self.gamma = float(gamma)

  def build(self, x_shape, y_shape):
    dims = x_shape[-1]
    if y_shape[-1] != dims:
      raise ValueError(f"CoAttention needs x and y features of equal size a, "
                       f"got {x_shape} and {y_shape}")
    # Identity: at start every position attends by plain feature similarity
    # (dot-product attention); training learns the cross-axis metric.
    init = keras.initializers.Identity()
    self.p = self.add_weight(name="p", shape=(dims, dims), initializer=init)
    self.q = self.add_weight(name="q", shape=(dims, dims), initializer=init)
    super().build(x_shape)

  def call(self, x, y, return_attention=False):
    scale = 1.0 / math.sqrt(x.shape[-1])
    x_q = ops.einsum("bkwa,ac->bkwc", x, self.q)
    y_p = ops.einsum("bkha,ac->bkhc", y, self.p)
    w_yx = ops.softmax(ops.einsum("bkwc,bkhc->bkwh", x_q, y) * scale, axis=-1)
    w_xy = ops.softmax(ops.einsum("bkhc,bkwc->bkhw", y_p, x) * scale, axis=-1)
    x_new = x + self.gamma * ops.einsum("bkwh,bkha->bkwa", w_yx, y)  # eq. 10
    y_new = y + self.gamma * ops.einsum("bkhw,bkwa->bkha", w_xy, x)  # eq. 10
    if return_attention:
      return x_new, y_new, w_yx, w_xy
    return x_new, y_new


  def get_config(self):
    return {**super().get_config(), "gamma": self.gamma}
