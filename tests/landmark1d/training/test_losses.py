"""eq. 11 / 14 losses against a NumPy re-derivation, masks included."""

import numpy as np
import pytest

from landmark1d.training import losses


def test_detector_loss_sums_squared_errors_over_stacks_and_visible_landmarks():
  rng = np.random.default_rng(0)
  pred = {"hx": rng.random((2, 3, 4, 8)), "hy": rng.random((2, 3, 4, 8))}
  batch = {"hx": rng.random((2, 4, 8)), "hy": rng.random((2, 4, 8)),
           "mask": np.array([[1, 1, 0, 1], [0, 1, 1, 1]], np.float32)}
  want = np.zeros(2)
  for b in range(2):
    for s in range(3):
      for n in range(4):
        want[b] += batch["mask"][b, n] * (
            np.sum((pred["hx"][b, s, n] - batch["hx"][b, n]) ** 2) +
            np.sum((pred["hy"][b, s, n] - batch["hy"][b, n]) ** 2))
  np.testing.assert_allclose(losses.loss_1d(pred, batch), want, rtol=1e-5)


def test_tracker_loss_sums_over_frames_eq_14():
  rng = np.random.default_rng(1)
  pred = {"hx": rng.random((2, 5, 3, 6)), "hy": rng.random((2, 5, 3, 6))}
  batch = {"hx": rng.random((2, 5, 3, 6)), "hy": rng.random((2, 5, 3, 6)),
           "mask": (rng.random((2, 5, 3)) > 0.3).astype(np.float32)}
  sq = ((pred["hx"] - batch["hx"]) ** 2).sum(-1) + (
      (pred["hy"] - batch["hy"]) ** 2).sum(-1)
  want = (sq * batch["mask"]).sum(axis=(1, 2))
  np.testing.assert_allclose(losses.loss_1d(pred, batch), want, rtol=1e-5)


def test_2d_loss_and_masked_landmarks_do_not_count():
  rng = np.random.default_rng(2)
  pred = {"heatmap": rng.random((1, 2, 3, 4, 4))}
  batch = {"heatmap": rng.random((1, 3, 4, 4)),
           "mask": np.array([[1, 0, 1]], np.float32)}
  want = sum(np.sum((pred["heatmap"][0, s, n] - batch["heatmap"][0, n]) ** 2)
             for s in range(2) for n in (0, 2))
  np.testing.assert_allclose(losses.loss_2d(pred, batch), [want], rtol=1e-5)
  perfect = {"heatmap": np.broadcast_to(batch["heatmap"][:, None],
                                        (1, 2, 3, 4, 4))}
  np.testing.assert_allclose(losses.loss_2d(perfect, batch), [0.0], atol=1e-7)


def test_mismatched_ranks_and_unknown_heads_are_rejected():
  with pytest.raises(ValueError, match="do not match"):
    losses.heatmap_loss(np.zeros((2, 3, 4, 5, 6)), np.zeros((2, 3)),
                        np.zeros((2,)), 1)
  with pytest.raises(ValueError, match="head"):
    losses.for_head("3d")
