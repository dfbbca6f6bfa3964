"""Reading the files of a manual download, with errors that name the file.

Every real builder reads images and .pts files through these functions, so a
truncated image or a malformed annotation stops the build with a ValueError
naming the file instead of a TF stack trace deep inside tfds. All access goes
through `tf.io.gfile`, so a manual_dir may live on any filesystem TF can read.
"""

from __future__ import annotations

import dataclasses
import os

import cv2
import numpy as np
import tensorflow as tf

from landmark1d.geometry import coordinates
from landmark1d.geometry import pts

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png")


@dataclasses.dataclass(frozen=True)
class EncodedImage:
  """An image ready for `tfds.features.Image`.

  Attributes:
    data: encoded RGB image bytes (JPEG or PNG).
    height: rows in pixels.
    width: columns in pixels.
  """

  data: bytes
  height: int
  width: int


def read_bytes(path: str) -> bytes:
  """A file's bytes; ValueError naming the file if it cannot be read."""
  try:
    with tf.io.gfile.GFile(path, "rb") as f:
      return f.read()
  except (tf.errors.OpError, OSError) as e:
    raise ValueError(f"{path}: cannot read the file ({e})") from None


def read_image(path: str) -> EncodedImage:
  """Reads an image file and checks that it decodes.

  Three-channel JPEG/PNG files are passed through unchanged (no second lossy
  encode); grey or four-channel files are converted to RGB and stored as
  lossless PNG, since the image feature is declared with 3 channels.

  Args:
    path: the image file.

  Returns:
    The encoded image and its size.

  Raises:
    ValueError: naming `path` when the file is missing or does not decode.
  """
  data = read_bytes(path)
  image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
  if image is None or image.size == 0:
    raise ValueError(f"{path}: not a readable image (OpenCV cannot decode "
                     f"its {len(data)} bytes)")
  if image.ndim == 3 and image.shape[2] == 3 and image.dtype == np.uint8:
    return EncodedImage(data, image.shape[0], image.shape[1])
  if image.dtype != np.uint8:
    raise ValueError(f"{path}: expected an 8-bit image, got {image.dtype}")
  conversion = cv2.COLOR_GRAY2BGR if image.ndim == 2 else cv2.COLOR_BGRA2BGR
  return encode(cv2.cvtColor(image, conversion), ".png", source=path)


def encode(bgr: np.ndarray, suffix: str, source: str,
           jpeg_quality: int = 95) -> EncodedImage:
  """Encodes an OpenCV (BGR) image as JPEG or PNG.

  Args:
    bgr: `(H, W, 3)` uint8 image in OpenCV's channel order.
    suffix: ".jpg" or ".png".
    source: where the pixels came from, for the error message.
    jpeg_quality: JPEG quality in [0, 100]. Defaults to 95.

  Returns:
    The encoded image and its size.
  """
  params = [cv2.IMWRITE_JPEG_QUALITY, jpeg_quality] if suffix == ".jpg" else []
  ok, data = cv2.imencode(suffix, bgr, params)
  if not ok:
    raise ValueError(f"{source}: could not encode the image as {suffix}")
  return EncodedImage(data.tobytes(), bgr.shape[0], bgr.shape[1])


def read_pts_landmarks(path: str,
                       num_points: int) -> tuple[np.ndarray, np.ndarray]:
  """Reads a 1-based .pts file as 0-based landmarks with a visibility mask.

  Args:
    path: the .pts file.
    num_points: the point count the dataset's markup requires.

  Returns:
    `(landmarks (N, 2) float32, visible (N,) bool)`: 0-based pixels
    (`coordinates.from_pts`); every point of a .pts file is annotated, so all
    are visible.

  Raises:
    ValueError: naming the file (and line) when it is malformed or has the
      wrong point count.
  """
  points = coordinates.from_pts(pts.read(path, num_points=num_points))
  return points.astype(np.float32), np.ones(num_points, bool)


def find_image(stem: str) -> str | None:
  """The image beside an annotation: `stem` + .jpg/.jpeg/.png, or None."""
  for suffix in IMAGE_SUFFIXES:
    for candidate in (stem + suffix, stem + suffix.upper()):
      if tf.io.gfile.exists(candidate):
        return candidate
  return None


def list_files(folder: str, suffix: str) -> list[str]:
  """Sorted full paths of the files in `folder` ending with `suffix`."""
  if not tf.io.gfile.isdir(folder):
    return []
  return sorted(os.path.join(folder, name)
                for name in tf.io.gfile.listdir(folder)
                if name.lower().endswith(suffix))


def relative(path: str, root: str) -> str:
  """`path` relative to `root` with forward slashes (an example's image_id)."""
  return os.path.relpath(path, root).replace(os.sep, "/")
