"""Fits the dlib HOG rectangle -> landmark box map (face_detection.BoxCalibration).

With a dataset (`--dataset=ibug_300w --split=train --data_dir=...`) the
landmark boxes are the ground truth; without one, dlib's own 68-point shape
predictor (pip package face-recognition-models) on matplotlib's Grace Hopper
portrait, rescaled and mirrored, gives them (how DLIB_HOG was fitted).

  python -m experiments.calibrate_face_detector
"""

from absl import app
from absl import flags
import cv2
import numpy as np

from experiments import cli
from landmark1d.serving import face_detection

_DATASET = flags.DEFINE_string("dataset", None, "tfds dataset with landmarks.")
_SPLIT = flags.DEFINE_string("split", "train", "Split of --dataset.")
_DATA_DIR = flags.DEFINE_string("data_dir", None, "tfds data_dir.")
_MAX_IMAGES = flags.DEFINE_integer("max_images", 1000, "Images to use.")


def _dataset_pairs():
  """(image, landmark box) pairs from a built tfds dataset."""
  import landmark1d_datasets  # pylint: disable=g-import-not-at-top
  builder = landmark1d_datasets.builder(_DATASET.value, _DATA_DIR.value)
  for example in builder.as_dataset(split=_SPLIT.value).take(
      _MAX_IMAGES.value).as_numpy_iterator():
    points = example["landmarks"][example["visible"]]
    yield example["image"], np.concatenate([points.min(0), points.max(0)])


def _portrait_pairs(detector):
  """(image, box of dlib's predicted landmarks) on the rescaled portrait."""
  import dlib  # pylint: disable=g-import-not-at-top
  import face_recognition_models  # pylint: disable=g-import-not-at-top
  from matplotlib import cbook  # pylint: disable=g-import-not-at-top
  shape = dlib.shape_predictor(
      face_recognition_models.pose_predictor_model_location())
  photo = cv2.cvtColor(cv2.imread(cbook.get_sample_data(
      "grace_hopper.jpg", asfileobj=False)), cv2.COLOR_BGR2RGB)
  for scale in (0.5, 0.6, 0.75, 0.9, 1.0, 1.2, 1.5):
    for mirror in (False, True):
      image = cv2.resize(photo, None, fx=scale, fy=scale,
                         interpolation=cv2.INTER_AREA)
      image = np.ascontiguousarray(image[:, ::-1] if mirror else image)
      rects, _ = detector.rectangles(image)
      if len(rects) != 1:
        continue
      x0, y0, x1, y1 = (int(v) for v in rects[0])
      parts = shape(image, dlib.rectangle(x0, y0, x1, y1)).parts()
      points = np.array([[p.x, p.y] for p in parts], np.float32)
      yield image, np.concatenate([points.min(0), points.max(0)])


def main(argv):
  del argv
  detector = face_detection.HogFaceDetector()
  pairs = _dataset_pairs() if _DATASET.value else _portrait_pairs(detector)
  rects, boxes = [], []
  for image, box in pairs:
    found, _ = detector.rectangles(image)
    centre = (box[:2] + box[2:]) / 2
    inside = [r for r in found if r[0] <= centre[0] <= r[2]
              and r[1] <= centre[1] <= r[3]]
    if inside:
      rects.append(inside[0])
      boxes.append(box)
  if not rects:
    raise app.UsageError("dlib found no face around any landmark box")
  fitted = face_detection.BoxCalibration.fit(np.array(rects), np.array(boxes))
  print(f"{len(rects)} detections: {fitted}")


if __name__ == "__main__":
  cli.run(main)
