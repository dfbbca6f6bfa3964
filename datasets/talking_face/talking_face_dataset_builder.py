"""tfds builder `talking_face`: the FGNet Talking Face video (5000 frames).

One `test` split: the paper (Sec. 4.1) trains on 300-VW and tests here on the
7 points both markups share. Frames are `franck_00000.jpg` ...
`franck_04999.jpg`, each with `franck_NNNNN.pts` of the same name (FGNet's
published naming; the archives may put images and points in separate
folders, so both are looked up anywhere under manual_dir).

Landmarks keep the dataset's own 68-point markup, `landmark_sets`
"talking_face68" (Cootes' AAM / XM2VTS scheme, not iBUG 68); evaluation
scores the 7 common points through
`landmark_sets.SUBSETS[("talking_face68", "common7")]`. They are stored
0-based (`coordinates.from_pts`, the same conversion as every .pts set), all
visible; the face `box` is the tight bounding box of the landmarks. Frames are
written in order (`disable_shuffling`) with `video_id` "franck" and
`frame_index` = the file number (already 0-based). Frames whose annotation is
missing or broken are skipped and counted, as for 300-VW.
"""

from __future__ import annotations

import os
import re

import numpy as np
import tensorflow as tf
import tensorflow_datasets as tfds

from landmark1d.geometry import landmark_sets
from landmark1d_datasets import _counts
from landmark1d_datasets import _examples
from landmark1d_datasets import _files

NAME = "talking_face"
LANDMARK_SET = "talking_face68"
VIDEO_ID = "franck"
FRAME_COUNT = 5000
SPLITS = ("test",)
_FRAME = re.compile(r"^franck_(\d{5})\.(jpg|jpeg|png|pts)$", re.IGNORECASE)


class Builder(tfds.core.GeneratorBasedBuilder):
  """FGNet Talking Face frames with their native 68-point markup."""

  VERSION = tfds.core.Version("1.0.0")
  RELEASE_NOTES = {"1.0.0": "One test split of 5000 frames."}
  MANUAL_DOWNLOAD_INSTRUCTIONS = """\
  Download the Talking Face video frames and points from
  https://personalpages.manchester.ac.uk/staff/Timothy.F.Cootes/data/talking_face/talking_face.html
  (FGNet) and extract them anywhere under manual_dir: the frames
  franck_00000.jpg ... franck_04999.jpg and the 68-point files
  franck_00000.pts ... franck_04999.pts (same names).
  """

  def _info(self) -> tfds.core.DatasetInfo:
    n = landmark_sets.get(LANDMARK_SET).num_points
    return self.dataset_info_from_configs(
        features=_examples.features(n, video=True),
        supervised_keys=None,
        homepage=("https://personalpages.manchester.ac.uk/staff/"
                  "Timothy.F.Cootes/data/talking_face/talking_face.html"),
        disable_shuffling=True,  # frames stay in order for clips
    )

  def _split_generators(self, dl_manager: tfds.download.DownloadManager):
    root = os.fspath(dl_manager.manual_dir)
    images, annotations = find_frames(root)
    if not images:
      raise ValueError(f"{NAME}: no franck_NNNNN.jpg frame under {root}; "
                       f"expected:\n{self.MANUAL_DOWNLOAD_INSTRUCTIONS}")
    _counts.check(NAME, "test", len(images), FRAME_COUNT, "frames")
    return {"test": self._generate_examples(root, images, annotations)}

  def _generate_examples(self, root: str, images: dict[int, str],
                         annotations: dict[int, str]):
    n = landmark_sets.get(LANDMARK_SET).num_points
    skipped = {"frames without annotation": 0, "broken annotations": 0,
               "annotations without a frame": len(set(annotations) -
                                                  set(images))}
    for number in sorted(images):
      read = _counts.frame_landmarks(NAME, annotations, number, n, skipped)
      if read is None:
        continue
      landmarks, visible = read
      image = _files.read_image(images[number])
      yield f"{number:05d}", _examples.example(
          image.data, landmarks, visible,
          _files.relative(images[number], root), video_id=VIDEO_ID,
          frame_index=np.int32(number))
    _counts.report_skipped(NAME, f"video {VIDEO_ID}", skipped)


def find_frames(root: str) -> tuple[dict[int, str], dict[int, str]]:
  """Frame number -> path of the frame images and of their .pts files."""
  images, annotations = {}, {}
  for folder, _, names in tf.io.gfile.walk(root):
    for name in names:
      match = _FRAME.match(name)
      if match:
        table = annotations if match.group(2).lower() == "pts" else images
        table[int(match.group(1))] = os.path.join(folder, name)
  return images, annotations
