"""One training step on Keras' JAX backend, as a pure function for `jax.jit`.

`loop.gradient_step` is the TensorFlow loop's step (a `tf.GradientTape`
around the model, then `apply_gradients` on the variables in place). On the
JAX backend the same update is written functionally: the model's and the
optimizer's variables are an explicit state, `model.stateless_call` runs the
network on them and `optimizer.stateless_apply` returns the new ones, so
`jax.jit` compiles forward, backward and Adam into one XLA program. The loss
is the sum of the per-example losses divided by the global batch size, as in
`loop.gradient_step`.

This module imports JAX and needs `KERAS_BACKEND=jax`; it imports no
TensorFlow (the GPU machine the device benchmark runs on has none).
"""

from __future__ import annotations

from typing import Callable, NamedTuple

import jax
import keras
from keras import ops


class TrainState(NamedTuple):
  """Every variable one step reads and replaces, as lists of arrays.

  Attributes:
    trainable: `model.trainable_variables`' values, in that order.
    non_trainable: `model.non_trainable_variables`' values (batch-norm
      moving statistics).
    optimizer: `optimizer.variables`' values (iteration count, Adam moments).
  """
  trainable: list
  non_trainable: list
  optimizer: list


def initial_state(model: keras.Model,
                  optimizer: keras.optimizers.Optimizer) -> TrainState:
  """The current values of the model's and optimizer's variables.

  Builds the optimizer on the model's trainable variables if it is not built.
  """
  if keras.backend.backend() != "jax":
    raise RuntimeError(f"landmark1d.training.jax_step needs KERAS_BACKEND=jax, "
                       f"this process runs {keras.backend.backend()!r}")
  if not optimizer.built:
    optimizer.build(model.trainable_variables)
  return TrainState([v.value for v in model.trainable_variables],
                    [v.value for v in model.non_trainable_variables],
                    [v.value for v in optimizer.variables])


def train_step(model: keras.Model, optimizer: keras.optimizers.Optimizer,
               loss_fn: Callable[[dict, dict], object],
               global_batch_size: int):
  """`(state, batch) -> (loss, new_state)`: one optimizer update, no side effects.

  Args:
    model: maps `batch["image"]` to a dict of outputs.
    optimizer: a Keras optimizer, built (see `initial_state`).
    loss_fn: `(outputs, batch) -> (batch,)` per-example losses
      (`losses.loss_1d`, eq. 11 / 14, or `losses.loss_2d`).
    global_batch_size: the loss is the per-example sum divided by this.

  Returns:
    A pure function of a `TrainState` and a batch dict; wrap it in `jax.jit`
    (with `donate_argnums=0` the old state's buffers are reused, as in-place
    training would).
  """
  def loss_and_statistics(trainable, non_trainable, batch):
    outputs, non_trainable = model.stateless_call(
        trainable, non_trainable, batch["image"], training=True)
    loss = ops.sum(loss_fn(outputs, batch)) / global_batch_size
    return loss, non_trainable

  gradient = jax.value_and_grad(loss_and_statistics, has_aux=True)

  def step(state: TrainState, batch: dict):
    (loss, non_trainable), grads = gradient(state.trainable,
                                            state.non_trainable, batch)
    trainable, optimizer_values = optimizer.stateless_apply(
        state.optimizer, grads, state.trainable)
    return loss, TrainState(trainable, non_trainable, optimizer_values)
  return step
