"""aflw19: the dummy download (tfds's test case and our content checks), list
parsing, visibility, box from centre and box_size, bad files."""

import csv
import os
import shutil

import numpy as np
import pytest
import tensorflow_datasets as tfds

import landmark1d_datasets
from landmark1d_datasets import _counts
from landmark1d_datasets import make_dummy_data
from landmark1d_datasets.aflw19 import aflw19_dataset_builder as lib

tfds.disable_progress_bar()
DUMMY = make_dummy_data.dummy_dir("aflw19")
LISTS = {"train": "face_landmarks_aflw_train.csv",
         "test": "face_landmarks_aflw_test.csv",
         "test_frontal": "face_landmarks_aflw_test_frontal.csv"}


# The dummy download is a few files: the published-count warnings are expected.
@pytest.mark.filterwarnings("ignore::landmark1d_datasets._counts.CountWarning")
class DummyDataTest(tfds.testing.DatasetBuilderTestCase):
  """tfds's own checks on dummy_data/: build, counts, reload, keys, overlap."""

  DATASET_CLASS = lib.Builder
  SPLITS = {"train": 4, "test": 2, "test_frontal": 1}
  OVERLAPPING_SPLITS = ["test_frontal"]  # a subset of test


def _rows(split):
  """The list's faces as written: (image, box_size, centre, points)."""
  with open(os.path.join(DUMMY, LISTS[split]), encoding="utf-8") as f:
    rows = list(csv.reader(f))[1:]
  return [(r[0], float(r[2]), np.array(r[3:5], float),
           np.array(r[5:], float).reshape(19, 2)) for r in rows]


def test_dummy_splits_keep_visibility_box_and_box_size(rehearsal_data_dir):
  builder = landmark1d_datasets.builder("aflw19", rehearsal_data_dir)
  assert builder.info.features["landmarks"].shape == (19, 2)
  hidden = 0
  for split in LISTS:
    examples = sorted(tfds.as_numpy(builder.as_dataset(split=split)),
                      key=lambda e: (e["image_id"], e["box"][0]))
    expected = sorted(_rows(split), key=lambda r: (r[0], r[2][0] - r[1] / 2))
    assert len(examples) == len(expected)
    for e, (name, box_size, centre, points) in zip(examples, expected):
      assert e["image_id"].decode() == f"images/{name}"
      visible = points[:, 1] > 0  # the lists write (0, 0) when unannotated
      hidden += int((~visible).sum())
      np.testing.assert_array_equal(e["visible"], visible)
      np.testing.assert_allclose(e["landmarks"], points, atol=1e-4)
      assert e["box_size"] == pytest.approx(box_size, rel=1e-6)
      half = box_size / 2
      np.testing.assert_allclose(e["box"], [*(centre - half), *(centre + half)],
                                 rtol=1e-5)
      assert e["image"].shape[2] == 3
  assert hidden == 2  # the chin of both faces in flickr/0/image00002.jpg


def _manual_with(tmp_path, *splits):
  manual = tmp_path / "manual"
  shutil.copytree(os.path.join(DUMMY, "images"), manual / "images")
  for split in splits:
    shutil.copy(os.path.join(DUMMY, LISTS[split]), manual)
  return manual


def test_frontal_split_is_optional(tmp_path):
  manual = _manual_with(tmp_path, "train", "test")
  with pytest.warns(_counts.CountWarning, match="has 4 faces"):
    builder = landmark1d_datasets.prepare(
        "aflw19", data_dir=str(tmp_path / "data"), manual_dir=str(manual))
  assert sorted(builder.info.splits) == ["test", "train"]


def test_list_without_header_parses_the_same(tmp_path):
  with_header = lib.read_list(os.path.join(DUMMY, LISTS["train"]))
  with open(os.path.join(DUMMY, LISTS["train"]), encoding="utf-8") as f:
    lines = f.read().splitlines()[1:]
  (tmp_path / "n.csv").write_text("\n".join(lines) + "\n")
  without = lib.read_list(str(tmp_path / "n.csv"))
  assert [r.image_name for r in without] == [r.image_name
                                              for r in with_header]
  for a, b in zip(with_header, without):
    np.testing.assert_array_equal(a.landmarks, b.landmarks)


def test_points_on_or_above_the_top_row_are_unannotated(tmp_path):
  # HRNet's rule: a point counts when y > 0; (0, 0) is how the lists write a
  # missing one.
  points = np.tile([[10.0, 20.0]], (19, 1))
  points[[0, 1, 2]] = [[0, 0], [5, 0], [-1, 7]]
  path = tmp_path / "l.csv"
  path.write_text("a.jpg,0.1,20,5,5," + ",".join(map(str, points.ravel()))
                  + "\n")
  row, = lib.read_list(str(path))
  np.testing.assert_array_equal(row.visible, [False] * 3 + [True] * 16)
  np.testing.assert_array_equal(row.landmarks[:3], 0.0)


@pytest.mark.parametrize("row, what", [
    ("a.jpg,0.1,20,5,5," + ",".join(["1"] * 37), ":2: expected 43 columns"),
    ("a.jpg,0.1,20,5,five," + ",".join(["1"] * 38), ":2: a column"),
    ("a.jpg,0.1,-3,5,5," + ",".join(["1"] * 38), ":2: expected finite"),
])
def test_bad_rows_name_file_and_line(tmp_path, row, what):
  path = tmp_path / "bad.csv"
  path.write_text("image_name,scale,box_size\n" + row + "\n")
  with pytest.raises(ValueError, match=f"bad.csv{what}"):
    lib.read_list(str(path))


def test_missing_list_or_image_names_the_file(tmp_path):
  manual = _manual_with(tmp_path, "train")
  with pytest.raises(ValueError, match="face_landmarks_aflw_test.csv not"):
    with pytest.warns(_counts.CountWarning):
      landmark1d_datasets.prepare("aflw19", data_dir=str(tmp_path / "d"),
                                  manual_dir=str(manual))
  shutil.copy(os.path.join(DUMMY, LISTS["test"]), manual)
  os.remove(manual / "images" / "flickr" / "3" / "image00052.jpg")
  with pytest.raises(ValueError, match=r"images/flickr/3/image00052\.jpg: "
                     "cannot read"):
    with pytest.warns(_counts.CountWarning):
      landmark1d_datasets.prepare("aflw19", data_dir=str(tmp_path / "d2"),
                                  manual_dir=str(manual))
