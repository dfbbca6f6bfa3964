"""aflw19: list parsing, visibility, box from centre and box_size, bad files."""

import os

import cv2
import numpy as np
import pytest
import tensorflow_datasets as tfds

import landmark1d_datasets
from landmark1d_datasets import _counts
from landmark1d_datasets.aflw19 import aflw19_dataset_builder as lib

tfds.disable_progress_bar()
HEADER = ",".join(["image_name", "scale", "box_size", "center_w", "center_h"]
                  + [f"original_{i}_{a}" for i in range(19) for a in "xy"])


def _face(seed):
  rng = np.random.default_rng(seed)
  points = rng.uniform(2, 30, (19, 2)).round(2)
  hidden = rng.random(19) < 0.2
  points[hidden] = 0.0  # how the lists mark unannotated points
  box_size, centre = rng.uniform(10, 30), rng.uniform(8, 24, 2)
  return points, ~hidden, box_size, centre


def write_list(root, filename, names, first_seed):
  """Writes a list and its 24x32 images; returns the faces it describes."""
  faces, lines = [], [HEADER]
  for i, name in enumerate(names):
    points, visible, box_size, centre = _face(first_seed + i)
    image_path = os.path.join(root, "images", name)
    os.makedirs(os.path.dirname(image_path), exist_ok=True)
    cv2.imwrite(image_path, np.full((24, 32, 3), 10 * i, np.uint8))
    values = [box_size / 200, box_size, *centre, *points.ravel()]
    lines.append(",".join([name] + [repr(float(v)) for v in values]))
    faces.append((name, points, visible, box_size, centre))
  with open(os.path.join(root, filename), "w", encoding="utf-8") as f:
    f.write("\n".join(lines) + "\n")
  return faces


def test_builds_splits_with_visibility_box_and_box_size(tmp_path):
  manual = str(tmp_path / "manual")
  os.makedirs(manual)
  faces = {
      "train": write_list(manual, "face_landmarks_aflw_train.csv",
                          ["flickr/0/image00002.jpg", "flickr/0/image00002.jpg",
                           "flickr/2/image13.png"], 0),
      "test": write_list(manual, "face_landmarks_aflw_test.csv",
                         ["flickr/3/image00035.jpg"], 10),
      "test_frontal": write_list(manual, "face_landmarks_aflw_test_frontal.csv",
                                 ["flickr/3/image00035.jpg"], 10),
  }
  with pytest.warns(_counts.CountWarning):
    builder = landmark1d_datasets.prepare(
        "aflw19", data_dir=str(tmp_path / "data"), manual_dir=manual)
  assert builder.info.features["landmarks"].shape == (19, 2)
  for split, expected in faces.items():
    examples = sorted(tfds.as_numpy(builder.as_dataset(split=split)),
                      key=lambda e: (e["image_id"], e["box_size"]))
    expected = sorted(expected, key=lambda f: (f[0], np.float32(f[3])))
    assert len(examples) == len(expected)
    for e, (name, points, visible, box_size, centre) in zip(examples,
                                                            expected):
      assert e["image_id"].decode() == f"images/{name}"
      np.testing.assert_array_equal(e["visible"], visible)
      np.testing.assert_allclose(e["landmarks"], points, atol=1e-4)
      assert e["box_size"] == pytest.approx(box_size, rel=1e-6)
      half = box_size / 2
      np.testing.assert_allclose(
          e["box"], [centre[0] - half, centre[1] - half, centre[0] + half,
                     centre[1] + half], rtol=1e-5)
      assert e["image"].shape == (24, 32, 3)


def test_frontal_split_is_optional(tmp_path):
  manual = str(tmp_path / "manual")
  os.makedirs(manual)
  write_list(manual, "face_landmarks_aflw_train.csv", ["a.jpg"], 0)
  write_list(manual, "face_landmarks_aflw_test.csv", ["b.jpg"], 1)
  with pytest.warns(_counts.CountWarning, match="has 1 faces"):
    builder = landmark1d_datasets.prepare(
        "aflw19", data_dir=str(tmp_path / "data"), manual_dir=manual)
  assert sorted(builder.info.splits) == ["test", "train"]


def test_list_without_header_parses_the_same(tmp_path):
  os.makedirs(tmp_path / "m")
  write_list(str(tmp_path / "m"), "l.csv", ["a.jpg", "b.jpg"], 3)
  with_header = lib.read_list(str(tmp_path / "m" / "l.csv"))
  lines = (tmp_path / "m" / "l.csv").read_text().splitlines()[1:]
  (tmp_path / "m" / "n.csv").write_text("\n".join(lines) + "\n")
  without = lib.read_list(str(tmp_path / "m" / "n.csv"))
  assert [r.image_name for r in without] == ["a.jpg", "b.jpg"]
  for a, b in zip(with_header, without):
    np.testing.assert_array_equal(a.landmarks, b.landmarks)


@pytest.mark.parametrize("row, what", [
    ("a.jpg,0.1,20,5,5," + ",".join(["1"] * 37), ":2: expected 43 columns"),
    ("a.jpg,0.1,20,5,five," + ",".join(["1"] * 38), ":2: a column"),
    ("a.jpg,0.1,-3,5,5," + ",".join(["1"] * 38), ":2: expected finite"),
])
def test_bad_rows_name_file_and_line(tmp_path, row, what):
  path = tmp_path / "bad.csv"
  path.write_text(HEADER + "\n" + row + "\n")
  with pytest.raises(ValueError, match=f"bad.csv{what}"):
    lib.read_list(str(path))


def test_missing_list_or_image_names_the_file(tmp_path):
  manual = tmp_path / "manual"
  os.makedirs(manual)
  write_list(str(manual), "face_landmarks_aflw_train.csv", ["a.jpg"], 0)
  with pytest.raises(ValueError, match="face_landmarks_aflw_test.csv not"):
    with pytest.warns(_counts.CountWarning):
      landmark1d_datasets.prepare("aflw19", data_dir=str(tmp_path / "d"),
                                  manual_dir=str(manual))
  write_list(str(manual), "face_landmarks_aflw_test.csv", ["b.jpg"], 1)
  os.remove(manual / "images" / "b.jpg")
  with pytest.raises(ValueError, match=r"images/b\.jpg: cannot read"):
    with pytest.warns(_counts.CountWarning):
      landmark1d_datasets.prepare("aflw19", data_dir=str(tmp_path / "d2"),
                                  manual_dir=str(manual))
