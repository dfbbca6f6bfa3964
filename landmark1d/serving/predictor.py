"""Calling an exported SavedModel from Python, with checked inputs.

The SavedModel's signatures (landmark1d/serving/saved_model.py) need nothing of this
package; this client adds what a program wants around them: input checks that
name the field and what was expected, NumPy in and out, and face tracking
across video frames (the next box is the tight box of the last landmarks).
"""

from __future__ import annotations

import dataclasses
import json
import os

import numpy as np
import tensorflow as tf


class InputError(ValueError):
  """An image or box array the model cannot take."""


# The CLI's --min_confidence. Chosen on the main job's run (seed 0) over the
# 200 validation stills of synthetic_faces: it keeps 99 % of the face crops
# and 2.5 % of the same crops with the face removed; the test split's
# numbers are bench/confidence_separation.py's.
DEFAULT_MIN_CONFIDENCE = 0.65


def check_min_confidence(value, name: str = "min_confidence") -> float:
  """`value` as a float in [0, 1], the confidence's range, or an InputError:
  a threshold above 1 would silently lose every face."""
  value = float(value)
  if not 0.0 <= value <= 1.0:
    raise InputError(f"{name} must be in [0, 1] (the range of confidence), "
                     f"got {value}")
  return value


def check_image(image, name: str = "image") -> np.ndarray:
  """`image` as a `(H, W, 3)` uint8 array, or an InputError saying why not."""
  image = np.asarray(image)
  if image.dtype != np.uint8:
    raise InputError(f"{name}: expected uint8 RGB pixels, got dtype "
                     f"{image.dtype}")
  if image.ndim != 3 or image.shape[-1] != 3 or min(image.shape[:2]) < 2:
    raise InputError(f"{name}: expected shape (height, width, 3) with sides "
                     f">= 2, got {image.shape}")
  return image


def check_boxes(boxes, name: str = "boxes") -> np.ndarray:
  """`boxes` as `(K, 4)` float32 `(x_min, y_min, x_max, y_max)`, or an error."""
  try:
    boxes = np.asarray(boxes, np.float32)
  except (TypeError, ValueError) as e:
    raise InputError(f"{name}: expected numbers, got {boxes!r}") from e
  if boxes.ndim == 1 and boxes.size == 4:
    boxes = boxes[None]
  if boxes.ndim != 2 or boxes.shape[1] != 4:
    raise InputError(f"{name}: expected shape (num_faces, 4) "
                     f"(x_min, y_min, x_max, y_max), got {boxes.shape}")
  if not np.all(np.isfinite(boxes)):
    raise InputError(f"{name}: expected finite coordinates, got {boxes}")
  if np.any(boxes[:, 2] <= boxes[:, 0]) or np.any(boxes[:, 3] <= boxes[:, 1]):
    raise InputError(f"{name}: expected x_max > x_min and y_max > y_min, "
                     f"got {boxes}")
  return boxes


def landmark_box(landmarks: np.ndarray) -> np.ndarray:
  """`(K, N, 2)` landmarks -> `(K, 4)` tight boxes (the training box rule)."""
  return np.concatenate([landmarks.min(1), landmarks.max(1)], -1)


@dataclasses.dataclass
class Faces:
  """Landmarks of the faces in one image or frame.

  Attributes:
    boxes: `(K, 4)` the boxes the crops were taken from.
    landmarks: `(K, N, 2)` image pixels (0-based, pixel centres at integers).
    confidence: `(K, N)` in [0, 1], the heatmaps' agreement with their
      training target at each landmark (`heatmaps.decode_1d`).
  """

  boxes: np.ndarray
  landmarks: np.ndarray
  confidence: np.ndarray

  @classmethod
  def none(cls, num_landmarks: int) -> "Faces":
    return cls(np.zeros((0, 4), np.float32),
               np.zeros((0, num_landmarks, 2), np.float32),
               np.zeros((0, num_landmarks), np.float32))


