"""SavedModel export with serving signatures that need nothing of this package.

Signatures (see docs/CONTRACTS.md, "Exported SavedModel"):
  detect(images)                       uint8 (B, F, F, 3) face crops; also
                                       `serving_default`
  detect_image(image, boxes)           uint8 (H, W, 3) image, (K, 4) face boxes
  detect_images(images, sizes, boxes, image_index)
                                       uint8 (B, H, W, 3) zero-padded images,
                                       their (B, 2) sizes, (K, 4) face boxes
                                       and each box's image: all faces of
                                       several images in one model call
  track_step(images, state_*)          trackers: one frame's crops + state
  track_step_image(image, boxes, state_*)
  zero_state(batch_size)               trackers: the state that starts a track
  metadata()                           landmark set, sizes, decoder, crop rule

Landmarks are `(x, y)` float32 in the package's pixel convention (0-based,
pixel centres at integers). The crop window, its resize and the inverse map
run inside the graph, with the same window rule as training
(`coordinates.square_window` with the exported context and shift).

Written with `keras.export.ExportArchive`, so both of TensorFlow's loaders
run every signature: the object-based `tf.saved_model.load` and the session
loader of TensorFlow Serving, the C API and `saved_model_cli run`.
"""

from __future__ import annotations

import json
import os
import keras
import tensorflow as tf

from landmark1d.geometry import coordinates
from landmark1d.geometry import heatmaps
from landmark1d.geometry import landmark_sets
from landmark1d.models import tracker as tracker_lib


def crop_faces(image, windows, crop_size: int):
  """Resamples square windows of one image to `crop_size` crops (bilinear).

  Crop pixel u samples image x = x0 + (u + 0.5) * side / F, the map of
  `coordinates.crop_to_image`; pixels outside the image are 0.

  Args:
    image: `(H, W, 3)` image, any real or integer dtype.
    windows: `(K, 3)` windows `(cx, cy, side)`.
    crop_size: F.

  Returns:
    `(K, F, F, 3)` float32 crops in the image's value range.
  """
  image = tf.cast(image, tf.float32)
  shape = tf.cast(tf.shape(image)[:2], tf.float32)
  h, w = shape[0], shape[1]
  cx, cy, side = tf.unstack(tf.cast(windows, tf.float32), axis=-1)
  step = side / crop_size
  x_first = cx - side / 2.0 + 0.5 * step
  y_first = cy - side / 2.0 + 0.5 * step
  x_last = x_first + (crop_size - 1) * step
  y_last = y_first + (crop_size - 1) * step
  # crop_and_resize samples y1 * (H - 1) ... y2 * (H - 1): normalise by H - 1.
  boxes = tf.stack([y_first / (h - 1.0), x_first / (w - 1.0),
                    y_last / (h - 1.0), x_last / (w - 1.0)], axis=-1)
  k = tf.shape(windows)[0]
  return tf.image.crop_and_resize(image[None], boxes, tf.zeros([k], tf.int32),
                                  [crop_size, crop_size], method="bilinear",
                                  extrapolation_value=0.0)


