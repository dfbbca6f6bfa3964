"""talking_face: the dummy download (tfds's test case and our content checks),
FGNet layout, native markup, common points, skipped frames."""

import os

import cv2
import numpy as np
import pytest
import tensorflow_datasets as tfds

import landmark1d_datasets
from landmark1d.geometry import landmark_sets
from landmark1d.geometry import pts
from landmark1d_datasets import _counts
from landmark1d_datasets import make_dummy_data
from landmark1d_datasets.talking_face import talking_face_dataset_builder as lib

tfds.disable_progress_bar()
DUMMY = make_dummy_data.dummy_dir("talking_face")


# The dummy download is 6 frames: the published-count warning is expected.
@pytest.mark.filterwarnings("ignore::landmark1d_datasets._counts.CountWarning")
class DummyDataTest(tfds.testing.DatasetBuilderTestCase):
  """tfds's own checks on dummy_data/ (images/franck_NNNNN.jpg and
  points/franck_NNNNN.pts): build, counts, reload, keys."""

  DATASET_CLASS = lib.Builder
  SPLITS = {"test": 6}


def test_dummy_frames_in_order_with_native_markup(rehearsal_data_dir):
  builder = landmark1d_datasets.builder("talking_face", rehearsal_data_dir)
  examples = list(tfds.as_numpy(builder.as_dataset(split="test")))
  assert [int(e["frame_index"]) for e in examples] == list(range(6))
  for e in examples:
    k = int(e["frame_index"])
    assert e["image_id"].decode() == f"images/franck_{k:05d}.jpg"
    expected = pts.read(os.path.join(DUMMY, "points",
                                     f"franck_{k:05d}.pts")) - 1.0
    np.testing.assert_allclose(e["landmarks"], expected, atol=1e-4)
    image = cv2.imread(os.path.join(DUMMY, e["image_id"].decode()))[..., ::-1]
    assert np.abs(e["image"].astype(int) - image).mean() <= 3
    # The markup's eye corners (27, 32) are apart and level: a face, so the
    # interocular normaliser is sane.
    eyes = e["landmarks"][[27, 32]]
    assert 10 < eyes[1, 0] - eyes[0, 0] and abs(eyes[1, 1] - eyes[0, 1]) < 10


def write_frames(root, numbers, annotated):
  """Frames in images/, points in points/; returns {number: 1-based points}."""
  os.makedirs(os.path.join(root, "images"))
  os.makedirs(os.path.join(root, "points"))
  truth = {}
  for k in numbers:
    cv2.imwrite(os.path.join(root, "images", f"franck_{k:05d}.jpg"),
                np.full((24, 32, 3), 20 + 50 * k, np.uint8))
  for k in annotated:
    truth[k] = np.random.default_rng(k).uniform(1, 24, (68, 2)).round(3)
    pts.write(os.path.join(root, "points", f"franck_{k:05d}.pts"), truth[k])
  return truth


def test_builds_one_test_split_in_frame_order(tmp_path):
  manual = tmp_path / "manual"
  truth = write_frames(str(manual), range(4), annotated=[0, 1, 3])
  (manual / "points" / "franck_00003.pts").write_text("version: 1\n{\n}\n")
  with pytest.warns(UserWarning) as record:
    builder = landmark1d_datasets.prepare(
        "talking_face", data_dir=str(tmp_path / "data"),
        manual_dir=str(manual))
  messages = [str(w.message) for w in record]
  assert any("'test' has 4 frames, the published dataset has 5000" in m
             for m in messages)
  assert any(w.category is _counts.SkipWarning and "1 frames without "
             "annotation, 1 broken annotations" in str(w.message)
             for w in record), messages
  assert list(builder.info.splits) == ["test"]
  examples = list(tfds.as_numpy(builder.as_dataset(split="test")))
  assert [int(e["frame_index"]) for e in examples] == [0, 1]
  for e in examples:
    k = int(e["frame_index"])
    assert e["video_id"] == b"franck"
    assert e["image_id"].decode() == f"images/franck_{k:05d}.jpg"
    expected = (truth[k] - 1.0).astype(np.float32)
    np.testing.assert_allclose(e["landmarks"], expected, atol=1e-4)
    np.testing.assert_allclose(e["box"], [*expected.min(0), *expected.max(0)],
                               atol=1e-4)
    assert abs(e["image"].mean() - (20 + 50 * k)) < 3


def test_common7_subset_picks_the_same_anatomical_points():
  tf68 = landmark_sets.get("talking_face68")
  subset = landmark_sets.SUBSETS[("talking_face68", "common7")]
  assert tuple(tf68.names[i] for i in subset) == landmark_sets.COMMON7.names
  # XM2VTS / STASM numbering: outer eye corners 27 and 32, inner 29 and 34,
  # nose tip 67, mouth corners 48 and 54.
  assert subset == (27, 29, 34, 32, 67, 48, 54)


def test_common7_subset_commutes_with_horizontal_flip():
  # Flipping then taking the subset equals taking the subset then flipping
  # it in COMMON7's own flip order.
  tf68 = landmark_sets.get("talking_face68")
  subset = np.array(landmark_sets.SUBSETS[("talking_face68", "common7")])
  flip68 = np.array(tf68.flip_permutation)
  flip7 = np.array(landmark_sets.COMMON7.flip_permutation)
  np.testing.assert_array_equal(flip68[subset], subset[flip7])


def test_no_frames_error_prints_the_expected_layout(tmp_path):
  manual = tmp_path / "manual"
  os.makedirs(manual)
  (manual / "readme.txt").write_text("wrong download")
  with pytest.raises(ValueError, match=r"(?s)no franck_NNNNN.jpg.*franck_"):
    landmark1d_datasets.prepare("talking_face", data_dir=str(tmp_path / "d"),
                                manual_dir=str(manual))
