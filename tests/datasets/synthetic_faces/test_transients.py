"""Transient events: short, spaced, a quarter of the frames, exact ground
truth, and each kind visibly degrading its frames."""

import numpy as np
import pytest

from landmark1d_datasets.synthetic_faces import motion
from landmark1d_datasets.synthetic_faces import scene as scene_lib
from landmark1d_datasets.synthetic_faces import transients

Event = transients.Event
# Every kind once, each after clean frames, with clean pairs between.
ALL_KINDS = (Event("noise", 3, 2), Event("flicker", 8, 1),
             Event("occluder", 12, 3), Event("duplicate", 18, 2),
             Event("motion_blur", 22, 2))
FRAMES = 26


def _clip_with_every_kind(seed):
  # No per-frame sensor noise and no clip occluders: what changes between
  # clean frames is then the motion alone.
  scenes = motion.sample_clip(np.random.default_rng(seed), FRAMES, 96,
                              occlusion=0.0, noise=False)
  degraded = transients.degrade_clip(np.random.default_rng(100 + seed),
                                     scenes, ALL_KINDS)
  return scenes, degraded, transients.render_events(degraded, ALL_KINDS)


def _face_box_difference(image, other, landmarks):
  """Mean absolute difference of two images inside the landmarks' box."""
  low = np.floor(landmarks.min(axis=0)).astype(int).clip(0)
  high = np.ceil(landmarks.max(axis=0)).astype(int)
  window = np.s_[low[1]:high[1] + 1, low[0]:high[0] + 1]
  return np.abs(image[window].astype(float)
                - other[window].astype(float)).mean()


def _frame_difference(clip, t, other):
  return _face_box_difference(clip.images[t], clip.images[other],
                              clip.landmarks[t])


def test_transient_events_last_1_to_3_frames_after_clean_frames():
  for seed in range(50):
    events = transients.sample_events(np.random.default_rng(seed), 32)
    previous_end = 0  # frame 0 is clean
    for event in events:
      assert event.kind in transients.KINDS
      assert 1 <= event.length <= 3
      assert event.start > previous_end  # a clean frame in between
      previous_end = event.start + event.length
    assert previous_end <= 32


def test_transient_events_degrade_about_a_quarter_of_the_frames():
  labels = np.concatenate([
      transients.frame_events(
          transients.sample_events(np.random.default_rng(seed), 32), 32)
      for seed in range(50)])
  fraction = (labels != transients.CLEAN).mean()
  assert 0.15 <= fraction <= 0.35
  assert set(labels) == set(transients.KINDS) | {transients.CLEAN}


def test_transient_frame_labels_follow_the_events_and_flags_agree():
  events = (Event("noise", 1, 2), Event("duplicate", 5, 1))
  labels = transients.frame_events(events, 7)
  assert list(labels) == ["none", "noise", "noise", "none", "none",
                          "duplicate", "none"]
  clip = transients.render_clip(3, 8, 64)
  np.testing.assert_array_equal(clip.degraded, clip.events != "none")
  assert clip.events.shape == (8,) and clip.images.shape == (8, 64, 64, 3)


@pytest.mark.parametrize("seed", range(3))
def test_transient_noise_flicker_and_occluder_frames_stand_out(seed):
  _, _, clip = _clip_with_every_kind(seed)
  clean = [_frame_difference(clip, t, t - 1) for t in range(1, FRAMES)
           if clip.events[t] == clip.events[t - 1] == "none"]
  assert len(clean) >= 8
  for event in ALL_KINDS[:3]:
    before = event.start - 1  # the clean frame a memory would repair from
    for t in event.frames:
      assert _frame_difference(clip, t, before) > max(clean), (
          f"seed {seed}: {event.kind} frame {t}")


def test_transient_duplicate_repeats_the_image_but_keeps_true_ground_truth():
  scenes, degraded, clip = _clip_with_every_kind(0)
  for t in ALL_KINDS[3].frames:  # frames 18 and 19 show frame 17
    assert clip.images[t].tobytes() == clip.images[17].tobytes()
    truth = scene_lib.render_scene(scenes[t])
    np.testing.assert_array_equal(clip.landmarks[t], truth.landmarks)
    assert np.abs(clip.landmarks[t] - clip.landmarks[17]).max() > 0.05
  assert degraded[18] == scenes[18]  # nothing but the image changed


