"""landmarks_folder: a user's folder in each annotation layout, its splits,
videos, and one-line errors naming the file and line."""

import json
import os
import shutil

import numpy as np
import pytest
import tensorflow_datasets as tfds

import landmark1d_datasets
from landmark1d.geometry import pts
from landmark1d_datasets import make_dummy_data
from landmark1d_datasets.landmarks_folder import (
    landmarks_folder_dataset_builder as lib)

tfds.disable_progress_bar()
DUMMY = make_dummy_data.dummy_dir("landmarks_folder")


class DummyDataTest(tfds.testing.DatasetBuilderTestCase):
  """tfds's own checks on dummy_data/ (both configs): build, counts, keys."""

  DATASET_CLASS = lib.Builder
  SPLITS = {"train": 8, "test": 4}


def _folder(tmp_path, layout="pts", num_points=5):
  root = tmp_path / f"folder_{layout}"
  make_dummy_data.write_landmarks_folder(str(root), num_points, layout)
  return root


def test_pts_csv_and_json_folders_give_the_same_zero_based_faces(tmp_path):
  faces = {layout: {f.image: f for f in lib.read_faces(
      str(_folder(tmp_path, layout)), 5)} for layout in ("pts", "csv", "json")}
  assert sorted(faces["pts"]) == sorted(faces["csv"]) == sorted(faces["json"])
  assert len(faces["pts"]) == 12
  for image, face in faces["pts"].items():
    # The .pts file holds 1-based pixels (3 decimals), CSV / JSON 0-based (2).
    stem = os.path.splitext(image)[0]
    expected = pts.read(str(tmp_path / "folder_pts" / f"{stem}.pts")) - 1.0
    np.testing.assert_allclose(face.landmarks, expected, atol=1e-4)
    for layout in ("csv", "json"):
      np.testing.assert_allclose(faces[layout][image].landmarks, expected,
                                 atol=0.006)
      assert faces[layout][image].visible.all()
    assert face.box is None and face.source == f"{stem}.pts"


def test_splits_come_from_top_level_folders_or_list_files(tmp_path):
  root = _folder(tmp_path)
  faces = lib.read_faces(str(root), 5)
  by_folder = lib.assign_splits(str(root), faces)
  assert {s: len(f) for s, f in by_folder.items()} == {"train": 8, "test": 4}
  (root / "validation.txt").write_text("train/clip_b/frame_003.jpg\n")
  (root / "train.txt").write_text("train/clip_a/frame_000.jpg\n\n"
                                  "test/clip_c/frame_001.jpg\n")
  with pytest.warns(UserWarning, match="skipped 9 annotated images in no "
                    "split list"):
    by_list = lib.assign_splits(str(root), faces)
  assert {s: [f.image for f in m] for s, m in by_list.items()} == {
      "train": ["train/clip_a/frame_000.jpg", "test/clip_c/frame_001.jpg"],
      "validation": ["train/clip_b/frame_003.jpg"]}


def test_csv_empty_cells_are_unannotated_and_boxes_are_read(tmp_path):
  path = tmp_path / "annotations.csv"
  path.write_text("image,x0,y0,x1,y1,x2,y2,bx0,by0,bx1,by1\n"
                  "train/a.jpg,1,2,,,5,6,0,0,10,12\n")
  (face,) = lib.read_csv(str(path), 3)
  np.testing.assert_array_equal(face.visible, [True, False, True])
  np.testing.assert_array_equal(face.landmarks, [[1, 2], [0, 0], [5, 6]])
  np.testing.assert_array_equal(face.box, [0, 0, 10, 12])


def test_boxes_csv_sets_the_boxes_of_pts_faces(tmp_path):
  root = _folder(tmp_path)
  (root / "boxes.csv").write_text("image,x_min,y_min,x_max,y_max\n"
                                  "test/clip_c/frame_000.jpg,1,2,30,40\n")
  faces = {f.image: f for f in lib.read_faces(str(root), 5)}
  np.testing.assert_array_equal(faces["test/clip_c/frame_000.jpg"].box,
                                [1, 2, 30, 40])
  assert faces["test/clip_c/frame_001.jpg"].box is None