class ExportedModel:
  """A SavedModel written by `landmark1d.serving.saved_model.export`.

  Args:
    path: the SavedModel folder.
  """

  def __init__(self, path: str):
    if not os.path.isfile(os.path.join(path, "saved_model.pb")):
      raise FileNotFoundError(
          f"{path}: not a SavedModel folder (no saved_model.pb); export one "
          f"with `python -m experiments.export`")
    self.path = path
    self._module = tf.saved_model.load(path)
    meta = {k: v.numpy() for k, v in
            self._module.signatures["metadata"]().items()}
    self.metadata = {k: v.decode() if isinstance(v, bytes) else v.item()
                     for k, v in meta.items()}
    extra = os.path.join(path, "assets.extra", "landmark1d.json")
    self.landmark_names = []
    if os.path.exists(extra):
      with open(extra, encoding="utf-8") as f:
        self.landmark_names = json.load(f)["landmark_names"]

  @property
  def is_tracker(self) -> bool:
    return bool(self.metadata["tracker"])

  @property
  def num_landmarks(self) -> int:
    return int(self.metadata["num_landmarks"])

  def detect_image(self, image, boxes) -> Faces:
    """Landmarks of the faces in `boxes` (landmark-style boxes, image px)."""
    image, boxes = check_image(image), check_boxes(boxes)
    if not len(boxes):
      return Faces.none(self.num_landmarks)
    out = self._module.signatures["detect_image"](
        image=tf.constant(image), boxes=tf.constant(boxes))
    return Faces(boxes, out["landmarks"].numpy(), out["confidence"].numpy())

  def detect_images(self, images, boxes) -> list[Faces]:
    """Landmarks of the faces of several images, in one call of the model.

    The crops of all images go through the model as one batch; each image's
    faces are those `detect_image` gives for it alone.

    Args:
      images: `(H_i, W_i, 3)` uint8 images; sizes may differ.
      boxes: per image, `(K_i, 4)` landmark-style boxes (image px).

    Returns:
      One `Faces` per image.
    """
    if len(images) != len(boxes):
      raise InputError(f"boxes: expected one box array per image "
                       f"({len(images)} images), got {len(boxes)}")
    images = [check_image(x, f"images[{i}]") for i, x in enumerate(images)]
    boxes = [check_boxes(b, f"boxes[{i}]") for i, b in enumerate(boxes)]
    counts = [len(b) for b in boxes]
    if not sum(counts):
      return [Faces.none(self.num_landmarks) for _ in images]
    if "detect_images" not in self._module.signatures:
      # Exports written before the signature existed: one call per image.
      return [self.detect_image(x, b) for x, b in zip(images, boxes)]
    sizes = np.array([x.shape[:2] for x in images], np.int32)
    padded = np.zeros((len(images), *sizes.max(0), 3), np.uint8)
    for i, x in enumerate(images):
      padded[i, :x.shape[0], :x.shape[1]] = x
    out = self._module.signatures["detect_images"](
        images=tf.constant(padded), sizes=tf.constant(sizes),
        boxes=tf.constant(np.concatenate(boxes)),
        image_index=tf.constant(np.repeat(np.arange(len(images)), counts),
                                tf.int32))
    split = np.cumsum(counts)[:-1]
    return [Faces(b, landmarks, confidence) for b, landmarks, confidence in
            zip(boxes, np.split(out["landmarks"].numpy(), split),
                np.split(out["confidence"].numpy(), split))]

  def zero_state(self, num_faces: int) -> dict:
    """The tracker state that starts `num_faces` tracks."""
    self._require_tracker()
    return self._module.signatures["zero_state"](
        batch_size=tf.constant(num_faces, tf.int32))

  def track_image(self, image, boxes, state: dict) -> tuple[Faces, dict]:
    """One tracker step on the faces in `boxes`; returns faces and new state."""
    self._require_tracker()
    image, boxes = check_image(image), check_boxes(boxes)
    out = self._module.signatures["track_step_image"](
        image=tf.constant(image), boxes=tf.constant(boxes), **state)
    new_state = {k: v for k, v in out.items() if k.startswith("state_")}
    return (Faces(boxes, out["landmarks"].numpy(),
                  out["confidence"].numpy()), new_state)

  def _require_tracker(self):
    if not self.is_tracker:
      raise InputError(f"{self.path} is a detector export: it has no "
                       f"track_step signature (export a tracker run)")


class FaceTracker:
  """Follows faces through frames: box from the last landmarks, re-detect
  when a face is lost.

  With a tracker export the temporal state flows from frame to frame (eq. 13);
  with a detector export each frame is detected on its own but still cropped
  around the previous landmarks.

  Args:
    model: the export.
    find_faces: `image -> (K, 4)` landmark-style boxes, or None to keep the
      given start boxes for good.
    min_confidence: in [0, 1]; a face whose mean confidence falls below
      this is lost and all tracks restart from `find_faces` on the next
      frame.
    smoothing: a temporal filter from
      `landmark1d.geometry.temporal_filters.make_filter` applied to the
      returned `(K, N, 2)` landmarks in image pixels, or None. It restarts
      with the tracks; boxes and confidence are left as the model gave them.
  """

  def __init__(self, model: ExportedModel, find_faces=None,
               min_confidence: float = 0.0, smoothing=None):
    self.model = model
    self.find_faces = find_faces
    self.min_confidence = check_min_confidence(min_confidence)
    self.smoothing = smoothing
    self.boxes = None
    self.state = None

  def start(self, boxes):
    """(Re)starts tracks at `boxes` (K, 4); None re-detects on the next frame."""
    self.boxes = None if boxes is None else check_boxes(boxes)
    self.state = None
    if self.smoothing is not None:
      self.smoothing.reset()

  def __call__(self, frame) -> Faces:
    """Landmarks of the tracked faces in one `(H, W, 3)` uint8 frame."""
    if self.boxes is None:
      if self.find_faces is None:
        raise InputError("no face boxes to track: give start boxes")
      self.start(check_boxes(self.find_faces(check_image(frame))))
    if not len(self.boxes):
      self.start(None)
      return Faces.none(self.model.num_landmarks)
    if self.model.is_tracker:
      if self.state is None:
        self.state = self.model.zero_state(len(self.boxes))
      faces, self.state = self.model.track_image(frame, self.boxes,
                                                 self.state)
    else:
      faces = self.model.detect_image(frame, self.boxes)
    shown = faces
    if self.smoothing is not None:
      shown = dataclasses.replace(faces,
                                  landmarks=self.smoothing(faces.landmarks))
    lost = faces.confidence.mean(-1) < self.min_confidence
    if lost.any() and self.find_faces is not None:
      self.start(None)
    else:
      # The next crop comes from the raw landmarks: a box from smoothed ones
      # would trail a moving face by the filter's lag and crop it off-centre,
      # and the model's own view should not depend on display smoothing.
      tight = landmark_box(faces.landmarks)
      # A collapsed box (all points on one line) would give no crop.
      usable = np.all(tight[:, 2:] - tight[:, :2] >= 2.0, -1, keepdims=True)
      self.boxes = np.where(usable, tight, self.boxes)
    return shown
