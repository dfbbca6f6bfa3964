"""tfds builder `ibug_300vw`: the 300-VW videos with per-frame 68-point markup.

Splits by video id (Shen et al. 2015; the paper's Sec. 4.1): `s1` (31 videos,
well lit), `s2` (19, unconstrained lighting), `s3` (14, completely
unconstrained) and `train` (the other 50 of the 114).

Each video folder `NNN/` holds `vid.avi` (decoded here with OpenCV) or, for
downloads whose frames were already extracted, `imgs/000001.jpg ...`, and
`annot/000001.pts ...`, one 1-based .pts file per frame. One example per
annotated frame, written in order (`disable_shuffling`), with `video_id`
("NNN") and the 0-based `frame_index` (the .pts number minus one), so a
pipeline can cut consecutive clips. Frames whose annotation is missing or
broken are skipped and counted (a `SkipWarning` per video), never crashed on.
Landmarks are stored 0-based (`coordinates.from_pts`), all visible; the face
`box` is the tight bounding box of the landmarks. Decoded frames are stored
as JPEG (quality 90); extracted frames are stored as found.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile

import cv2
import numpy as np
import tensorflow as tf
import tensorflow_datasets as tfds

from landmark1d.geometry import landmark_sets
from landmark1d_datasets import _counts
from landmark1d_datasets import _examples
from landmark1d_datasets import _files

NAME = "ibug_300vw"
TEST_VIDEOS = {
    "s1": ("114 124 125 126 150 158 401 402 505 506 507 508 509 510 511 514 "
           "515 518 519 520 521 522 524 525 537 538 540 541 546 547 548"),
    "s2": ("203 208 211 212 213 214 218 224 403 404 405 406 407 408 409 412 "
           "550 551 553"),
    "s3": "410 411 516 517 526 528 529 530 531 533 557 558 559 562",
}
TEST_VIDEOS = {split: tuple(ids.split()) for split, ids in TEST_VIDEOS.items()}
VIDEO_COUNTS = {"train": 50, "s1": 31, "s2": 19, "s3": 14}
SPLITS = tuple(VIDEO_COUNTS)
LANDMARK_SET = "ibug68"
# The official archive unpacks into this folder; accept it or the video
# folders directly in manual_dir.
ARCHIVE_FOLDER = "300VW_Dataset_2015_12_14"
VIDEO_FILE = "vid.avi"
JPEG_QUALITY = 90


class Builder(tfds.core.GeneratorBasedBuilder):
  """300-VW video frames with 68 iBUG landmarks (manual download)."""

  VERSION = tfds.core.Version("1.0.0")
  RELEASE_NOTES = {"1.0.0": "train/s1/s2/s3, one example per annotated frame."}
  MANUAL_DOWNLOAD_INSTRUCTIONS = """\
  Download 300-VW from https://ibug.doc.ic.ac.uk/resources/300-VW/ and
  extract it into manual_dir (directly, or as 300VW_Dataset_2015_12_14/), so
  that each of the 114 videos is a folder NNN/ holding
    vid.avi             (or imgs/000001.jpg ... with the frames extracted)
    annot/000001.pts    (one 68-point .pts file per frame)
  """

  def _info(self) -> tfds.core.DatasetInfo:
    return self.dataset_info_from_configs(
        features=_examples.features(landmark_sets.IBUG68.num_points,
                                    video=True, encoding_format="jpeg"),
        supervised_keys=None,
        homepage="https://ibug.doc.ic.ac.uk/resources/300-VW/",
        disable_shuffling=True,  # frames stay in order for clips
    )

  def _split_generators(self, dl_manager: tfds.download.DownloadManager):
    root = os.fspath(dl_manager.manual_dir)
    if tf.io.gfile.isdir(os.path.join(root, ARCHIVE_FOLDER)):
      root = os.path.join(root, ARCHIVE_FOLDER)
    # gfile lists sub-folders with a trailing "/" on some filesystems.
    videos = sorted(name.rstrip("/") for name in tf.io.gfile.listdir(root))
    videos = [v for v in videos if _is_video_folder(os.path.join(root, v))]
    test_ids = {v for ids in TEST_VIDEOS.values() for v in ids}
    members = {split: [v for v in videos if v in ids]
               for split, ids in TEST_VIDEOS.items()}
    members = {"train": [v for v in videos if v not in test_ids], **members}
    splits = {}
    for split, ids in members.items():
      _counts.check(NAME, split, len(ids), VIDEO_COUNTS[split], "videos")
      if ids:
        splits[split] = self._generate_examples(root, ids)
    if not splits:
      raise ValueError(f"{NAME}: no video folder (NNN/annot/) under {root}; "
                       f"expected:\n{self.MANUAL_DOWNLOAD_INSTRUCTIONS}")
    return splits

  def _generate_examples(self, root: str, video_ids: list[str]):
    for video_id in video_ids:
      folder = os.path.join(root, video_id)
      yield from _video_examples(root, folder, video_id)


def _is_video_folder(path: str) -> bool:
  name = os.path.basename(path)
  return (len(name) == 3 and name.isdigit()
          and tf.io.gfile.isdir(os.path.join(path, "annot")))


def _annotations(folder: str) -> dict[int, str]:
  """1-based frame number -> .pts path of one video."""
  numbered = {}
  for path in _files.list_files(os.path.join(folder, "annot"), ".pts"):
    stem = os.path.splitext(os.path.basename(path))[0]
    if stem.isdigit():
      numbered[int(stem)] = path
  return numbered


def _video_examples(root: str, folder: str, video_id: str):
  annotations = _annotations(folder)
  skipped = {"frames without annotation": 0, "broken annotations": 0,
             "annotations without a frame": 0}
  seen = set()
  n = landmark_sets.IBUG68.num_points
  for number, image_id, read_frame in _frames(root, folder, annotations):
    seen.add(number)
    read = _counts.frame_landmarks(NAME, annotations, number, n, skipped)
    if read is None:
      continue
    landmarks, visible = read
    frame_index = number - 1
    example = _examples.example(read_frame().data, landmarks, visible,
                                image_id, video_id=video_id,
                                frame_index=np.int32(frame_index))
    # Zero-padded keys sort in frame order, the order tfds writes them in.
    yield f"{video_id}/{frame_index:06d}", example
  skipped["annotations without a frame"] = len(set(annotations) - seen)
  _counts.report_skipped(NAME, f"video {video_id}", skipped)


def _frames(root: str, folder: str, annotations: dict[int, str]):
  """Yields `(1-based number, image_id, read)` per frame, in order.

  `read()` returns the frame's `_files.EncodedImage`; extracted frames are
  only read when annotated, decoded video frames are already in memory.
  """
  image_folder = os.path.join(folder, "imgs")
  images = [p for p in _files.list_files(image_folder, "")
            if p.lower().endswith(_files.IMAGE_SUFFIXES)]
  if images:
    for path in images:
      stem = os.path.splitext(os.path.basename(path))[0]
      if stem.isdigit():
        yield (int(stem), _files.relative(path, root),
               lambda path=path: _files.read_image(path))
    return
  video = os.path.join(folder, VIDEO_FILE)
  if not tf.io.gfile.exists(video):
    raise ValueError(f"{folder}: neither {VIDEO_FILE} nor imgs/ frames found")
  with _local_copy(video) as local:
    capture = cv2.VideoCapture(local)
    if not capture.isOpened():
      raise ValueError(f"{video}: OpenCV cannot open the video")
    try:
      number = 0
      while True:
        ok, bgr = capture.read()
        if not ok:
          break
        number += 1
        image_id = f"{_files.relative(video, root)}#{number:06d}"
        if number not in annotations:
          yield number, image_id, None
          continue
        encoded = _files.encode(bgr, ".jpg", image_id, JPEG_QUALITY)
        yield number, image_id, lambda encoded=encoded: encoded
    finally:
      capture.release()
    if number == 0:
      raise ValueError(f"{video}: OpenCV decoded no frame from the video")


@contextlib.contextmanager
def _local_copy(path: str):
  """A local path for `path`: OpenCV reads videos from local files only."""
  if "://" not in path:
    yield path
    return
  temp = tempfile.mkdtemp()
  try:
    local = os.path.join(temp, os.path.basename(path))
    tf.io.gfile.copy(path, local)
    yield local
  finally:
    shutil.rmtree(temp)
