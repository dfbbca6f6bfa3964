"""ibug_300vw: the dummy download (tfds's test case and our content checks),
video-id splits, .avi and extracted frames, skipped frames."""

import os

import cv2
import numpy as np
import pytest
import tensorflow_datasets as tfds

import landmark1d_datasets
from landmark1d.geometry import pts
from landmark1d_datasets import _counts
from landmark1d_datasets import make_dummy_data
from landmark1d_datasets.ibug_300vw import ibug_300vw_dataset_builder as lib

tfds.disable_progress_bar()
SIZE = 32
DUMMY = os.path.join(make_dummy_data.dummy_dir("ibug_300vw"),
                     lib.ARCHIVE_FOLDER)


# The dummy download is a few videos: the published-count warnings are expected.
@pytest.mark.filterwarnings("ignore::landmark1d_datasets._counts.CountWarning")
class DummyDataTest(tfds.testing.DatasetBuilderTestCase):
  """tfds's own checks on dummy_data/ (300VW_Dataset_2015_12_14/NNN/vid.avi,
  annot/): build, counts, reload, keys, no overlap."""

  DATASET_CLASS = lib.Builder
  SPLITS = {"train": 24, "s1": 4, "s2": 4, "s3": 4}


def _decoded_frames(video):
  capture = cv2.VideoCapture(video)
  frames = []
  while True:
    ok, bgr = capture.read()
    if not ok:
      break
    frames.append(bgr[..., ::-1])
  capture.release()
  return frames


def test_dummy_videos_split_by_id_in_frame_order(rehearsal_data_dir):
  builder = landmark1d_datasets.builder("ibug_300vw", rehearsal_data_dir)
  videos = {"train": ["001", "002", "003", "004"], "s1": ["114"],
            "s2": ["203"], "s3": ["410"]}
  for split, ids in videos.items():
    examples = list(tfds.as_numpy(builder.as_dataset(split=split)))
    # Written in order: video by video, frame by frame.
    assert [(e["video_id"].decode(), int(e["frame_index"]))
            for e in examples] == [(v, k) for v in ids for k in range(
                len(os.listdir(os.path.join(DUMMY, v, "annot"))))]
    for video in ids:
      frames = _decoded_frames(os.path.join(DUMMY, video, "vid.avi"))
      for e in (e for e in examples if e["video_id"].decode() == video):
        k = int(e["frame_index"])
        assert e["image_id"].decode() == f"{video}/vid.avi#{k + 1:06d}"
        expected = pts.read(os.path.join(DUMMY, video, "annot",
                                         f"{k + 1:06d}.pts")) - 1.0
        np.testing.assert_allclose(e["landmarks"], expected, atol=1e-4)
        assert e["visible"].all()
        # Stored as JPEG (quality 90) from the decoded frame.
        assert np.abs(e["image"].astype(int) - frames[k]).mean() < 3


def _brightness(number):
  return 30 + 40 * number  # frame k is grey level 30 + 40 k: order is visible


def _points(video_id, number):
  rng = np.random.default_rng([int(video_id), number])
  return rng.uniform(1, SIZE, (68, 2)).round(3)


def write_video(root, video_id, frames, source="avi", annotated=None):
  """Writes a fake 300-VW video folder; returns {number: 1-based points}."""
  folder = os.path.join(root, video_id)
  os.makedirs(os.path.join(folder, "annot"))
  images = [np.full((SIZE, SIZE, 3), _brightness(k), np.uint8)
            for k in range(1, frames + 1)]
  if source == "avi":
    writer = cv2.VideoWriter(os.path.join(folder, "vid.avi"),
                             cv2.VideoWriter_fourcc(*"MJPG"), 25, (SIZE, SIZE))
    for image in images:
      writer.write(image)
    writer.release()
  else:
    os.makedirs(os.path.join(folder, "imgs"))
    for k, image in enumerate(images, 1):
      cv2.imwrite(os.path.join(folder, "imgs", f"{k:06d}.{source}"), image)
  written = {}
  for k in annotated or range(1, frames + 1):
    written[k] = _points(video_id, k)
    pts.write(os.path.join(folder, "annot", f"{k:06d}.pts"), written[k])
  return written


def _prepare(tmp_path, manual):
  return landmark1d_datasets.prepare("ibug_300vw",
                                     data_dir=str(tmp_path / "data"),
                                     manual_dir=str(manual))


def test_splits_by_video_id_frames_in_order_and_skips_counted(tmp_path):
  manual = tmp_path / "manual"
  # Video 001: frame 3 has no .pts, frame 4's is broken, annotation 6 has no
  # frame; the other three videos are complete.
  truth = {"001": write_video(str(manual), "001", 5, annotated=[1, 2, 4, 5, 6]),
           "401": write_video(str(manual), "401", 3),
           "203": write_video(str(manual), "203", 3, source="jpg"),
           "410": write_video(str(manual), "410", 2, source="png")}
  (manual / "001" / "annot" / "000004.pts").write_text("n_points: 68\n{\n}\n")
  with pytest.warns(UserWarning) as record:
    builder = _prepare(tmp_path, manual)
  messages = [str(w.message) for w in record]
  assert any(w.category is _counts.SkipWarning and
             "video 001: skipped 1 frames without annotation, 1 broken "
             "annotations, 1 annotations without a frame" in str(w.message)
             for w in record), messages
  assert any("'s1' has 1 videos, the published dataset has 31" in m
             for m in messages)
  expected_frames = {"train": ("001", [1, 2, 5]), "s1": ("401", [1, 2, 3]),
                     "s2": ("203", [1, 2, 3]), "s3": ("410", [1, 2])}
  assert set(builder.info.splits) == set(expected_frames)
  for split, (video_id, numbers) in expected_frames.items():
    examples = list(tfds.as_numpy(builder.as_dataset(split=split)))
    assert [e["video_id"].decode() for e in examples] == [video_id] * len(
        numbers)
    assert [int(e["frame_index"]) for e in examples] == [k - 1 for k in numbers]
    for e, k in zip(examples, numbers):
      expected = (truth[video_id][k] - 1.0).astype(np.float32)
      np.testing.assert_allclose(e["landmarks"], expected, atol=1e-4)
      np.testing.assert_allclose(
          e["box"], [*expected.min(0), *expected.max(0)], atol=1e-4)
      assert e["visible"].all() and e["image"].shape == (SIZE, SIZE, 3)
      assert abs(e["image"].mean() - _brightness(k)) < 4
  ids = {e["image_id"].decode() for e in tfds.as_numpy(
      builder.as_dataset(split="s2"))}
  assert ids == {f"203/imgs/00000{k}.jpg" for k in (1, 2, 3)}


def test_split_table_matches_published_protocol():
  tests = [v for ids in lib.TEST_VIDEOS.values() for v in ids]
  assert len(tests) == len(set(tests)) == 64
  assert {s: len(v) for s, v in lib.TEST_VIDEOS.items()} == {
      "s1": 31, "s2": 19, "s3": 14}
  assert "401" in lib.TEST_VIDEOS["s1"] and "001" not in tests
  assert lib.VIDEO_COUNTS["train"] + len(tests) == 114


def test_unreadable_video_names_the_file(tmp_path):
  manual = tmp_path / "manual"
  write_video(str(manual), "401", 2)
  (manual / "401" / "vid.avi").write_bytes(b"not a video")
  with pytest.raises(ValueError, match=r"401/vid\.avi: OpenCV"):
    with pytest.warns(_counts.CountWarning):
      _prepare(tmp_path, manual)
