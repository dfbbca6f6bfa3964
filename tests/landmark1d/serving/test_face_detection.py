"""dlib's HOG rectangles become landmark-style boxes by a fitted map."""

import cv2
from matplotlib import cbook
import numpy as np

from landmark1d.serving import face_detection


def test_calibration_moves_and_scales_by_the_rectangle_side():
  calibration = face_detection.BoxCalibration(dx=0.1, dy=0.2, sx=1.5, sy=0.5)
  # Rectangle 100 x 60 at (0, 0): side 80, centre (50, 30) -> (58, 46),
  # size (120, 40).
  np.testing.assert_allclose(calibration.apply([[0, 0, 100, 60]]),
                             [[-2, 26, 118, 66]], atol=1e-4)


def test_fit_recovers_the_calibration_that_made_the_boxes():
  truth = face_detection.BoxCalibration(dx=-0.05, dy=0.12, sx=1.1, sy=1.25)
  rects = np.array([[10, 20, 90, 100], [200, 50, 260, 110],
                    [5, 5, 45, 45]], np.float32)
  fitted = face_detection.BoxCalibration.fit(rects, truth.apply(rects))
  np.testing.assert_allclose(
      [fitted.dx, fitted.dy, fitted.sx, fitted.sy],
      [truth.dx, truth.dy, truth.sx, truth.sy], atol=1e-5)


def test_hog_finds_the_one_face_in_a_real_photo_and_none_in_a_blank():
  # Grace Hopper's portrait ships with matplotlib (600 x 512).
  path = cbook.get_sample_data("grace_hopper.jpg", asfileobj=False)
  photo = cv2.cvtColor(cv2.imread(path), cv2.COLOR_BGR2RGB)
  detector = face_detection.HogFaceDetector()
  rects, scores = detector.rectangles(photo)
  assert rects.shape == (1, 4) and scores[0] > 0
  x0, y0, x1, y1 = rects[0]
  # The face is in the upper middle of the portrait.
  assert 150 < (x0 + x1) / 2 < 350 and 150 < (y0 + y1) / 2 < 300
  np.testing.assert_allclose(detector(photo),
                             detector.calibration.apply(rects))
  assert detector(np.full((200, 200, 3), 128, np.uint8)).shape == (0, 4)
