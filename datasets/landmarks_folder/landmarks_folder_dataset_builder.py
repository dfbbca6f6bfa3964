"""tfds builder `landmarks_folder`: a user's own annotated faces, any N points.

manual_dir holds the images, their annotations, a scheme file and,
optionally, boxes and split lists:

  scheme.json            N, flip pairs, normalising points, groups
                         (`landmark1d.geometry.scheme_file`)
  annotations, one of:
    <image stem>.pts     beside each image: N 1-based points (300-W's format)
    annotations.csv      a header row, then `image, x0, y0, ..., x<N-1>,
                         y<N-1>` and optionally `box_x_min, box_y_min,
                         box_x_max, box_y_max`; 0-based pixels; an empty
                         x / y marks an unannotated point
    annotations.json     a list of {"image": path, "landmarks": [[x, y] or
                         null, ...], "box": [x_min, y_min, x_max, y_max]}
                         (box optional); 0-based pixels
  boxes.csv              optional, with .pts files: `image, x_min, y_min,
                         x_max, y_max` per face (default: the tight box of
                         the points)
  <split>.txt            optional split lists: image paths, one a line;
                         without them each top-level folder (train/,
                         test/, ...) is a split

Image paths are relative to manual_dir. Configs: `images` (every annotated
image a still) and `videos` (each folder of frames a video, its frames in
file-name order, for trackers). The scheme is stored in the build's metadata
(`METADATA_SCHEME`), so a run reads N, the flips and the normalising points
from the built dataset. Every mistake in the folder is a ValueError naming
the file and line (or JSON entry).
"""

from __future__ import annotations

import collections
import csv
import dataclasses
import io
import json
import os
import re

import numpy as np
import tensorflow as tf
import tensorflow_datasets as tfds

from landmark1d.geometry import scheme_file
from landmark1d_datasets import _counts
from landmark1d_datasets import _examples
from landmark1d_datasets import _files

NAME = "landmarks_folder"
# The splits the `custom_det1d` config template reads; a folder may hold any.
SPLITS = ("train", "validation", "test")
# Each build's scheme comes from its scheme file (`scheme_of`), not the code.
LANDMARK_SET = None
SCHEME_FILE = "scheme.json"
CSV_FILE = "annotations.csv"
JSON_FILE = "annotations.json"
BOXES_FILE = "boxes.csv"
METADATA_SCHEME = "scheme"
METADATA_SOURCE = "manual_dir"
_SPLIT_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclasses.dataclass(frozen=True)
class Face:
  """One annotated face of the folder.

  Attributes:
    image: image path relative to manual_dir, with forward slashes.
    landmarks: `(N, 2)` float32 0-based pixels, (0, 0) where unannotated.
    visible: `(N,)` bool.
    box: `(4,)` face box, or None for the tight box of the visible points.
    source: "file:line" (or "file: entry k") of the annotation.
  """

  image: str
  landmarks: np.ndarray
  visible: np.ndarray
  box: np.ndarray | None
  source: str


class Builder(tfds.core.GeneratorBasedBuilder):
  """A folder of one's own annotated faces (any point scheme)."""

  VERSION = tfds.core.Version("1.0.0")
  RELEASE_NOTES = {"1.0.0": ".pts / CSV / JSON, scheme file, stills or "
                            "videos."}
  BUILDER_CONFIGS = [
      tfds.core.BuilderConfig(name="images", description="annotated stills"),
      tfds.core.BuilderConfig(name="videos",
                              description="folders of annotated frames"),
  ]
  MANUAL_DOWNLOAD_INSTRUCTIONS = """\
  Put your annotated faces into manual_dir (docs/own_data.md):
    scheme.json (num_points, flip_pairs, normalizing_points, ...), and
    train/ and test/ folders of images with a .pts file beside each, or one
    annotations.csv / annotations.json naming the images; optionally
    boxes.csv and <split>.txt lists. See
    datasets/landmarks_folder/landmarks_folder_dataset_builder.py.
  """

  def _info(self) -> tfds.core.DatasetInfo:
    # N is the scheme file's, so the point axis is left open in the features.
    return self.dataset_info_from_configs(
        features=_examples.features(None, video=self.builder_config.name
                                    == "videos"),
        metadata=tfds.core.MetadataDict(),
        supervised_keys=None,
        disable_shuffling=True,  # file order: a video's frames stay in order
    )

  def _split_generators(self, dl_manager: tfds.download.DownloadManager):
    root = os.fspath(dl_manager.manual_dir)
    scheme = scheme_file.read(os.path.join(root, SCHEME_FILE))
    self.info.metadata[METADATA_SCHEME] = scheme.to_dict()
    self.info.metadata[METADATA_SOURCE] = os.path.abspath(root)
    faces = read_faces(root, scheme.num_points)
    splits = assign_splits(root, faces)
    video = self.builder_config.name == "videos"
    return {split: self._generate_examples(root, members, video)
            for split, members in splits.items()}

  def _generate_examples(self, root: str, faces: list[Face], video: bool):
    frames = collections.Counter()
    for face in sorted(faces, key=lambda f: f.image):
      path = os.path.join(root, face.image)
      if not tf.io.gfile.exists(path):
        raise ValueError(f"{face.source}: image {face.image} not found in "
                         f"{root}")
      image = _files.read_image(path)
      extra = {}
      if video:
        video_id = os.path.dirname(face.image)
        extra = {"video_id": video_id,
                 "frame_index": np.int32(frames[video_id])}
        frames[video_id] += 1
      yield face.image, _examples.example(
          image.data, face.landmarks, face.visible, face.image,
          box=face.box if face.box is not None else _examples.tight_box(
              face.landmarks, face.visible, face.source), **extra)


