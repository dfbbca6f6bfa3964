"""Adapters for the 68-point face sets of tfds's own catalog, which download
themselves.

`the300w_lp` (training: 61 225 faces of 300-W's images, re-rendered at large
poses by 3DDFA's face profiling) and `aflw2k3d` (evaluation: AFLW2000-3D's
2000 faces) are built by tfds from their public URLs; nothing is manual.
Their examples are read as tfds writes them and mapped on the fly to the
example schema of our builders (`_examples`), so nothing is copied:

  * `landmarks`: the catalog's 68 points, stored divided by the image size
    (450 x 450), times that size, minus 1: 3DDFA's MATLAB tools write
    1-based pixels, as 300-W's .pts files (`coordinates.from_pts`).
  * `visible` all True (the 3D points are projected, contour included);
    `box` their tight box; `box_size` the square root of its area, the
    face size AFLW2000-3D's NME is normalised by (3DDFA's protocol).
  * `image_id`: the example's tfds id (the catalog keeps no file names).

300W-LP is made from 300-W's images (afw, helen, ibug, lfpw, train and test
folders alike), so a model trained on it is never scored on 300-W
(`IMAGES_OF`; `landmark1d.runs.datasets` refuses such a run).
"""

from __future__ import annotations

import dataclasses

LANDMARK_SET = "ibug68"


@dataclasses.dataclass(frozen=True)
class Adapter:
  """How one catalog set maps to the example schema.

  Attributes:
    landmarks: the catalog feature holding the `(68, 2)` points divided by
      the image size.
    splits: the catalog's splits.
    images_of: the dataset whose images this one holds (re-rendered), or None.
  """

  landmarks: str
  splits: tuple[str, ...] = ("train",)
  images_of: str | None = None


# The 3D-projected points of both sets: the markup AFLW2000-3D is scored in
# (its `landmarks_68_3d_xy_normalized`), which 300W-LP's `landmarks_3d` share;
# its `landmarks_2d` follow the visible contour instead.
ADAPTERS = {
    "the300w_lp": Adapter("landmarks_3d", images_of="ibug_300w"),
    "aflw2k3d": Adapter("landmarks_68_3d_xy_normalized"),
}


def adapt(name: str, examples, image_shape):
  """Maps a catalog split's examples to the example schema.

  Args:
    name: "the300w_lp" or "aflw2k3d".
    examples: `tf.data.Dataset` of the catalog's examples, read with
      `add_tfds_id` (the image may still be encoded).
    image_shape: the catalog's declared image shape `(H, W, 3)`.

  Returns:
    `tf.data.Dataset` of `image`, `landmarks (68, 2)`, `visible (68,)`,
    `box (4,)`, `box_size` and `image_id`.
  """
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  key = ADAPTERS[name].landmarks
  height, width = image_shape[:2]

  def convert(example):
    landmarks = example[key] * tf.constant([width, height], tf.float32) - 1.0
    low = tf.reduce_min(landmarks, axis=0)
    high = tf.reduce_max(landmarks, axis=0)
    return {"image": example["image"], "landmarks": landmarks,
            "visible": tf.ones([tf.shape(landmarks)[0]], tf.bool),
            "box": tf.concat([low, high], axis=0),
            "box_size": tf.sqrt(tf.reduce_prod(high - low)),
            "image_id": example["tfds_id"]}
  return examples.map(convert, num_parallel_calls=tf.data.AUTOTUNE,
                      deterministic=True)
