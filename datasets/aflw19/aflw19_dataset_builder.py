"""tfds builder `aflw19`: AFLW faces with the 19-point protocol.

Read from the widely used AFLW-19 lists (the SAN / LAB protocol as released
with HRNet-Facial-Landmark-Detection): one CSV per split with a header row,
then per face `image_name, scale, box_size, center_w, center_h` followed by
19 `x, y` pairs in the order of `landmark_sets.AFLW19`.

Splits: `train` (20000 faces), `test` (4386, "full") and `test_frontal`
(1165 frontal faces of the test set) when its list is present.

Conventions:
  * Coordinates are taken as 0-based pixels, as written (AFLW's own
    annotations are 0-based image coordinates; unlike the .pts sets there is
    no 1-based convention to undo).
  * A point with y <= 0 (the lists write (0, 0)) or a negative x is
    unannotated (AFLW marks only visible points): `visible` is False there
    and its stored landmark is (0, 0). HRNet's loader uses the same y > 0
    test, and adds 1 before its 1-based crop transform, so the lists are
    0-based.
  * The face `box` is the list's square `center +- box_size / 2`;
    `box_size` itself is kept as the face-size normaliser of the NME
    (the paper's Sec. 4.2). The `scale` column (box_size / 200) is dropped.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import os

import numpy as np
import tensorflow as tf
import tensorflow_datasets as tfds

from landmark1d.geometry import landmark_sets
from landmark1d_datasets import _counts
from landmark1d_datasets import _examples
from landmark1d_datasets import _files

NAME = "aflw19"
# split -> (list file in manual_dir, published face count, required)
LISTS = {
    "train": ("face_landmarks_aflw_train.csv", 20000, True),
    "test": ("face_landmarks_aflw_test.csv", 4386, True),
    "test_frontal": ("face_landmarks_aflw_test_frontal.csv", 1165, False),
}
SPLITS = tuple(LISTS)
LANDMARK_SET = "aflw19"
IMAGE_FOLDER = "images"
_LEADING = ("image_name", "scale", "box_size", "center_w", "center_h")


class Builder(tfds.core.GeneratorBasedBuilder):
  """AFLW faces with 19 landmarks and the face-size normaliser."""

  VERSION = tfds.core.Version("1.0.0")
  RELEASE_NOTES = {"1.0.0": "train/test, optional test_frontal."}
  MANUAL_DOWNLOAD_INSTRUCTIONS = """\
  Put into manual_dir
    face_landmarks_aflw_train.csv, face_landmarks_aflw_test.csv and
    (optional) face_landmarks_aflw_test_frontal.csv
  (the AFLW-19 lists as distributed with HRNet-Facial-Landmark-Detection:
  header row, then image_name, scale, box_size, center_w, center_h and
  19 x/y pairs per face) and the AFLW images (from
  https://www.tugraz.at/institute/icg/research/team-bischof/lrs/downloads/aflw/)
  under manual_dir/images/ so that images/<image_name> exists.
  """

  def _info(self) -> tfds.core.DatasetInfo:
    return self.dataset_info_from_configs(
        features=_examples.features(landmark_sets.AFLW19.num_points,
                                    box_size=True),
        supervised_keys=None,
        homepage=("https://www.tugraz.at/institute/icg/research/"
                  "team-bischof/lrs/downloads/aflw/"),
    )

  def _split_generators(self, dl_manager: tfds.download.DownloadManager):
    root = os.fspath(dl_manager.manual_dir)
    splits = {}
    for split, (filename, expected, required) in LISTS.items():
      path = os.path.join(root, filename)
      if not tf.io.gfile.exists(path):
        if required:
          raise ValueError(f"{NAME}: list {path} not found; expected:\n"
                           f"{self.MANUAL_DOWNLOAD_INSTRUCTIONS}")
        continue
      rows = read_list(path)
      _counts.check(NAME, split, len(rows), expected, "faces")
      splits[split] = self._generate_examples(root, rows)
    return splits

  def _generate_examples(self, root: str, rows: list["Row"]):
    for row in rows:
      image_path = os.path.join(root, IMAGE_FOLDER, row.image_name)
      image = _files.read_image(image_path)
      image_id = _files.relative(image_path, root)
      half = row.box_size / 2.0
      box = [row.center[0] - half, row.center[1] - half,
             row.center[0] + half, row.center[1] + half]
      # A face's row number keys it: one image may hold several faces.
      yield row.line, _examples.example(
          image.data, row.landmarks, row.visible, image_id, box=box,
          box_size=np.float32(row.box_size))


@dataclasses.dataclass(frozen=True)
class Row:
  """One face of an AFLW-19 list.

  Attributes:
    line: 1-based line number in the list file.
    image_name: image path relative to the images folder.
    box_size: face size in pixels.
    center: `(2,)` face box centre `(x, y)`.
    landmarks: `(19, 2)` float32 pixels, (0, 0) where unannotated.
    visible: `(19,)` bool.
  """

  line: int
  image_name: str
  box_size: float
  center: np.ndarray
  landmarks: np.ndarray
  visible: np.ndarray


def read_list(path: str) -> list[Row]:
  """Parses an AFLW-19 list file.

  Args:
    path: the CSV file.

  Returns:
    One `Row` per face, in file order.

  Raises:
    ValueError: naming the file and line for a row with the wrong number of
      columns or an unparsable number.
  """
  n = landmark_sets.AFLW19.num_points
  columns = len(_LEADING) + 2 * n
  text = _files.read_bytes(path).decode("utf-8")
  rows = []
  for line, fields in enumerate(csv.reader(io.StringIO(text)), 1):
    if not fields or (line == 1 and len(fields) > 1
                      and not _is_number(fields[1])):
      continue  # a blank line, or the header row (its names vary by release)
    if len(fields) != columns:
      raise ValueError(f"{path}:{line}: expected {columns} columns "
                       f"({', '.join(_LEADING)}, then {n} x/y pairs), got "
                       f"{len(fields)}")
    try:
      values = np.array([float(f) for f in fields[1:]], np.float64)
    except ValueError:
      raise ValueError(f"{path}:{line}: a column after the image name is not "
                       "a number") from None
    if not np.all(np.isfinite(values)) or values[1] <= 0:
      raise ValueError(f"{path}:{line}: expected finite numbers and a "
                       f"positive box_size, got box_size {values[1]}")
    points = values[4:].reshape(n, 2)
    visible = (points[:, 1] > 0) & (points[:, 0] >= 0)
    landmarks = np.where(visible[:, None], points, 0.0).astype(np.float32)
    rows.append(Row(line, fields[0].strip(), float(values[1]),
                    values[2:4].astype(np.float32), landmarks, visible))
  return rows


def _is_number(text: str) -> bool:
  try:
    float(text)
  except ValueError:
    return False
  return True
