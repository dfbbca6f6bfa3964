"""Reading images, folders, videos and webcams; writing annotated video.

Frames are RGB uint8 `(H, W, 3)` (OpenCV's BGR is converted at the edges).
Every failure names the file and what was wrong with it.
"""

from __future__ import annotations

import dataclasses
import os
from typing import Iterator

import cv2
import numpy as np

IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff",
                    ".webp")
VIDEO_EXTENSIONS = (".mp4", ".avi", ".mov", ".mkv", ".webm", ".m4v", ".mpg",
                    ".mpeg")


class MediaError(ValueError):
  """A file that cannot be read as an image or video."""


@dataclasses.dataclass(frozen=True)
class Source:
  """One input: an image, a video file or a webcam.

  Attributes:
    path: the file path, or the webcam index as a string.
    kind: "image", "video" or "webcam".
  """

  path: str
  kind: str

  @property
  def stem(self) -> str:
    if self.kind == "webcam":
      return f"webcam{self.path}"
    return os.path.splitext(os.path.basename(self.path))[0]


def sources(inputs: list[str]) -> list[Source]:
  """Expands CLI inputs (files, folders, webcam indices) into sources.

  A folder contributes its images and videos (sorted, not recursive); a bare
  integer is a webcam index.

  Raises:
    MediaError: a path that does not exist, a file of unknown type, or a
      folder with nothing to read.
  """
  found = []
  for item in inputs:
    if item.isdigit() and not os.path.exists(item):
      found.append(Source(item, "webcam"))
    elif os.path.isdir(item):
      inside = [_file_source(os.path.join(item, name))
                for name in sorted(os.listdir(item))
                if name.lower().endswith(IMAGE_EXTENSIONS + VIDEO_EXTENSIONS)]
      if not inside:
        raise MediaError(f"{item}: folder holds no image "
                         f"({', '.join(IMAGE_EXTENSIONS)}) or video "
                         f"({', '.join(VIDEO_EXTENSIONS)}) files")
      found.extend(inside)
    elif os.path.isfile(item):
      found.append(_file_source(item))
    else:
      raise MediaError(f"{item}: no such file, folder or webcam index")
  return found


def _file_source(path: str) -> Source:
  ext = os.path.splitext(path)[1].lower()
  if ext in IMAGE_EXTENSIONS:
    return Source(path, "image")
  if ext in VIDEO_EXTENSIONS:
    return Source(path, "video")
  raise MediaError(f"{path}: unknown file type {ext!r}; expected an image "
                   f"({', '.join(IMAGE_EXTENSIONS)}) or a video "
                   f"({', '.join(VIDEO_EXTENSIONS)})")


def read_image(path: str) -> np.ndarray:
  """An image file as RGB uint8 `(H, W, 3)`."""
  data = np.fromfile(path, np.uint8)
  image = cv2.imdecode(data, cv2.IMREAD_COLOR) if data.size else None
  if image is None:
    raise MediaError(f"{path}: cannot decode as an image (corrupt or not an "
                     f"image file)")
  return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)


class Video:
  """Frames of a video file or webcam, RGB uint8, with fps and frame count.

  Raises:
    MediaError: the file does not open or yields no frame.
  """

  def __init__(self, source: Source):
    self.source = source
    target = int(source.path) if source.kind == "webcam" else source.path
    self._capture = cv2.VideoCapture(target)
    ok, first = self._capture.read() if self._capture.isOpened() else (
        False, None)
    if not ok:
      self._capture.release()
      what = "webcam" if source.kind == "webcam" else "video"
      raise MediaError(f"{source.path}: cannot read a frame as a {what} "
                       f"(corrupt, empty or unsupported codec)")
    self._first = first
    fps = self._capture.get(cv2.CAP_PROP_FPS)
    self.fps = fps if 0 < fps < 1000 else 25.0
    count = int(self._capture.get(cv2.CAP_PROP_FRAME_COUNT))
    self.frame_count = count if count > 0 else None

  def __iter__(self) -> Iterator[np.ndarray]:
    frame = self._first
    while frame is not None:
      yield cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)
      ok, frame = self._capture.read()
      if not ok:
        frame = None
    self._capture.release()


class VideoWriter:
  """Writes RGB frames to an .mp4 (MPEG-4 part 2, plays in common players)."""

  def __init__(self, path: str, fps: float, size: tuple[int, int]):
    self.path = path
    self._writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*"mp4v"),
                                   fps, size)
    if not self._writer.isOpened():
      raise MediaError(f"{path}: OpenCV cannot open an mp4v video writer")

  def write(self, frame: np.ndarray):
    self._writer.write(cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))

  def close(self):
    self._writer.release()


def write_image(path: str, image: np.ndarray):
  """Writes an RGB uint8 image; the extension picks the format."""
  if not cv2.imwrite(path, cv2.cvtColor(image, cv2.COLOR_RGB2BGR)):
    raise MediaError(f"{path}: OpenCV could not write the image")
