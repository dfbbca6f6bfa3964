"""The SavedModel client checks its inputs and tracks faces box to box."""

import numpy as np
import pytest
import tensorflow as tf

from landmark1d.geometry import temporal_filters
from landmark1d.serving import predictor


def _image(seed=0, shape=(72, 96, 3)):
  return np.random.default_rng(seed).integers(0, 256, shape, dtype=np.uint8)


BOXES = np.array([[20, 15, 52, 50], [50, 10, 80, 44]], np.float32)


@pytest.mark.parametrize("image,message", [
    (np.zeros((8, 8, 3), np.float32), "uint8"),
    (np.zeros((8, 8), np.uint8), r"\(height, width, 3\)"),
    (np.zeros((8, 8, 4), np.uint8), r"\(height, width, 3\)")])
def test_bad_images_are_rejected_with_what_was_expected(image, message):
  with pytest.raises(predictor.InputError, match=message):
    predictor.check_image(image, "frame")


@pytest.mark.parametrize("boxes,message", [
    ([[1, 2, 3]], r"\(num_faces, 4\)"), ([[5, 5, 4, 9]], "x_max > x_min"),
    ([[0, 0, np.nan, 4]], "finite"), ("abc", "numbers")])
def test_bad_boxes_are_rejected_with_what_was_expected(boxes, message):
  with pytest.raises(predictor.InputError, match=message):
    predictor.check_boxes(boxes)


def test_a_missing_savedmodel_names_the_folder(tmp_path):
  with pytest.raises(FileNotFoundError, match="no saved_model.pb"):
    predictor.ExportedModel(str(tmp_path))


def test_detect_image_returns_the_signature_output(tiny_exports):
  model = predictor.ExportedModel(tiny_exports["detector"])
  image = _image()
  faces = model.detect_image(image, BOXES)
  raw = tf.saved_model.load(tiny_exports["detector"]).signatures[
      "detect_image"](image=tf.constant(image), boxes=tf.constant(BOXES))
  np.testing.assert_array_equal(faces.landmarks, raw["landmarks"].numpy())
  assert faces.confidence.shape == (2, 68)
  assert model.num_landmarks == 68 and not model.is_tracker
  assert len(model.landmark_names) == 68
  with pytest.raises(predictor.InputError, match="track_step"):
    model.zero_state(1)


def _one_face_at_a_time(model, image, boxes):
  faces = [model.detect_image(image, box[None]) for box in boxes]
  faces.append(predictor.Faces.none(68))
  return (np.concatenate([f.landmarks for f in faces]),
          np.concatenate([f.confidence for f in faces]))


@pytest.fixture(scope="module")
def detector(tiny_exports):
  return predictor.ExportedModel(tiny_exports["detector"])


# Images of three sizes: two faces, none, and one running off the right and
# bottom edges (the crop's zero extrapolation against the padding).
BATCH_IMAGES = [_image(0), _image(1, (40, 50, 3)), _image(2, (90, 60, 3))]
BATCH_BOXES = [BOXES, np.zeros((0, 4), np.float32),
               np.array([[30, 60, 70, 100]], np.float32)]


def test_detect_images_equals_detecting_one_face_at_a_time(detector):
  model = detector
  got = model.detect_images(BATCH_IMAGES, BATCH_BOXES)
  assert len(got) == 3
  for faces, image, boxes in zip(got, BATCH_IMAGES, BATCH_BOXES):
    landmarks, confidence = _one_face_at_a_time(model, image, boxes)
    np.testing.assert_array_equal(faces.boxes, boxes)
    np.testing.assert_allclose(faces.landmarks, landmarks, atol=1e-4)
    np.testing.assert_allclose(faces.confidence, confidence, atol=1e-6)
  # All faces of one image in one call, too.
  both = model.detect_image(BATCH_IMAGES[0], BOXES)
  np.testing.assert_allclose(
      both.landmarks, _one_face_at_a_time(model, BATCH_IMAGES[0], BOXES)[0],
      atol=1e-4)
  assert got[0].landmarks.std() > 1.0  # not a constant matching trivially


