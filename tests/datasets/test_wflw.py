"""wflw: the dummy download (tfds's test case and our content checks), the
attribute subsets, tight boxes, bad list lines."""

import os
import shutil

import numpy as np
import pytest
import tensorflow_datasets as tfds

import landmark1d_datasets
from landmark1d_datasets import _counts
from landmark1d_datasets import make_dummy_data
from landmark1d_datasets.wflw import wflw_dataset_builder as lib

tfds.disable_progress_bar()
DUMMY = make_dummy_data.dummy_dir("wflw")
LISTS = os.path.join(DUMMY, "WFLW_annotations",
                     "list_98pt_rect_attr_train_test")
SUBSETS = ("test_pose", "test_expression", "test_illumination",
           "test_makeup", "test_occlusion", "test_blur")


# The dummy download is a few files: the published-count warnings are expected.
@pytest.mark.filterwarnings("ignore::landmark1d_datasets._counts.CountWarning")
class DummyDataTest(tfds.testing.DatasetBuilderTestCase):
  """tfds's own checks on dummy_data/: build, counts, reload, keys, overlap."""

  DATASET_CLASS = lib.Builder
  SPLITS = {"train": 3, "test": 4, **{s: 1 for s in SUBSETS}}
  OVERLAPPING_SPLITS = list(SUBSETS)  # subsets of test


def _faces(split):
  """The list's faces as written: (image path, (98, 2) points, flags)."""
  with open(os.path.join(LISTS, f"list_98pt_rect_attr_{split}.txt"),
            encoding="utf-8") as f:
    lines = [l.split() for l in f if l.strip()]
  return [(l[-1], np.array(l[:196], float).reshape(98, 2),
           [int(v) for v in l[200:206]]) for l in lines]


def test_dummy_splits_hold_the_listed_faces_and_attribute_subsets(
    rehearsal_data_dir):
  builder = landmark1d_datasets.builder("wflw", rehearsal_data_dir)
  assert builder.info.features["landmarks"].shape == (98, 2)
  test = _faces("test")
  expected = {"train": _faces("train"), "test": test}
  for k, subset in enumerate(SUBSETS):  # flag k selects subset k
    expected[subset] = [face for face in test if face[2][k]]
  assert sorted(builder.info.splits) == sorted(expected)
  for split, faces in expected.items():
    examples = sorted(tfds.as_numpy(builder.as_dataset(split=split)),
                      key=lambda e: (e["image_id"], e["box"][0]))
    faces = sorted(faces, key=lambda f: (f[0], f[1][:, 0].min()))
    assert len(examples) == len(faces)
    for e, (path, points, _) in zip(examples, faces):
      assert e["image_id"].decode() == f"WFLW_images/{path}"
      np.testing.assert_allclose(e["landmarks"], points, atol=1e-4)
      assert e["visible"].all()
      np.testing.assert_allclose(e["box"], [*points.min(0), *points.max(0)],
                                 atol=1e-4)
      assert e["image"].shape[2] == 3


def test_a_subset_without_faces_is_left_out(tmp_path):
  manual = tmp_path / "manual"
  shutil.copytree(DUMMY, manual)
  lists = manual / os.path.relpath(LISTS, DUMMY)
  test = (lists / "list_98pt_rect_attr_test.txt").read_text().splitlines()
  # Keep the last face only: it has no attribute flag set.
  (lists / "list_98pt_rect_attr_test.txt").write_text(test[-1] + "\n")
  with pytest.warns(_counts.CountWarning) as record:
    builder = landmark1d_datasets.prepare(
        "wflw", data_dir=str(tmp_path / "data"), manual_dir=str(manual))
  assert sorted(builder.info.splits) == ["test", "train"]
  messages = [str(w.message) for w in record]
  assert any("'test_pose' has 0 faces, the published dataset has 326" in m
             for m in messages)


def _line(points="1 " * 196, box="0 0 10 10", flags="0 0 0 0 0 0",
          path="0--Parade/a.jpg"):
  return f"{points}{box} {flags} {path}"


@pytest.mark.parametrize("line, what", [
    (_line(points="1 " * 194), ":2: expected 207 fields .*, got 205"),
    (_line(points="1 " * 195 + "x "), ":2: expected numbers before"),
    (_line(flags="0 2 0 0 0 0"), ":2: expected the 6 attribute flags"),
    (_line(box="5 0 5 10"), ":2: expected a box x_min y_min x_max y_max"),
])
def test_bad_lines_name_file_line_and_what_was_expected(tmp_path, line, what):
  path = tmp_path / "list.txt"
  path.write_text(_line() + "\n" + line + "\n")
  with pytest.raises(ValueError, match=f"list.txt{what}"):
    lib.read_list(str(path))


def test_missing_list_or_image_names_the_file(tmp_path):
  manual = tmp_path / "manual"
  shutil.copytree(DUMMY, manual)
  lists = manual / os.path.relpath(LISTS, DUMMY)
  os.remove(lists / "list_98pt_rect_attr_test.txt")
  with pytest.raises(ValueError, match="list_98pt_rect_attr_test.txt not "
                     "found"):
    with pytest.warns(_counts.CountWarning):
      landmark1d_datasets.prepare("wflw", data_dir=str(tmp_path / "d"),
                                  manual_dir=str(manual))
  shutil.copy(os.path.join(LISTS, "list_98pt_rect_attr_test.txt"), lists)
  os.remove(manual / "WFLW_images" / "7--Cheering" /
            "7_Cheering_Cheering_7_16.jpg")
  with pytest.raises(ValueError, match=r"7_Cheering_Cheering_7_16\.jpg: "
                     "cannot read"):
    with pytest.warns(_counts.CountWarning):
      landmark1d_datasets.prepare("wflw", data_dir=str(tmp_path / "d2"),
                                  manual_dir=str(manual))
