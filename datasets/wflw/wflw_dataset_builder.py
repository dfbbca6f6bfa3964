"""tfds builder `wflw`: Wider Facial Landmarks in-the-Wild, 98 points.

Read from WFLW's published annotation lists (Wu et al., CVPR 2018):
`WFLW_annotations/list_98pt_rect_attr_train_test/list_98pt_rect_attr_{train,
test}.txt`, one face per line, whitespace-separated:
196 coordinates `x0 y0 ... x97 y97` (`landmark_sets.WFLW98`'s order), the
face rectangle `x_min y_min x_max y_max`, six 0/1 attribute flags (pose,
expression, illumination, make-up, occlusion, blur) and the image path
relative to `WFLW_images/`.

Splits: `train` (7500 faces), `test` (2500) and the six test subsets the
field reports (`test_pose` 326, `test_expression` 314, `test_illumination`
698, `test_makeup` 206, `test_occlusion` 736, `test_blur` 773): the test
faces whose flag is set, as WFLW's own `list_98pt_test_*.txt` lists them.
A subset no face of a partial download has is left out.

Conventions:
  * Coordinates are taken as 0-based pixels, as written (the lists are
    floating-point image coordinates with no 1-based convention to undo);
    every point is annotated, so `visible` is all True.
  * The face `box` is the tight box of the 98 points, as 300-W's, so the
    crop rule is the same for every dataset; the list's rectangle (a face
    detector's box) is checked but not stored.
"""

from __future__ import annotations

import dataclasses
import os

import numpy as np
import tensorflow as tf
import tensorflow_datasets as tfds

from landmark1d.geometry import landmark_sets
from landmark1d_datasets import _counts
from landmark1d_datasets import _examples
from landmark1d_datasets import _files

NAME = "wflw"
LANDMARK_SET = "wflw98"
IMAGE_FOLDER = "WFLW_images"
LIST_FOLDER = "WFLW_annotations/list_98pt_rect_attr_train_test"
LISTS = {"train": ("list_98pt_rect_attr_train.txt", 7500),
         "test": ("list_98pt_rect_attr_test.txt", 2500)}
# The attribute flags in list order, with each test subset's published size.
ATTRIBUTES = {"pose": 326, "expression": 314, "illumination": 698,
              "makeup": 206, "occlusion": 736, "blur": 773}
SUBSETS = tuple(f"test_{a}" for a in ATTRIBUTES)
SPLITS = (*LISTS, *SUBSETS)
_FIELDS = 2 * 98 + 4 + len(ATTRIBUTES) + 1
_LAYOUT = ("196 coordinates x0 y0 ... x97 y97, the box x_min y_min x_max "
           "y_max, 6 attribute flags (0/1) and the image path")


class Builder(tfds.core.GeneratorBasedBuilder):
  """WFLW faces with 98 landmarks and the six attribute subsets."""

  VERSION = tfds.core.Version("1.0.0")
  RELEASE_NOTES = {"1.0.0": "train, test and the six test subsets."}
  MANUAL_DOWNLOAD_INSTRUCTIONS = """\
  Download WFLW_images.tar.gz and WFLW_annotations.tar.gz from
  https://wywu.github.io/projects/LAB/WFLW.html and extract both into
  manual_dir, so that it holds
    WFLW_images/<event>/<image>.jpg  (e.g. WFLW_images/0--Parade/...)
    WFLW_annotations/list_98pt_rect_attr_train_test/
        list_98pt_rect_attr_train.txt and list_98pt_rect_attr_test.txt
  """

  def _info(self) -> tfds.core.DatasetInfo:
    return self.dataset_info_from_configs(
        features=_examples.features(landmark_sets.WFLW98.num_points),
        supervised_keys=None,
        homepage="https://wywu.github.io/projects/LAB/WFLW.html",
    )

  def _split_generators(self, dl_manager: tfds.download.DownloadManager):
    root = os.fspath(dl_manager.manual_dir)
    rows = {}
    for split, (filename, expected) in LISTS.items():
      path = os.path.join(root, LIST_FOLDER, filename)
      if not tf.io.gfile.exists(path):
        raise ValueError(f"{NAME}: list {path} not found; expected:\n"
                         f"{self.MANUAL_DOWNLOAD_INSTRUCTIONS}")
      rows[split] = read_list(path)
      _counts.check(NAME, split, len(rows[split]), expected, "faces")
    for k, (attribute, expected) in enumerate(ATTRIBUTES.items()):
      subset = [row for row in rows["test"] if row.attributes[k]]
      _counts.check(NAME, f"test_{attribute}", len(subset), expected, "faces")
      if subset:
        rows[f"test_{attribute}"] = subset
    return {split: self._generate_examples(root, split_rows)
            for split, split_rows in rows.items()}

  def _generate_examples(self, root: str, rows: list["Row"]):
    for row in rows:
      image_path = os.path.join(root, IMAGE_FOLDER, row.image_path)
      image = _files.read_image(image_path)
      image_id = _files.relative(image_path, root)
      # A face's line keys it: one image may hold several faces.
      yield row.line, _examples.example(
          image.data, row.landmarks, np.ones(len(row.landmarks), bool),
          image_id)


@dataclasses.dataclass(frozen=True)
class Row:
  """One face of a WFLW list.

  Attributes:
    line: 1-based line number in the list file.
    image_path: image path relative to `WFLW_images/`.
    landmarks: `(98, 2)` float32 pixels.
    attributes: `(6,)` bool flags in `ATTRIBUTES`' order.
  """

  line: int
  image_path: str
  landmarks: np.ndarray
  attributes: np.ndarray


def read_list(path: str) -> list[Row]:
  """Parses a `list_98pt_rect_attr_*.txt` file.

  Args:
    path: the list file.

  Returns:
    One `Row` per face, in file order (blank lines skipped).

  Raises:
    ValueError: naming the file and line for a line with the wrong number of
      fields, a value that is not a number, a flag other than 0 / 1, or an
      empty box.
  """
  text = _files.read_bytes(path).decode("utf-8")
  rows = []
  for line, content in enumerate(text.splitlines(), 1):
    fields = content.split()
    if not fields:
      continue
    if len(fields) != _FIELDS:
      raise ValueError(f"{path}:{line}: expected {_FIELDS} fields ({_LAYOUT})"
                       f", got {len(fields)}")
    try:
      values = np.array([float(f) for f in fields[:-1]], np.float64)
    except ValueError:
      raise ValueError(f"{path}:{line}: expected numbers before the image "
                       f"path ({_LAYOUT})") from None
    coordinates, box, flags = values[:196], values[196:200], values[200:]
    if not np.all(np.isfinite(coordinates)):
      raise ValueError(f"{path}:{line}: expected finite coordinates")
    if not np.all((flags == 0) | (flags == 1)):
      raise ValueError(f"{path}:{line}: expected the 6 attribute flags to be "
                       f"0 or 1, got {fields[200:206]}")
    if not (box[0] < box[2] and box[1] < box[3]):
      raise ValueError(f"{path}:{line}: expected a box x_min y_min x_max "
                       f"y_max with x_min < x_max and y_min < y_max, got "
                       f"{fields[196:200]}")
    rows.append(Row(line, fields[-1], coordinates.reshape(98, 2).astype(
        np.float32), flags.astype(bool)))
  return rows