class LandmarkModule:
  """The serving functions that `export` writes as SavedModel signatures.

  Args:
    model: a detector (`image -> {"hx", "hy"}` with a stack axis, or
      `{"heatmap"}`), from `landmark1d.models`.
    head: "1d" or "2d".
    landmark_set: the scheme the model predicts, or its registered name.
    crop_size: F.
    heatmap_length: L.
    sigma: target sigma in crop pixels (used by the "dark" / "integral"
      decoders).
    decoder: "argmax", "dark" or "integral".
    context: crop window context (`coordinates.square_window`).
    shift: crop window vertical shift.
    step_model: trackers only: the streaming step model of
      `models.build_tracker_step` (`model` is then its detector).
  """

  def __init__(self, model: keras.Model, *, head: str,
               landmark_set: landmark_sets.LandmarkSet | str,
               crop_size: int, heatmap_length: int, sigma: float,
               decoder: str, context: float, shift: float,
               step_model: keras.Model | None = None):
    if head not in ("1d", "2d"):
      raise ValueError(f"head must be '1d' or '2d', got {head!r}")
    decoders = heatmaps.DECODERS_1D if head == "1d" else heatmaps.DECODERS_2D
    if decoder not in decoders:
      raise ValueError(f"decoder must be one of {decoders}, got {decoder!r}")
    self.model = model
    self.head = head
    self.landmark_set = landmark_sets.as_set(landmark_set)
    self.crop_size = int(crop_size)
    self.heatmap_length = int(heatmap_length)
    self.sigma = float(sigma)
    self.decoder = decoder
    self.context = float(context)
    self.shift = float(shift)
    self.step_model = step_model
    # The signatures call the network through these functions, so export
    # traces it once for them all instead of into each signature's graph
    # (which export traces twice: Keras's variable scan, then the save).
    crops01 = tf.TensorSpec([None, self.crop_size, self.crop_size, 3],
                            tf.float32)
    self._network = tf.function(lambda x: model(x, training=False),
                                input_signature=[crops01], autograph=False)
    if step_model is not None:
      self._step_fn = tf.function(
          tracker_lib.step_function(step_model),
          input_signature=[crops01, self._state_specs()], autograph=False)

  def endpoints(self) -> dict:
    """`{signature name: (function, input signature)}`, `detect` first.

    The first endpoint is also TensorFlow Serving's `serving_default`
    (`keras.export.ExportArchive.write_out` aliases it).
    """
    f = self.crop_size
    crops = tf.TensorSpec([None, f, f, 3], tf.uint8, name="images")
    image = tf.TensorSpec([None, None, 3], tf.uint8, name="image")
    boxes = tf.TensorSpec([None, 4], tf.float32, name="boxes")
    padded = tf.TensorSpec([None, None, None, 3], tf.uint8, name="images")
    sizes = tf.TensorSpec([None, 2], tf.int32, name="sizes")
    image_index = tf.TensorSpec([None], tf.int32, name="image_index")
    result = {"detect": (self._detect, [crops]),
              "detect_image": (self._detect_image, [image, boxes]),
              "detect_images": (self._detect_images,
                                [padded, sizes, boxes, image_index]),
              "metadata": (self._metadata, [])}
    if self.step_model is not None:
      states = self._state_specs()
      result.update(
          track_step=(self._track_step, [crops] + states),
          track_step_image=(self._track_step_image, [image, boxes] + states),
          zero_state=(self._zero_state,
                      [tf.TensorSpec([], tf.int32, name="batch_size")]))
    return result

  def _state_specs(self) -> list:
    return [tf.TensorSpec([None, *s.shape[1:]], tf.float32, name=f"state_{i}")
            for i, s in enumerate(self.step_model.inputs[1:])]

  def _decode(self, outputs, stacked: bool):
    """Last-stack heatmaps -> crop-pixel landmarks and confidence."""
    return heatmaps.decode_outputs(outputs, self.crop_size, self.decoder,
                                   self.sigma, stacked)

  def _check_crops(self, images, signature: str):
    """Serving clients bypass the input signature's shape: check it here, so
    a wrong crop size is named rather than failing deep inside the model."""
    f = self.crop_size
    with tf.control_dependencies([tf.debugging.assert_equal(
        tf.shape(images)[1:], tf.constant([f, f, 3]),
        message=f"{signature}: images must be uint8 face crops of shape "
        f"(batch, {f}, {f}, 3)")]):
      return tf.identity(images)

  def _check_image(self, image, boxes, signature: str,
                   layout: str = "image must be uint8 (height, width, 3)"):
    checks = [
        tf.debugging.assert_equal(
            tf.shape(image)[-1], 3, message=f"{signature}: {layout}"),
        tf.debugging.assert_equal(
            tf.shape(boxes)[-1], 4,
            message=f"{signature}: boxes must be float32 (num_faces, 4) "
            f"(x_min, y_min, x_max, y_max)")]
    with tf.control_dependencies(checks):
      return tf.identity(image), tf.identity(boxes)

  def _detect(self, images):
    images = self._check_crops(images, "detect")
    x = tf.cast(images, tf.float32) / 255.0
    landmarks, confidence = self._decode(self._network(x), True)
    return {"landmarks": landmarks, "confidence": confidence}

  def _windows(self, boxes):
    return coordinates.square_window(boxes, self.context, self.shift)

  def _detect_windows(self, crops, windows):
    """`(K, F, F, 3)` crops in 0 ... 255 cut at `windows` -> image pixels."""
    landmarks, confidence = self._decode(self._network(crops / 255.0), True)
    return {"landmarks": coordinates.crop_to_image(landmarks, windows,
                                                   self.crop_size),
            "confidence": confidence}

  def _detect_image(self, image, boxes):
    image, boxes = self._check_image(image, boxes, "detect_image")
    windows = self._windows(boxes)
    return self._detect_windows(crop_faces(image, windows, self.crop_size),
                                windows)

  def _detect_images(self, images, sizes, boxes, image_index):
    images, boxes = self._check_image(
        images, boxes, "detect_images",
        "images must be uint8 (num_images, height, width, 3)")
    count = tf.shape(images)[0]
    checks = [
        tf.debugging.assert_equal(
            tf.shape(sizes), tf.stack([count, 2]),
            message="detect_images: sizes must be int32 (num_images, 2) "
            "(height, width)"),
        tf.debugging.assert_less_equal(
            sizes, tf.shape(images)[1:3],
            message="detect_images: sizes must fit in the padded images"),
        tf.debugging.assert_equal(
            tf.shape(image_index), tf.shape(boxes)[:1],
            message="detect_images: image_index must be int32 (num_faces,), "
            "one image per box"),
        tf.debugging.assert_less(
            image_index, count,
            message="detect_images: image_index must be in [0, num_images)"),
        tf.debugging.assert_non_negative(
            image_index,
            message="detect_images: image_index must be in [0, num_images)")]
    with tf.control_dependencies(checks):
      windows = self._windows(boxes)
    f = self.crop_size

    def crop(face):
      # Each face from its own image cut to size: the very arithmetic of
      # detect_image, so a batch gives the landmarks of one image at a time.
      index, window = face
      image = images[index, :sizes[index, 0], :sizes[index, 1]]
      return crop_faces(image, window[None], f)[0]

    crops = tf.map_fn(crop, (image_index, windows),
                      fn_output_signature=tf.TensorSpec([f, f, 3],
                                                        tf.float32))
    return self._detect_windows(crops, windows)

  def _zero_state(self, batch_size):
    return {f"state_{i}": s for i, s in enumerate(
        tracker_lib.zero_state(self.step_model, batch_size))}

  def _step(self, crops01, states):
    outputs, new_states = self._step_fn(crops01, list(states))
    landmarks, confidence = self._decode(outputs, False)
    result = {"landmarks": landmarks, "confidence": confidence}
    result.update({f"state_{i}": s for i, s in enumerate(new_states)})
    return result

  def _track_step(self, images, *states):
    images = self._check_crops(images, "track_step")
    return self._step(tf.cast(images, tf.float32) / 255.0, states)

  def _track_step_image(self, image, boxes, *states):
    image, boxes = self._check_image(image, boxes, "track_step_image")
    windows = self._windows(boxes)
    crops = crop_faces(image, windows, self.crop_size) / 255.0
    result = self._step(crops, states)
    result["landmarks"] = coordinates.crop_to_image(
        result["landmarks"], windows, self.crop_size)
    return result

  def _metadata(self):
    return {
        "landmark_set": tf.constant(self.landmark_set.name),
        "num_landmarks": tf.constant(self.landmark_set.num_points, tf.int32),
        "crop_size": tf.constant(self.crop_size, tf.int32),
        "heatmap_length": tf.constant(self.heatmap_length, tf.int32),
        "decoder": tf.constant(self.decoder),
        "context": tf.constant(self.context, tf.float32),
        "shift": tf.constant(self.shift, tf.float32),
        "head": tf.constant(self.head),
        "tracker": tf.constant(self.step_model is not None),
    }


