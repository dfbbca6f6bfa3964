"""Trackers (1D of Section 4.2 and the 2D ConvLSTM baseline)."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from landmark1d.models import builders
from landmark1d.models import tracker as tracker_lib
from landmark1d.training import loop
from landmark1d.training import losses

TINY = dict(num_landmarks=5, input_size=32, num_stacks=1, channels=16,
            hourglass_depth=2, attention_dims=4)
HEADS = [("1d", 32), ("2d", 16)]


def _tracker(head, length, **kwargs):
  detector = builders.build_detector(head, heatmap_length=length, **TINY)
  return tracker_lib.build_tracker(detector, filters=8, **kwargs)


def _clip(t=4, seed=0):
  return np.random.default_rng(seed).random((2, t, 32, 32, 3), np.float32)


def _decoders(model):
  return [l for l in model.layers
          if isinstance(l, tracker_lib.HeatmapDecoder)]


def _refining(model, seed=0):
  """The tracker with random CNN4 weights, as after training: a new one
  refines nothing (its last layer starts at zero)."""
  rng = np.random.default_rng(seed)
  for decoder in _decoders(model):
    decoder.set_weights([rng.normal(0.0, 0.1, w.shape).astype(np.float32)
                         for w in decoder.get_weights()])
  return model


def _last_kernels(model):
  """CNN4's last transposed convolution kernel, per branch."""
  return [w for d in _decoders(model) for w in d.weights
          if w.path.endswith(f"conv{d.upsample - 1}/kernel")]


def _targets(head, length, seed=2):
  from landmark1d.geometry import heatmaps
  points = np.random.default_rng(seed).uniform(
      6, 26, (2, 3, 5, 2)).astype(np.float32)
  batch = {"mask": np.ones((2, 3, 5), np.float32)}
  if head == "1d":
    batch["hx"], batch["hy"], _ = heatmaps.encode_1d(points, 32, length, 1.0)
  else:
    batch["heatmap"], _ = heatmaps.encode_2d(points, 32, length, 1.0)
  return batch


@pytest.mark.parametrize("head,length", HEADS)
def test_zero_init_tracker_equals_its_detector_until_it_trains(head, length):
  keras.utils.set_random_seed(1)
  detector = builders.build_detector(head, heatmap_length=length, **TINY)
  model = tracker_lib.build_tracker(detector, fusion_lambda=0.3, filters=8)
  clip = _clip(3)
  whole = model(clip)
  stream = tracker_lib.Stream(tracker_lib.build_tracker_step(model))
  for t in range(3):
    # The detector's last stack on frame t alone, not through the tracker.
    detected = detector(clip[:, t], training=False)
    streamed = stream(clip[:, t])
    for key, heatmaps in detected.items():
      np.testing.assert_allclose(whole[key][:, t], heatmaps[:, -1], rtol=0,
                                 atol=1e-6)
      np.testing.assert_allclose(streamed[key], heatmaps[:, -1], rtol=0,
                                 atol=1e-6)
  kernels = _last_kernels(model)
  assert len(kernels) == (2 if head == "1d" else 1)
  assert not any(np.any(k.numpy()) for k in kernels)
  step = loop.gradient_step(model, keras.optimizers.Adam(1e-3),
                            losses.for_head(head), 2)
  loss = float(step(dict(_targets(head, length), image=clip)))
  assert loss > 0
  assert all(np.any(k.numpy()) for k in _last_kernels(model))


@pytest.mark.parametrize("head,length", HEADS)
def test_clip_outputs_have_a_time_axis(head, length):
  out = _tracker(head, length)(_clip())
  if head == "1d":
    assert out["hx"].shape == (2, 4, 5, length)
    assert out["hy"].shape == (2, 4, 5, length)
  else:
    assert out["heatmap"].shape == (2, 4, 5, length, length)


@pytest.mark.parametrize("head,length", HEADS)
def test_streaming_equals_the_whole_clip_and_reset_restarts(head, length):
  model = _refining(_tracker(head, length))
  clip = _clip(5)
  whole = model(clip)
  stream = tracker_lib.Stream(tracker_lib.build_tracker_step(model))
  for t in range(5):
    frame = stream(clip[:, t])
    for key, value in frame.items():
      np.testing.assert_allclose(value, whole[key][:, t], rtol=1e-4,
                                 atol=1e-5)
  stream.reset()
  first = stream(clip[:, 0])
  for key, value in first.items():
    np.testing.assert_allclose(value, whole[key][:, 0], rtol=1e-4, atol=1e-5)


def test_lambda_zero_output_depends_on_the_current_frame_only():
  model = _refining(_tracker("1d", 32, fusion_lambda=0.0))
  clip = _clip(3)
  other = clip.copy()
  other[:, 0] = 1.0 - other[:, 0]
  a, b = model(clip), model(other)
  np.testing.assert_allclose(a["hx"][:, 1:], b["hx"][:, 1:], atol=1e-6)
  assert np.abs(a["hx"][:, 0] - b["hx"][:, 0]).max() > 1e-4


def test_past_frames_change_the_present_with_fusion():
  model = _refining(_tracker("1d", 32, fusion_lambda=0.3))
  clip = _clip(3)
  other = clip.copy()
  other[:, 0] = 1.0 - other[:, 0]
  assert np.abs(model(clip)["hx"][:, 2] - model(other)["hx"][:, 2]).max() > 0


@pytest.mark.parametrize("head,length", HEADS)
def test_save_load_round_trip(head, length, tmp_path):
  model = _refining(_tracker(head, length))
  clip = _clip(3)
  path = str(tmp_path / "tracker.keras")
  model.save(path)
  loaded = keras.models.load_model(path)
  for key, value in model(clip).items():
    np.testing.assert_array_equal(loaded(clip)[key], value)
  step = tracker_lib.build_tracker_step(loaded)
  states = tracker_lib.zero_state(step, 2)
  out = step([keras.ops.convert_to_tensor(clip[:, 0]), *states])
  key = "hx" if head == "1d" else "heatmap"
  np.testing.assert_allclose(out[key], model(clip)[key][:, 0], rtol=1e-4,
                             atol=1e-5)


@pytest.mark.parametrize("head,length", HEADS)
def test_training_steps_on_clips_lower_the_loss(head, length):
  model = _tracker(head, length, freeze_detector=True)
  batch = dict(_targets(head, length), image=_clip(3, seed=3))
  assert len(tracker_lib.detector_of(model).trainable_variables) == 0
  step = tf.function(loop.gradient_step(
      model, keras.optimizers.Adam(3e-3), losses.for_head(head), 2))
  first = float(step(batch))
  for _ in range(10):
    last = float(step(batch))
  assert last < first


def test_detector_with_unknown_outputs_is_rejected():
  inputs = keras.Input((8, 8, 3))
  odd = keras.Model(inputs, {"points": keras.layers.Flatten()(inputs)})
  with pytest.raises(ValueError, match="must output"):
    tracker_lib.build_tracker(odd)
