"""tfds builder `ibug_300w`: the 300-W images with 68-point iBUG markup.

Splits (Sagonas et al. 2013, the paper's Sec. 4.1):
  * `train`: afw + helen/trainset + lfpw/trainset (3148 faces).
  * `common`: helen/testset + lfpw/testset (554).
  * `challenging`: ibug (135).
  * `full`: common + challenging (689).
  * `test`: the private 300-W competition set, 01_Indoor + 02_Outdoor (600),
    only when its folders are present.

Each face is one .pts file with the image of the same name beside it (afw and
helen hold one cropped copy of an image per face, e.g. `1051618982_1.jpg`).
Landmarks are stored 0-based (`coordinates.from_pts`, the .pts files are
1-based); all 68 points are annotated, so `visible` is all True. The face `box`
is the tight bounding box of the landmarks.
"""

from __future__ import annotations

import os

import tensorflow as tf
import tensorflow_datasets as tfds

from landmark1d.geometry import landmark_sets
from landmark1d_datasets import _counts
from landmark1d_datasets import _examples
from landmark1d_datasets import _files

NAME = "ibug_300w"
# split -> (subset folders relative to manual_dir, published face count)
PUBLIC_SPLITS = {
    "train": (("afw", "helen/trainset", "lfpw/trainset"), 3148),
    "common": (("helen/testset", "lfpw/testset"), 554),
    "challenging": (("ibug",), 135),
    "full": (("helen/testset", "lfpw/testset", "ibug"), 689),
}
LANDMARK_SET = "ibug68"
PRIVATE_FOLDERS = ("01_Indoor", "02_Outdoor")
PRIVATE_COUNT = 600
# The private set unpacks into 300W/ in its archive; accept it there or at the
# top of manual_dir.
PRIVATE_PARENTS = ("300W", "")
# Every split a build can have (`test` only with the private set).
SPLITS = (*PUBLIC_SPLITS, "test")


class Builder(tfds.core.GeneratorBasedBuilder):
  """300-W faces with 68 iBUG landmarks (manual download)."""

  VERSION = tfds.core.Version("1.0.0")
  RELEASE_NOTES = {"1.0.0": "train/common/challenging/full, optional test."}
  MANUAL_DOWNLOAD_INSTRUCTIONS = """\
  Download the 300-W data from https://ibug.doc.ic.ac.uk/resources/300-W/ and
  extract it into manual_dir so that it holds the folders
    afw/  helen/trainset/  helen/testset/  lfpw/trainset/  lfpw/testset/  ibug/
  each with images (.jpg or .png) beside 68-point .pts files of the same name.
  Optionally add the private test set (300W/01_Indoor/, 300W/02_Outdoor/, or
  01_Indoor/ and 02_Outdoor/ directly in manual_dir) to get the `test` split.
  """

  def _info(self) -> tfds.core.DatasetInfo:
    return self.dataset_info_from_configs(
        features=_examples.features(landmark_sets.IBUG68.num_points),
        supervised_keys=None,
        homepage="https://ibug.doc.ic.ac.uk/resources/300-W/",
    )

  def _split_generators(self, dl_manager: tfds.download.DownloadManager):
    root = os.fspath(dl_manager.manual_dir)
    splits = {}
    for split, (folders, expected) in PUBLIC_SPLITS.items():
      files = _annotations(root, folders)
      _counts.check(NAME, split, len(files), expected, "faces")
      if files:
        splits[split] = self._generate_examples(root, files)
    private = _private_folders(root)
    if private:
      files = _annotations(root, private)
      _counts.check(NAME, "test", len(files), PRIVATE_COUNT, "faces")
      if files:
        splits["test"] = self._generate_examples(root, files)
    if not splits:
      raise ValueError(f"{NAME}: no .pts files found under {root}; expected "
                       f"this layout:\n{self.MANUAL_DOWNLOAD_INSTRUCTIONS}")
    return splits

  def _generate_examples(self, root: str, annotation_files: list[str]):
    n = landmark_sets.IBUG68.num_points
    for pts_path in annotation_files:
      stem = os.path.splitext(pts_path)[0]
      image_path = _files.find_image(stem)
      if image_path is None:
        raise ValueError(f"{pts_path}: no image beside it (looked for "
                         f"{os.path.basename(stem)}.jpg/.png)")
      image = _files.read_image(image_path)
      landmarks, visible = _files.read_pts_landmarks(pts_path, n)
      image_id = _files.relative(image_path, root)
      yield image_id, _examples.example(image.data, landmarks, visible,
                                        image_id)


def _annotations(root: str, folders) -> list[str]:
  return [path for folder in folders
          for path in _files.list_files(os.path.join(root, folder), ".pts")]


def _private_folders(root: str) -> tuple[str, ...]:
  for parent in PRIVATE_PARENTS:
    folders = tuple(os.path.join(parent, f) if parent else f
                    for f in PRIVATE_FOLDERS)
    if any(tf.io.gfile.isdir(os.path.join(root, f)) for f in folders):
      return folders
  return ()