@pytest.mark.parametrize("seed", range(3))
def test_transient_motion_blur_is_a_fast_jerk_blurred_along_its_motion(seed):
  scenes, degraded, clip = _clip_with_every_kind(seed)
  step = np.linalg.norm(np.diff(clip.landmarks, axis=0), axis=2).mean(axis=1)
  for t in ALL_KINDS[4].frames:  # step[t - 1]: from frame t - 1 to t
    assert step[t - 1] > 3 * np.median(step)
    velocity = np.subtract(degraded[t].centre, degraded[t - 1].centre)
    length, angle = degraded[t].motion_blur
    assert length == pytest.approx(np.linalg.norm(velocity))
    assert (np.cos(angle), np.sin(angle)) == pytest.approx(
        tuple(velocity / length))
    assert 4 * 96 / 128 - 1 <= length <= 12 * 96 / 128 + 1
  # The head stays where the jerk took it, and the ground truth is exactly
  # each moved scene's projection.
  shift = np.subtract(degraded[-1].centre, scenes[-1].centre)
  assert np.linalg.norm(shift) > 4
  for t in (21, 22, 25):
    np.testing.assert_array_equal(
        clip.landmarks[t], scene_lib.render_scene(degraded[t]).landmarks)


def test_transient_clip_is_the_plain_clip_up_to_its_first_jerk():
  # The clean clip is drawn first from the same generator, so the existing
  # configs' streams are untouched.
  for seed in range(3):
    clip = transients.render_clip(seed, 12, 64)
    plain = motion.render_clip(seed, 12, 64)
    for t in range(12):
      if clip.events[t] == "motion_blur":
        break
      if clip.events[t] == "none":
        assert clip.images[t].tobytes() == plain.images[t].tobytes()
      np.testing.assert_array_equal(clip.landmarks[t], plain.landmarks[t])


def test_transient_stills_keep_the_plain_still_and_its_ground_truth():
  events = []
  for seed in range(200):
    scene, event = transients.sample_face(seed, 64)
    plain = scene_lib.sample_scene(np.random.default_rng(seed), 64)
    events.append(event)
    if event == "none":
      assert scene == plain
    else:
      # Every still kind leaves the face where it is.
      assert scene.centre == plain.centre and scene.pose == plain.pose
      assert scene != plain
  assert 0.15 <= np.mean([e != "none" for e in events]) <= 0.35
  assert set(events) == set(transients.STILL_KINDS) | {"none"}


@pytest.mark.parametrize("kind", transients.STILL_KINDS)
def test_transient_still_kinds_change_pixels_not_landmarks(kind):
  plain = scene_lib.sample_scene(np.random.default_rng(2), 96, noise=False)
  degraded = transients.degrade_still(np.random.default_rng(0), plain, kind)
  clean, dirty = (scene_lib.render_scene(s) for s in (plain, degraded))
  np.testing.assert_array_equal(clean.landmarks, dirty.landmarks)
  assert _face_box_difference(dirty.image, clean.image, clean.landmarks) > 3
  if kind == "motion_blur":
    assert 3 <= degraded.motion_blur[0] <= 9  # 4-12 px at 128 px


def test_transient_rejects_bad_rates_and_kinds():
  with pytest.raises(ValueError, match="rate"):
    transients.sample_events(np.random.default_rng(0), 8, rate=1.5)
  with pytest.raises(ValueError, match="rate"):
    transients.render_face(0, 64, rate=-0.1)
  scenes = motion.sample_clip(np.random.default_rng(0), 4, 64)
  with pytest.raises(ValueError, match="kind"):
    transients.degrade_clip(np.random.default_rng(0), scenes,
                            (Event("rain", 1, 1),))
  with pytest.raises(ValueError, match="frame 0"):
    transients.degrade_clip(np.random.default_rng(0), scenes,
                            (Event("duplicate", 0, 1),))
  with pytest.raises(ValueError, match="frame 0"):
    transients.render_events(scenes, (Event("duplicate", 0, 1),))
  with pytest.raises(ValueError, match="frames 1..3"):
    transients.render_events(scenes, (Event("noise", 3, 2),))
  with pytest.raises(ValueError, match="kind"):
    transients.degrade_still(np.random.default_rng(0), scenes[0],
                             "duplicate")


def test_transient_clips_are_deterministic():
  a, b = (transients.render_clip(7, 8, 64) for _ in range(2))
  assert a.images.tobytes() == b.images.tobytes()
  np.testing.assert_array_equal(a.events, b.events)
