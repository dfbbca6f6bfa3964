"""Heatmap regression losses: eq. 11 (detector) and eq. 14 (tracker).

Each loss is the sum of squared L2 distances between predicted and target
heatmaps over landmarks (and stacks, and frames), with invisible landmarks
masked out, returned per example `(batch,)`; the training loop reduces it for
the distribution strategy.

Predictions may carry a stack axis that targets do not (the detector's
intermediate supervision, Section 4.1): the target is then compared with
every stack and the stacks summed, as FAN and the paper's stacked network do.
"""

from __future__ import annotations

from keras import ops


def heatmap_loss(prediction, target, mask, event_rank: int):
  """Masked sum of squared errors per example.

  Args:
    prediction: `(batch, [S,] *lead, *event)`, e.g. `(B, S, N, L)`.
    target: `(batch, *lead, *event)`, e.g. `(B, N, L)` or `(B, T, N, L)`.
    mask: `(batch, *lead)`: 1 for supervised landmarks, 0 for masked ones.
    event_rank: trailing axes of one heatmap: 1 (1D) or 2 (2D).

  Returns:
    `(batch,)` float32.
  """
  prediction = ops.cast(prediction, "float32")
  target = ops.cast(target, "float32")
  mask = ops.cast(mask, "float32")
  if len(prediction.shape) == len(target.shape) + 1:
    target = ops.expand_dims(target, 1)
    mask = ops.expand_dims(mask, 1)
  elif len(prediction.shape) != len(target.shape):
    raise ValueError(f"heatmap_loss: prediction {prediction.shape} and "
                     f"target {target.shape} do not match")
  event_axes = tuple(range(-event_rank, 0))
  per_heatmap = ops.sum(ops.square(prediction - target), axis=event_axes)
  per_heatmap = per_heatmap * mask
  return ops.sum(ops.reshape(per_heatmap, (ops.shape(per_heatmap)[0], -1)),
                 axis=1)


def loss_1d(outputs: dict, batch: dict):
  """eq. 11 (detector, with stacks) or eq. 14 (tracker, with frames).

  Args:
    outputs: `{"hx", "hy"}`: `(B, S, N, L)` (detector) or `(B, T, N, L)`
      (tracker).
    batch: `hx`, `hy` targets `(B, N, L)` or `(B, T, N, L)` and `mask`
      `(B, N)` or `(B, T, N)`.

  Returns:
    `(batch,)` losses.
  """
  return (heatmap_loss(outputs["hx"], batch["hx"], batch["mask"], 1) +
          heatmap_loss(outputs["hy"], batch["hy"], batch["mask"], 1))


def loss_2d(outputs: dict, batch: dict):
  """The 2D baseline's counterpart: squared error of `(.., N, L, L)` maps.

  Args:
    outputs: `{"heatmap"}`: `(B, S, N, L, L)` or `(B, T, N, L, L)`.
    batch: `heatmap` target `(B, N, L, L)` or `(B, T, N, L, L)`, `mask`.

  Returns:
    `(batch,)` losses.
  """
  return heatmap_loss(outputs["heatmap"], batch["heatmap"], batch["mask"], 2)


def for_head(head: str):
  """The loss function of a head: "1d" -> `loss_1d`, "2d" -> `loss_2d`."""
  if head == "1d":
    return loss_1d
  if head == "2d":
    return loss_2d
  raise ValueError(f"head must be '1d' or '2d', got {head!r}")