def test_videos_config_numbers_each_folders_frames_in_order(tmp_path):
  builder = landmark1d_datasets.prepare("landmarks_folder/videos",
                                        str(tmp_path / "data"), DUMMY)
  frames = [(e["video_id"].decode(), int(e["frame_index"]),
             e["image_id"].decode())
            for e in tfds.as_numpy(builder.as_dataset(split="train"))]
  assert frames == [(clip, k, f"{clip}/frame_{k:03d}.jpg")
                    for clip in ("train/clip_a", "train/clip_b")
                    for k in range(4)]
  scheme = lib.scheme_of(builder)
  assert scheme["name"] == "dummy_face5"
  assert scheme["flip_permutation"] == [1, 0, 2, 4, 3]


def test_a_second_folder_in_the_same_data_dir_is_refused(tmp_path):
  data_dir = str(tmp_path / "data")
  landmark1d_datasets.prepare("landmarks_folder", data_dir, DUMMY)
  other = _folder(tmp_path)
  with pytest.raises(ValueError, match="already holds landmarks_folder built "
                     f"from {DUMMY}, not manual_dir='{other}': give each "
                     "folder its own --data_dir"):
    landmark1d_datasets.prepare("landmarks_folder", data_dir, str(other))


def _error(root, num_points=5) -> str:
  with pytest.raises(ValueError) as raised:
    lib.assign_splits(str(root), lib.read_faces(str(root), num_points))
  assert "\n" not in str(raised.value)
  return str(raised.value)


def test_mistakes_are_one_line_naming_the_file_and_line(tmp_path):
  root = _folder(tmp_path)
  pts.write(str(root / "train/clip_a/frame_001.pts"), np.ones((4, 2)))
  assert _error(root).startswith(
      f"{root}/train/clip_a/frame_001.pts: expected 5 points")
  root = _folder(tmp_path, "csv")
  lines = (root / "annotations.csv").read_text().splitlines()
  lines[3] = ",".join(lines[3].split(",")[:-2])
  (root / "annotations.csv").write_text("\n".join(lines))
  assert _error(root) == (
      f"{root}/annotations.csv:4: expected 11 columns (image, then x, y of 5 "
      "points) or 15 (and a box), got 9: 4 points for a scheme of 5")
  root = _folder(tmp_path, "json")
  entries = json.loads((root / "annotations.json").read_text())
  entries[2]["landmarks"].pop()
  (root / "annotations.json").write_text(json.dumps(entries))
  assert _error(root) == (
      f"{root}/annotations.json: entry 2 ({entries[2]['image']}): expected 5 "
      "landmarks (the scheme's num_points), got 4")


def test_a_missing_image_or_unlisted_split_member_is_named(tmp_path):
  root = _folder(tmp_path)
  os.remove(root / "test/clip_c/frame_002.jpg")
  assert _error(root) == (f"{root}/test/clip_c/frame_002.pts: no image "
                          "beside it (looked for frame_002.jpg/.jpeg/.png)")
  (root / "test.txt").write_text("test/clip_c/frame_000.jpg\nnope.jpg\n")
  os.remove(root / "test/clip_c/frame_002.pts")
  assert _error(root) == f"{root}/test.txt:2: nope.jpg has no annotation"
  shutil.move(root / "test/clip_c/frame_000.jpg", root / "loose.jpg")
  shutil.move(root / "test/clip_c/frame_000.pts", root / "loose.pts")
  os.remove(root / "test.txt")
  assert _error(root) == ("loose.pts: loose.jpg is in no split folder "
                          "(train/, test/, ...) and no <split>.txt list names "
                          "it")


def test_a_flip_pair_out_of_range_stops_the_build_naming_the_line(tmp_path):
  root = _folder(tmp_path)
  scheme = make_dummy_data.folder_scheme(5)
  scheme["flip_pairs"].append([2, 5])
  (root / "scheme.json").write_text(json.dumps(scheme, indent=1))
  line = (root / "scheme.json").read_text().splitlines().index(
      ' "flip_pairs": [') + 1
  with pytest.raises(ValueError) as raised:
    landmark1d_datasets.prepare("landmarks_folder", str(tmp_path / "d"),
                                str(root))
  assert str(raised.value) == (
      f"{root}/scheme.json:{line}: flip_pairs: pair 2 [2, 5]: index 5 is "
      "outside 0..4 (num_points is 5)")
