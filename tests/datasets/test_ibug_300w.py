"""ibug_300w: the dummy download (tfds's test case and our content checks),
1-based .pts -> 0-based, boxes, grey images, bad files."""

import os
import shutil

import cv2
import numpy as np
import pytest
import tensorflow_datasets as tfds

import landmark1d_datasets
from landmark1d.geometry import pts
from landmark1d_datasets import _counts
from landmark1d_datasets import make_dummy_data
from landmark1d_datasets.ibug_300w import ibug_300w_dataset_builder as lib

tfds.disable_progress_bar()
DUMMY = make_dummy_data.dummy_dir("ibug_300w")


# The dummy download is a few files: the published-count warnings are expected.
@pytest.mark.filterwarnings("ignore::landmark1d_datasets._counts.CountWarning")
class DummyDataTest(tfds.testing.DatasetBuilderTestCase):
  """tfds's own checks on dummy_data/: build, counts, reload, keys, overlap."""

  DATASET_CLASS = lib.Builder
  SPLITS = {"train": 4, "common": 2, "challenging": 1, "full": 3, "test": 2}
  OVERLAPPING_SPLITS = ["full"]  # common + challenging


def test_dummy_splits_hold_their_subsets_with_zero_based_landmarks(
    rehearsal_data_dir):
  builder = landmark1d_datasets.builder("ibug_300w", rehearsal_data_dir)
  splits = {split: list(tfds.as_numpy(builder.as_dataset(split=split)))
            for split in builder.info.splits}
  ids = {s: sorted(e["image_id"].decode() for e in ex)
         for s, ex in splits.items()}
  assert ids == {
      "train": ["afw/1051618982_1.jpg", "afw/1051618982_2.jpg",
                "helen/trainset/100032540_1.jpg",
                "lfpw/trainset/image_0001.png"],
      "common": ["helen/testset/2968560214_1.jpg",
                 "lfpw/testset/image_0001.png"],
      "challenging": ["ibug/image_003_1.jpg"],
      "full": ["helen/testset/2968560214_1.jpg", "ibug/image_003_1.jpg",
               "lfpw/testset/image_0001.png"],
      "test": ["300W/01_Indoor/indoor_001.png",
               "300W/02_Outdoor/outdoor_001.png"],
  }
  assert builder.info.features["landmarks"].shape == (68, 2)
  for examples in splits.values():
    for e in examples:
      path = os.path.join(DUMMY, e["image_id"].decode())
      expected = pts.read(os.path.splitext(path)[0] + ".pts") - 1.0
      np.testing.assert_allclose(e["landmarks"], expected, atol=1e-4)
      assert e["landmarks"].dtype == np.float32 and e["visible"].all()
      np.testing.assert_allclose(
          e["box"], [*expected.min(0), *expected.max(0)], atol=1e-4)
      # Grey files (ibug/image_003_1.jpg) come back with 3 equal channels.
      image = cv2.imread(path, cv2.IMREAD_COLOR)[..., ::-1]
      assert e["image"].shape == image.shape
      # PNG is lossless; JPEG decoders may differ by a few levels.
      tolerance = 0 if path.endswith(".png") else 3
      assert np.abs(e["image"].astype(int) - image).mean() <= tolerance
  grey = splits["challenging"][0]["image"]
  assert (grey[..., 0] == grey[..., 1]).all()


def _copy(manual, *folders):
  for folder in folders:
    shutil.copytree(os.path.join(DUMMY, folder), os.path.join(manual, folder))


def test_private_test_split_absent_without_its_folders(tmp_path):
  manual = tmp_path / "manual"
  _copy(manual, "ibug")
  with pytest.warns(_counts.CountWarning):
    builder = landmark1d_datasets.prepare(
        "ibug_300w", data_dir=str(tmp_path / "data"), manual_dir=str(manual))
  assert sorted(builder.info.splits) == ["challenging", "full"]


def test_private_folders_directly_in_manual_dir_are_accepted(tmp_path):
  manual = tmp_path / "manual"
  for folder in ("01_Indoor", "02_Outdoor"):
    shutil.copytree(os.path.join(DUMMY, "300W", folder), manual / folder)
  with pytest.warns(_counts.CountWarning):
    builder = landmark1d_datasets.prepare(
        "ibug_300w", data_dir=str(tmp_path / "data"), manual_dir=str(manual))
  assert dict(builder.info.splits)["test"].num_examples == 2


def test_count_mismatch_warns_with_both_counts(tmp_path):
  manual = tmp_path / "manual"
  _copy(manual, "ibug")
  with pytest.warns(_counts.CountWarning) as record:
    landmark1d_datasets.prepare("ibug_300w", data_dir=str(tmp_path / "d"),
                                manual_dir=str(manual))
  messages = [str(w.message) for w in record]
  assert any("'challenging' has 1 faces, the published dataset has 135" in m
             for m in messages)
  assert any("'train' has 0 faces, the published dataset has 3148" in m
             for m in messages)


def test_pts_with_wrong_point_count_names_the_file(tmp_path):
  manual = tmp_path / "manual"
  _copy(manual, "ibug")
  pts.write(str(manual / "ibug" / "image_003_1.pts"), np.ones((67, 2)))
  with pytest.raises(ValueError, match=r"image_003_1\.pts: expected 68"):
    with pytest.warns(_counts.CountWarning):
      landmark1d_datasets.prepare("ibug_300w", data_dir=str(tmp_path / "d"),
                                  manual_dir=str(manual))


def test_unreadable_or_missing_image_names_the_file(tmp_path):
  manual = tmp_path / "manual"
  _copy(manual, "ibug")
  image = manual / "ibug" / "image_003_1.jpg"
  image.write_bytes(b"\xff\xd8 truncated")
  with pytest.raises(ValueError, match=r"image_003_1\.jpg: not a readable"):
    with pytest.warns(_counts.CountWarning):
      landmark1d_datasets.prepare("ibug_300w", data_dir=str(tmp_path / "d"),
                                  manual_dir=str(manual))
  image.unlink()
  with pytest.raises(ValueError, match=r"image_003_1\.pts: no image beside"):
    with pytest.warns(_counts.CountWarning):
      landmark1d_datasets.prepare("ibug_300w", data_dir=str(tmp_path / "d2"),
                                  manual_dir=str(manual))