def test_detect_images_falls_back_to_one_call_per_image_on_older_exports(
    tiny_exports):
  # pylint: disable=protected-access
  model = predictor.ExportedModel(tiny_exports["detector"])
  signatures = dict(model._module.signatures)
  del signatures["detect_images"]
  model._module = type("Older", (), {"signatures": signatures})
  # pylint: enable=protected-access
  got = model.detect_images(BATCH_IMAGES, BATCH_BOXES)
  for faces, image, boxes in zip(got, BATCH_IMAGES, BATCH_BOXES):
    np.testing.assert_allclose(
        faces.landmarks, _one_face_at_a_time(model, image, boxes)[0],
        atol=1e-4)


@pytest.mark.parametrize("images,boxes,message", [
    ([_image(0)], [BOXES, BOXES], r"one box array per image \(1 images\)"),
    ([_image(0), np.zeros((8, 8), np.uint8)], [BOXES, BOXES],
     r"images\[1\]: expected shape"),
    ([_image(0)], [[[5, 5, 4, 9]]], r"boxes\[0\]: expected x_max")])
def test_detect_images_names_the_bad_image_or_boxes(detector, images, boxes,
                                                     message):
  with pytest.raises(predictor.InputError, match=message):
    detector.detect_images(images, boxes)


def test_tracking_crops_each_frame_around_the_last_landmarks(tiny_exports):
  model = predictor.ExportedModel(tiny_exports["tracker"])
  tracker = predictor.FaceTracker(model)
  tracker.start(BOXES)
  frames = [_image(seed) for seed in range(3)]
  got = [tracker(frame).landmarks for frame in frames]
  # Reference: the raw signatures, state threaded and boxes updated by hand.
  sigs = tf.saved_model.load(tiny_exports["tracker"]).signatures
  state = sigs["zero_state"](batch_size=tf.constant(2))
  boxes = BOXES
  for frame, landmarks in zip(frames, got):
    out = sigs["track_step_image"](image=tf.constant(frame),
                                   boxes=tf.constant(boxes), **state)
    state = {k: v for k, v in out.items() if k.startswith("state_")}
    np.testing.assert_allclose(landmarks, out["landmarks"].numpy(),
                               atol=1e-5)
    points = out["landmarks"].numpy()
    boxes = np.concatenate([points.min(1), points.max(1)], -1)


def test_a_lost_face_is_redetected_on_the_next_frame(tiny_exports):
  model = predictor.ExportedModel(tiny_exports["detector"])
  calls = []

  def find_faces(image):
    calls.append(image.shape)
    return BOXES[:1]

  # Random weights give confidences below 1: every face is "lost".
  tracker = predictor.FaceTracker(model, find_faces, min_confidence=1.0)
  for seed in range(3):
    assert len(tracker(_image(seed)).boxes) == 1
  assert len(calls) == 3
  keep = predictor.FaceTracker(model, find_faces, min_confidence=0.0)
  for seed in range(3):
    keep(_image(seed))
  assert len(calls) == 4


def _track(tracker, frames):
  tracker.start(BOXES)
  return [tracker(frame) for frame in frames]


