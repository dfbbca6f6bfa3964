"""The example schema shared by the real-data builders (docs/CONTRACTS.md).

One function declares the features and one assembles an example, so the keys,
shapes and dtypes of ibug_300w, aflw19, ibug_300vw and talking_face cannot
drift apart.
"""

from __future__ import annotations

import numpy as np
import tensorflow_datasets as tfds


def features(num_points: int | None, video: bool = False,
             box_size: bool = False, encoding_format: str | None = None
             ) -> tfds.features.FeaturesDict:
  """The feature dict of a landmark dataset.

  Args:
    num_points: N, the markup's point count, or None where each build's
      scheme file sets it (landmarks_folder).
    video: adds `video_id` (Text) and `frame_index` (int32). Defaults to False.
    box_size: adds the AFLW-19 face-size normaliser `box_size` (float32).
      Defaults to False.
    encoding_format: "jpeg", "png", or None to store the files' own encoding.
      Defaults to None.

  Returns:
    `image`, `landmarks (N, 2)`, `visible (N,)`, `box (4,)`, `image_id` and
    the optional keys above.
  """
  spec = {
      "image": tfds.features.Image(shape=(None, None, 3),
                                   encoding_format=encoding_format),
      "landmarks": tfds.features.Tensor(shape=(num_points, 2),
                                        dtype=np.float32),
      "visible": tfds.features.Tensor(shape=(num_points,), dtype=np.bool_),
      "box": tfds.features.Tensor(shape=(4,), dtype=np.float32),
      "image_id": tfds.features.Text(),
  }
  if video:
    spec["video_id"] = tfds.features.Text()
    spec["frame_index"] = tfds.features.Scalar(dtype=np.int32)
  if box_size:
    spec["box_size"] = tfds.features.Scalar(dtype=np.float32)
  return tfds.features.FeaturesDict(spec)


def tight_box(landmarks: np.ndarray, visible: np.ndarray,
              source: str) -> np.ndarray:
  """`(x_min, y_min, x_max, y_max)` float32 of the visible landmarks.

  Args:
    landmarks: `(N, 2)` image pixels.
    visible: `(N,)` bool.
    source: the annotation's file name, for the error message.

  Returns:
    `(4,)` float32 box.
  """
  points = landmarks[visible]
  if len(points) == 0:
    raise ValueError(f"{source}: no visible landmark, so the face has no box")
  return np.concatenate([points.min(axis=0), points.max(axis=0)]).astype(
      np.float32)


def example(image: bytes, landmarks: np.ndarray, visible: np.ndarray,
            image_id: str, box: np.ndarray | None = None, **extra) -> dict:
  """One example dict; `box` defaults to the tight box of the visible points.

  Args:
    image: encoded image bytes.
    landmarks: `(N, 2)` 0-based image pixels.
    visible: `(N,)` bool.
    image_id: file name relative to manual_dir.
    box: `(4,)` face box, or None for the tight landmark box. Defaults to None.
    **extra: optional keys (`video_id`, `frame_index`, `box_size`).

  Returns:
    The dict tfds encodes with `features(...)`.
  """
  landmarks = np.asarray(landmarks, np.float32)
  visible = np.asarray(visible, bool)
  if box is None:
    box = tight_box(landmarks, visible, image_id)
  return {"image": image, "landmarks": landmarks, "visible": visible,
          "box": np.asarray(box, np.float32), "image_id": image_id, **extra}
