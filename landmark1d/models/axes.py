"""Layers that only move tensor axes, so functional models stay serializable.

Trackers run the detector on every frame of a clip by folding time into the
batch, `(batch, T, ...) -> (batch * T, ...)`, and unfold afterwards; detectors
stack their per-stack heads on a new axis; trackers read the last stack.
"""

from __future__ import annotations

import keras
from keras import layers
from keras import ops


@keras.saving.register_keras_serializable(package="landmark1d")
class FoldTime(layers.Layer):
  """`(batch, T, *rest) -> (batch * T, *rest)`.

  Call arguments:
    inputs: a tensor with a time axis at 1 and static trailing dimensions.
  """

  def call(self, inputs):
    return ops.reshape(inputs, (-1, *inputs.shape[2:]))



@keras.saving.register_keras_serializable(package="landmark1d")
class UnfoldTime(layers.Layer):
  """`(batch * T, *rest) -> (batch, T, *rest)`, T read from a reference clip.

  Call arguments:
    inputs: `(batch * T, *rest)`.
    reference: any `(batch, T, ...)` tensor of the same clip.
  """

  def call(self, inputs, reference):
    shape = ops.shape(reference)
    return ops.reshape(inputs, (shape[0], shape[1], *inputs.shape[1:]))

  def compute_output_shape(self, inputs_shape, reference_shape):
    # Traced symbolically, the torch backend gives every unknown dimension
    # the same placeholder size, so batch * T would not split into the
    # reference's batch and T.
    return (reference_shape[0], reference_shape[1], *inputs_shape[1:])



@keras.saving.register_keras_serializable(package="landmark1d")
class StackHeads(layers.Layer):
  """S per-stack outputs `(batch, ...)` -> `(batch, S, ...)`.

  Call arguments:
    inputs: a list of S tensors of one shape.
  """

  def call(self, inputs):
    return ops.stack(inputs, axis=1)



@keras.saving.register_keras_serializable(package="landmark1d")
class LastStack(layers.Layer):
  """`(batch, S, ...) -> (batch, ...)`: the final stack, the prediction.

  Call arguments:
    inputs: `(batch, S, ...)`.
  """

  def call(self, inputs):
    return inputs[:, -1]
