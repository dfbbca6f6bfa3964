"""Detectors: save / load round trip, gradients reach every weight, training."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from landmark1d.geometry import heatmaps
from landmark1d.models import builders
from landmark1d.training import losses

TINY = dict(num_landmarks=5, input_size=32, num_stacks=2, channels=16,
            hourglass_depth=2, attention_dims=4)


def _batch(head, length, rng):
  images = rng.random((4, 32, 32, 3)).astype(np.float32)
  points = rng.uniform(6, 26, (4, 5, 2)).astype(np.float32)
  batch = {"image": images, "mask": np.ones((4, 5), np.float32)}
  if head == "1d":
    hx, hy, _ = heatmaps.encode_1d(points, 32, length, 1.0)
    batch.update(hx=hx, hy=hy)
  else:
    batch["heatmap"], _ = heatmaps.encode_2d(points, 32, length, 1.0)
  return batch


@pytest.mark.parametrize("head,length,backbone", [
    ("1d", 64, "hourglass"), ("2d", 16, "hourglass"), ("1d", 64, "mobile")])
def test_save_load_round_trip_gives_identical_outputs(head, length, backbone,
                                                      tmp_path):
  stacks = 1 if backbone == "mobile" else TINY["num_stacks"]
  model = builders.build_detector(head, heatmap_length=length,
                                  backbone=backbone,
                                  **dict(TINY, num_stacks=stacks))
  x = np.random.default_rng(0).random((2, 32, 32, 3)).astype(np.float32)
  path = str(tmp_path / "detector.keras")
  model.save(path)
  loaded = keras.models.load_model(path)
  for key, value in model(x).items():
    np.testing.assert_array_equal(loaded(x)[key], value)


@pytest.mark.parametrize("head,length,backbone", [
    ("1d", 64, "hourglass"), ("2d", 16, "hourglass"), ("1d", 64, "mobile")])
def test_gradients_reach_every_weight_and_steps_lower_the_loss(head, length,
                                                               backbone):
  rng = np.random.default_rng(1)
  stacks = 1 if backbone == "mobile" else TINY["num_stacks"]
  model = builders.build_detector(head, heatmap_length=length,
                                  backbone=backbone,
                                  **dict(TINY, num_stacks=stacks))
  batch = _batch(head, length, rng)
  loss_fn = losses.for_head(head)
  optimizer = keras.optimizers.Adam(3e-3)

  @tf.function
  def step():
    with tf.GradientTape() as tape:
      loss = tf.reduce_mean(loss_fn(model(batch["image"], training=True),
                                    batch))
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
    return loss, grads

  first, grads = step()
  missing = [v.path for v, g in zip(model.trainable_variables, grads)
             if g is None or not np.any(g.numpy())]
  assert not missing
  for _ in range(7):
    last, _ = step()
  assert float(last) < 0.7 * float(first)


def test_unknown_head_is_rejected():
  with pytest.raises(ValueError, match="head"):
    builders.build_detector("3d")


def test_mobile_backbone_feeds_the_same_head_as_the_hourglass():
  kwargs = dict(TINY, num_stacks=1)
  fan = builders.build_detector("1d", heatmap_length=64, **kwargs)
  mobile = builders.build_detector("1d", heatmap_length=64,
                                   backbone="mobile", **kwargs)
  assert mobile.get_layer("head0").get_config() == fan.get_layer(
      "head0").get_config()
  assert (mobile.get_layer("head0").count_params() ==
          fan.get_layer("head0").count_params())
  x = np.zeros((1, 32, 32, 3), np.float32)
  assert {k: v.shape for k, v in mobile(x).items()} == {
      "hx": (1, 1, 5, 64), "hy": (1, 1, 5, 64)}


def test_unknown_backbone_and_mobile_stacks_are_rejected():
  with pytest.raises(ValueError, match="backbone must be one of"):
    builders.build_detector("1d", backbone="resnet")
  with pytest.raises(ValueError, match="one stack, got num_stacks 2"):
    builders.build_detector("1d", backbone="mobile", **TINY)