def read_faces(root: str, num_points: int) -> list[Face]:
  """Every annotated face of the folder, from whichever annotations it has.

  Raises:
    ValueError: naming the file and line, for a wrong point count, a
      malformed row, a .pts file without its image, or two kinds of
      annotations at once.
  """
  present = [name for name in (CSV_FILE, JSON_FILE)
             if tf.io.gfile.exists(os.path.join(root, name))]
  pts_files = [os.path.join(folder, name)
               for folder, _, names in tf.io.gfile.walk(root)
               for name in names if name.lower().endswith(".pts")]
  if len(present) + bool(pts_files) > 1:
    raise ValueError(f"{root}: holds {' and '.join(present)}"
                     f"{' and .pts files' if pts_files else ''}; keep one "
                     "kind of annotations")
  if present == [CSV_FILE]:
    faces = read_csv(os.path.join(root, CSV_FILE), num_points)
  elif present == [JSON_FILE]:
    faces = read_json(os.path.join(root, JSON_FILE), num_points)
  elif pts_files:
    boxes = read_boxes(os.path.join(root, BOXES_FILE))
    faces = [_pts_face(root, path, num_points, boxes)
             for path in sorted(pts_files)]
  else:
    raise ValueError(f"{root}: no annotations: expected .pts files beside "
                     f"the images, {CSV_FILE} or {JSON_FILE}")
  seen = {}
  for face in faces:
    if face.image in seen:
      raise ValueError(f"{face.source}: image {face.image} is annotated "
                       f"twice (also {seen[face.image]})")
    seen[face.image] = face.source
  return faces


def _pts_face(root: str, path: str, num_points: int, boxes: dict) -> Face:
  image = _files.find_image(os.path.splitext(path)[0])
  if image is None:
    raise ValueError(f"{path}: no image beside it (looked for "
                     f"{os.path.basename(os.path.splitext(path)[0])}"
                     ".jpg/.jpeg/.png)")
  landmarks, visible = _files.read_pts_landmarks(path, num_points)
  image_id = _files.relative(image, root)
  return Face(image_id, landmarks, visible, boxes.get(image_id),
              _files.relative(path, root))


def read_csv(path: str, num_points: int) -> list[Face]:
  """Faces of an annotations.csv (see the module docstring)."""
  text = _files.read_bytes(path).decode("utf-8")
  columns = (1 + 2 * num_points, 5 + 2 * num_points)
  faces = []
  for line, fields in enumerate(csv.reader(io.StringIO(text)), 1):
    if line == 1 or not fields:
      continue  # the header row, a blank line
    source = f"{path}:{line}"
    if len(fields) not in columns:
      raise ValueError(f"{source}: expected {columns[0]} columns (image, then "
                       f"x, y of {num_points} points) or {columns[1]} (and a "
                       f"box), got {len(fields)}: {len(fields) // 2} points "
                       f"for a scheme of {num_points}")
    coords = fields[1:1 + 2 * num_points]
    try:
      points = np.array([[float(x) if x.strip() else np.nan
                          for x in coords[2 * i:2 * i + 2]]
                         for i in range(num_points)])
      box = (np.array([float(x) for x in fields[1 + 2 * num_points:]],
                      np.float32) if len(fields) == columns[1] else None)
    except ValueError:
      raise ValueError(f"{source}: a coordinate is not a number") from None
    faces.append(_face(fields[0].strip(), points, box, source))
  return faces


