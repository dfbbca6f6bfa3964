"""ibug_300w: split membership, 1-based .pts -> 0-based, boxes, bad files."""

import os

import cv2
import numpy as np
import pytest
import tensorflow_datasets as tfds

import landmark1d_datasets
from landmark1d import pts
from landmark1d_datasets import _counts

tfds.disable_progress_bar()

# folder -> (file stem, image suffix) of each fake face
LAYOUT = {
    "afw": [("1051618982_1", ".jpg"), ("1051618982_2", ".jpg")],
    "helen/trainset": [("100032540_1", ".jpg")],
    "lfpw/trainset": [("image_0001", ".png")],
    "helen/testset": [("2968560214_1", ".jpg")],
    "lfpw/testset": [("image_0002", ".png")],
    "ibug": [("image_003_1", ".jpg")],
}


def _face(folder, stem, size=32):
  # Distinct per file, so a misfiled example shows up as wrong values.
  rng = np.random.default_rng(abs(hash((folder, stem))) % 2**32)
  # Smooth, so JPEG keeps it within a few levels; the colour is per file.
  colour = rng.integers(0, 160, 3)
  ramp = np.add.outer(np.arange(size), np.arange(size + 8))[..., None]
  image = (colour + ramp).astype(np.uint8)
  points_1based = rng.uniform(1, size, (68, 2)).round(3)
  return image, points_1based


def write_layout(root, layout, grey=()):
  """Writes fake images and .pts files; returns {image_id: (image, pts)}."""
  faces = {}
  for folder, entries in layout.items():
    os.makedirs(os.path.join(root, folder), exist_ok=True)
    for stem, suffix in entries:
      image, points = _face(folder, stem)
      if stem in grey:
        image = np.repeat(image[..., :1], 3, axis=-1)
      path = os.path.join(root, folder, stem)
      cv2.imwrite(path + suffix, image[..., 0] if stem in grey else image)
      pts.write(path + ".pts", points)
      faces[f"{folder}/{stem}{suffix}"] = (image[..., ::-1], points)
  return faces


def _load(tmp_path, manual):
  with pytest.warns(_counts.CountWarning):
    builder = landmark1d_datasets.prepare(
        "ibug_300w", data_dir=str(tmp_path / "data"), manual_dir=str(manual))
  return builder, {split: list(tfds.as_numpy(builder.as_dataset(split=split)))
                   for split in builder.info.splits}


def test_builds_standard_splits_with_zero_based_landmarks(tmp_path):
  manual = tmp_path / "manual"
  faces = write_layout(str(manual), {
      **LAYOUT, "300W/01_Indoor": [("indoor_001", ".png")],
      "300W/02_Outdoor": [("outdoor_001", ".png")]}, grey={"image_003_1"})
  builder, splits = _load(tmp_path, manual)
  ids = {s: sorted(e["image_id"].decode() for e in ex)
         for s, ex in splits.items()}
  assert ids == {
      "train": sorted(["afw/1051618982_1.jpg", "afw/1051618982_2.jpg",
                       "helen/trainset/100032540_1.jpg",
                       "lfpw/trainset/image_0001.png"]),
      "common": ["helen/testset/2968560214_1.jpg",
                 "lfpw/testset/image_0002.png"],
      "challenging": ["ibug/image_003_1.jpg"],
      "full": ["helen/testset/2968560214_1.jpg", "ibug/image_003_1.jpg",
               "lfpw/testset/image_0002.png"],
      "test": ["300W/01_Indoor/indoor_001.png",
               "300W/02_Outdoor/outdoor_001.png"],
  }
  assert builder.info.features["landmarks"].shape == (68, 2)
  for examples in splits.values():
    for e in examples:
      image, points = faces[e["image_id"].decode()]
      expected = (points - 1.0).astype(np.float32)
      np.testing.assert_allclose(e["landmarks"], expected, atol=1e-4)
      assert e["landmarks"].dtype == np.float32 and e["visible"].all()
      np.testing.assert_allclose(
          e["box"], [*expected.min(0), *expected.max(0)], atol=1e-4)
      assert e["image"].shape == image.shape
      # PNG is lossless; JPEG decoders may differ by a few levels.
      tolerance = 0 if e["image_id"].endswith(b".png") else 3
      assert np.abs(e["image"].astype(int) - image).mean() <= tolerance


def test_private_test_split_absent_without_its_folders(tmp_path):
  manual = tmp_path / "manual"
  write_layout(str(manual), {"ibug": LAYOUT["ibug"]})
  _, splits = _load(tmp_path, manual)
  assert sorted(splits) == ["challenging", "full"]


def test_count_mismatch_warns_with_both_counts(tmp_path):
  manual = tmp_path / "manual"
  write_layout(str(manual), {"ibug": LAYOUT["ibug"]})
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
  write_layout(str(manual), {"ibug": LAYOUT["ibug"]})
  bad = manual / "ibug" / "image_003_1.pts"
  pts.write(str(bad), np.ones((67, 2)))
  with pytest.raises(ValueError, match=r"image_003_1\.pts: expected 68"):
    with pytest.warns(_counts.CountWarning):
      landmark1d_datasets.prepare("ibug_300w", data_dir=str(tmp_path / "d"),
                                  manual_dir=str(manual))


def test_unreadable_image_names_the_file(tmp_path):
  manual = tmp_path / "manual"
  write_layout(str(manual), {"ibug": LAYOUT["ibug"]})
  (manual / "ibug" / "image_003_1.jpg").write_bytes(b"\xff\xd8 truncated")
  with pytest.raises(ValueError, match=r"image_003_1\.jpg: not a readable"):
    with pytest.warns(_counts.CountWarning):
      landmark1d_datasets.prepare("ibug_300w", data_dir=str(tmp_path / "d"),
                                  manual_dir=str(manual))


def test_missing_manual_dir_prints_download_instructions(tmp_path):
  with pytest.raises(AssertionError, match=r"(?s)does not exist.*afw/"):
    landmark1d_datasets.prepare("ibug_300w", data_dir=str(tmp_path / "d"),
                                manual_dir=str(tmp_path / "nowhere"))