def export(module: LandmarkModule, path: str,
           config: dict | None = None) -> str:
  """Writes `module` as a SavedModel at `path`, with the config as an asset.

  The archive holds the variables the signature functions capture, so TF's
  session loader (TensorFlow Serving, `saved_model_cli run`) restores exactly
  what the signatures read (BUILD_NOTES.md, Serving).

  Returns:
    `path`.
  """
  archive = keras.export.ExportArchive()
  # No `archive.track(model)`: it would also save each Keras variable's
  # wrapper as a second copy of its value (twice the variables file) and is
  # only needed for lookup tables, which these models have none of.
  for name, (fn, signature) in module.endpoints().items():
    archive.add_endpoint(name, fn, signature)
  archive.write_out(path, verbose=False)
  extra = {"landmark_names": list(module.landmark_set.names),
           "flip_permutation": list(module.landmark_set.flip_permutation),
           "scheme": module.landmark_set.to_dict(),
           "pixel_convention": "(x, y), 0-based, pixel centres at integers",
           "config": config or {}}
  os.makedirs(os.path.join(path, "assets.extra"), exist_ok=True)
  with open(os.path.join(path, "assets.extra", "landmark1d.json"), "w",
            encoding="utf-8") as f:
    json.dump(extra, f, indent=2)
  return path