def read_json(path: str, num_points: int) -> list[Face]:
  """Faces of an annotations.json (see the module docstring)."""
  try:
    entries = json.loads(_files.read_bytes(path).decode("utf-8"))
  except json.JSONDecodeError as e:
    raise ValueError(f"{path}:{e.lineno}: not valid JSON ({e.msg})") from None
  if not isinstance(entries, list):
    raise ValueError(f"{path}:1: expected a list of {{\"image\", "
                     "\"landmarks\"[, \"box\"]} entries")
  faces = []
  for k, entry in enumerate(entries):
    source = f"{path}: entry {k}"
    if not isinstance(entry, dict) or not isinstance(entry.get("image"), str):
      raise ValueError(f"{source}: expected an object with an \"image\" path")
    marks = entry.get("landmarks")
    if not isinstance(marks, list) or len(marks) != num_points:
      got = len(marks) if isinstance(marks, list) else repr(marks)
      raise ValueError(f"{source} ({entry['image']}): expected {num_points} "
                       f"landmarks (the scheme's num_points), got {got}")
    try:
      points = np.array([[np.nan, np.nan] if p is None else
                         [float(p[0]), float(p[1])] for p in marks])
      box = (None if entry.get("box") is None
             else np.array(entry["box"], np.float32).reshape(4))
    except (TypeError, ValueError, IndexError):
      raise ValueError(f"{source} ({entry['image']}): expected [x, y] pairs "
                       "(or null) and a box of 4 numbers") from None
    faces.append(_face(entry["image"], points, box, source))
  return faces


def _face(image: str, points: np.ndarray, box, source: str) -> Face:
  visible = np.all(np.isfinite(points), axis=1)
  if not visible.any():
    raise ValueError(f"{source}: no annotated point")
  landmarks = np.where(visible[:, None], points, 0.0).astype(np.float32)
  return Face(image.replace(os.sep, "/"), landmarks, visible,
              None if box is None else _checked_box(box, source), source)


def _checked_box(box: np.ndarray, source: str) -> np.ndarray:
  if not (np.all(np.isfinite(box)) and box[2] > box[0] and box[3] > box[1]):
    raise ValueError(f"{source}: box {box.tolist()} is not (x_min, y_min, "
                     "x_max, y_max) with x_max > x_min and y_max > y_min")
  return box


def read_boxes(path: str) -> dict:
  """`{image: (4,) box}` of a boxes.csv, {} when there is none."""
  if not tf.io.gfile.exists(path):
    return {}
  boxes = {}
  text = _files.read_bytes(path).decode("utf-8")
  for line, fields in enumerate(csv.reader(io.StringIO(text)), 1):
    if line == 1 or not fields:
      continue
    try:
      if len(fields) != 5:
        raise ValueError
      box = np.array([float(x) for x in fields[1:]], np.float32)
    except ValueError:
      raise ValueError(f"{path}:{line}: expected image, x_min, y_min, x_max, "
                       "y_max") from None
    boxes[fields[0].strip()] = _checked_box(box, f"{path}:{line}")
  return boxes


def assign_splits(root: str, faces: list[Face]) -> dict[str, list[Face]]:
  """Split name -> faces, from `<split>.txt` lists or top-level folders.

  Raises:
    ValueError: naming the list file and line of an image without
      annotation, or an annotated image outside any split folder.
  """
  lists = _files.list_files(root, ".txt")
  by_image = {face.image: face for face in faces}
  splits = collections.defaultdict(list)
  if lists:
    for path in lists:
      split = _split_name(os.path.basename(path)[:-len(".txt")], path)
      text = _files.read_bytes(path).decode("utf-8")
      for line, image in enumerate(text.splitlines(), 1):
        image = image.strip()
        if not image:
          continue
        if image not in by_image:
          raise ValueError(f"{path}:{line}: {image} has no annotation")
        splits[split].append(by_image[image])
  else:
    for face in faces:
      if "/" not in face.image:
        raise ValueError(f"{face.source}: {face.image} is in no split folder "
                         "(train/, test/, ...) and no <split>.txt list names "
                         "it")
      split = face.image.split("/")[0]
      splits[_split_name(split, os.path.join(root, split))].append(face)
  listed = sum(len(members) for members in splits.values())
  _counts.report_skipped(NAME, root, {
      "annotated images in no split list": len(faces) - listed
      if lists else 0})
  return dict(splits)


def _split_name(name: str, where: str) -> str:
  if not _SPLIT_NAME.match(name):
    raise ValueError(f"{where}: split name {name!r} must be lower-case "
                     "letters, digits and '_', starting with a letter")
  return name


def scheme_of(builder) -> dict:
  """The JSON form of a built folder's scheme (`LandmarkSet.to_dict`)."""
  return dict(builder.info.metadata[METADATA_SCHEME])


def source_of(builder) -> str | None:
  """The manual_dir a built folder was read from."""
  return builder.info.metadata.get(METADATA_SOURCE)