def test_one_euro_smoothing_filters_the_shown_landmarks_not_the_crops(
    tiny_exports):
  model = predictor.ExportedModel(tiny_exports["tracker"])
  frames = [_image(seed) for seed in range(4)]
  raw = _track(predictor.FaceTracker(model), frames)
  smoothing = temporal_filters.make_filter("one_euro", min_cutoff=0.5,
                                           beta=0.01, frequency=25.0)
  shown = _track(predictor.FaceTracker(model, smoothing=smoothing), frames)
  # Reference: the raw track's landmarks through the filter afterwards; the
  # crops (boxes) and confidences are the unsmoothed tracker's.
  want = temporal_filters.filter_sequence(
      np.stack([f.landmarks for f in raw]),
      temporal_filters.make_filter("one_euro", min_cutoff=0.5, beta=0.01,
                                   frequency=25.0))
  np.testing.assert_allclose(np.stack([f.landmarks for f in shown]), want,
                             atol=1e-4)
  for got, ref in zip(shown, raw):
    np.testing.assert_allclose(got.boxes, ref.boxes, atol=1e-4)
    np.testing.assert_allclose(got.confidence, ref.confidence, atol=1e-6)
  assert not np.allclose(shown[-1].landmarks, raw[-1].landmarks, atol=1e-2)


class _NoisyStillFace:
  """A detector export stand-in: one face at fixed points plus pixel noise."""

  is_tracker = False
  num_landmarks = 68

  def __init__(self, noise_px):
    rng = np.random.default_rng(5)
    self.points = rng.uniform(20, 50, (1, 68, 2)).astype(np.float32)
    self.noise_px = noise_px
    self.rng = np.random.default_rng(6)

  def detect_image(self, image, boxes):
    del image
    noise = self.rng.normal(0, self.noise_px, self.points.shape)
    return predictor.Faces(boxes, (self.points + noise).astype(np.float32),
                           np.ones((1, 68), np.float32))


def _frame_to_frame_motion(faces):
  points = np.stack([f.landmarks for f in faces])
  return np.linalg.norm(np.diff(points, axis=0), axis=-1).mean()


@pytest.mark.parametrize("name,params", [
    ("ema", {"alpha": 0.3}),
    ("one_euro", {"min_cutoff": 1.0, "beta": 0.01, "frequency": 30.0})])
def test_ema_and_one_euro_keep_a_still_face_and_lower_its_jitter(name, params):
  frames = [_image(0)] * 30
  still = _NoisyStillFace(noise_px=0.0)
  shown = _track(predictor.FaceTracker(
      still, smoothing=temporal_filters.make_filter(name, **params)), frames)
  for faces in shown:
    np.testing.assert_allclose(faces.landmarks, still.points, atol=1e-5)
  raw = _track(predictor.FaceTracker(_NoisyStillFace(noise_px=1.0)), frames)
  smooth = _track(predictor.FaceTracker(
      _NoisyStillFace(noise_px=1.0),
      smoothing=temporal_filters.make_filter(name, **params)), frames)
  # A first-order low-pass of weight a scales white noise's frame-to-frame
  # motion by a / sqrt(2 - a): 0.23 for the EMA at 0.3, 0.13 for One Euro at
  # rest (1 Hz at 30 Hz: a = 1 / (1 + 30 / 2 pi) = 0.17).
  assert _frame_to_frame_motion(smooth) < 0.4 * _frame_to_frame_motion(raw)


def test_one_euro_smoothing_restarts_when_a_face_is_lost(tiny_exports):
  model = predictor.ExportedModel(tiny_exports["detector"])
  frames = [_image(seed) for seed in range(3)]

  def find_faces(image):
    del image
    return BOXES[:1]

  # Random weights: every face is lost (confidence < 1) and every frame
  # restarts, so each frame's first-sample output is the raw landmarks.
  raw = predictor.FaceTracker(model, find_faces, min_confidence=1.0)
  shown = predictor.FaceTracker(
      model, find_faces, min_confidence=1.0,
      smoothing=temporal_filters.make_filter("one_euro", min_cutoff=0.1))
  for frame in frames:
    np.testing.assert_allclose(shown(frame).landmarks, raw(frame).landmarks,
                               atol=1e-5)


@pytest.mark.parametrize("value", [-0.1, 1.5])
def test_a_min_confidence_outside_0_1_is_an_input_error(value):
  with pytest.raises(predictor.InputError, match=r"must be in \[0, 1\]"):
    predictor.check_min_confidence(value)
