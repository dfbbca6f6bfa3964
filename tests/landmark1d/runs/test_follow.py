"""Following videos the CLI's way: first box from the truth, then the tracks."""

import numpy as np
import pytest
import tensorflow as tf

from experiments import configs as registry
from landmark1d.eval import scoring
from landmark1d.runs import datasets
from landmark1d.runs import follow
from landmark1d.runs import schema
from landmark1d.serving import predictor


def _config(mini_data_dir, dataset="synthetic_faces/mini_video"):
  return schema.override(registry.get("synthetic_trk1d_smoke"), [
      f"data.data_dir={mini_data_dir}", f"data.dataset={dataset}"])


@pytest.fixture(scope="module")
def exported(tiny_exports):
  """The tiny exports loaded once: `{"detector": ExportedModel, ...}`."""
  return {kind: predictor.ExportedModel(path)
          for kind, path in tiny_exports.items()}


def _test_videos(mini_data_dir):
  """`[(images, boxes, landmarks, video id)]` of mini_video's test split."""
  records = list(datasets.records("synthetic_faces/mini_video", "test",
                                  data_dir=mini_data_dir).as_numpy_iterator())
  videos = {}
  for r in records:
    videos.setdefault(r["video_id"].decode(), []).append(r)
  return [([tf.io.decode_image(r["image"], channels=3).numpy() for r in rs],
           np.stack([r["box"] for r in rs]),
           np.stack([r["landmarks"] for r in rs]), video)
          for video, rs in videos.items()]


def test_a_detector_export_follows_each_video_from_its_truth_box(
    mini_data_dir, tiny_exports, exported):
  model = exported["detector"]
  got = follow.follow(_config(mini_data_dir), tiny_exports["detector"],
                      "test", model=model)
  videos = _test_videos(mini_data_dir)
  assert got.landmarks.shape == (16, 68, 2)
  assert got.video_ids == [v[3] for v in videos for _ in range(8)]
  np.testing.assert_array_equal(got.frame_indices, np.tile(np.arange(8), 2))
  np.testing.assert_array_equal(got.ground_truth,
                                np.concatenate([v[2] for v in videos]))
  for k, (images, boxes, _, _) in enumerate(videos):
    track = got.landmarks[8 * k:8 * (k + 1)]
    # Frame 0: the crop of the ground-truth box, as detect_image gives it.
    np.testing.assert_allclose(
        track[0], model.detect_image(images[0], boxes[0]).landmarks[0],
        atol=1e-4)
    # Later frames: the crop around the previous frame's landmarks.
    for t in range(1, 8):
      box = predictor.landmark_box(track[t - 1][None])
      assert np.all(box[0, 2:] - box[0, :2] >= 2.0)  # no collapsed box here
      np.testing.assert_allclose(
          track[t], model.detect_image(images[t], box).landmarks[0],
          atol=1e-4)
  assert scoring.score(got, landmark_set="ibug68",
                       skip_first=2).frame_rows["all_after_skip"]["frames"] \
      == 12


def test_a_tracker_export_starts_each_video_from_the_zero_state(
    mini_data_dir, tiny_exports, exported):
  model = exported["tracker"]
  got = follow.follow(_config(mini_data_dir), tiny_exports["tracker"],
                      "test", max_videos=1, model=model)
  images, boxes, _, video = _test_videos(mini_data_dir)[0]
  assert got.landmarks.shape == (8, 68, 2) and set(got.video_ids) == {video}
  first, _ = model.track_image(images[0], boxes[0], model.zero_state(1))
  np.testing.assert_allclose(got.landmarks[0], first.landmarks[0], atol=1e-4)


def test_following_a_split_of_stills_is_refused(mini_data_dir, tiny_exports):
  with pytest.raises(ValueError, match="split 'test' holds no videos"):
    follow.follow(_config(mini_data_dir, "synthetic_faces/mini"),
                  tiny_exports["detector"], "test")
