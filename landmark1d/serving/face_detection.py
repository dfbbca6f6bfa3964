"""Face boxes for the predict CLI: dlib's HOG detector, calibrated.

The exported model crops around a box in the training convention, the tight
box of the 68 landmarks (docs/CONTRACTS.md). A face detector's rectangle is
a different box: dlib's HOG rectangle is square, starts near the brows and
stops above the chin. `BoxCalibration` maps one to the other; the default is
measured (BUILD_NOTES.md, "Face detector calibration").

dlib ships as the prebuilt wheel `dlib-bin` (optional extra `detect`); OpenCV
5 has no bundled cascade and its YuNet needs a model file no package ships.
"""

from __future__ import annotations

import dataclasses

import numpy as np


class FaceDetectorUnavailable(RuntimeError):
  """dlib is not installed."""


@dataclasses.dataclass(frozen=True)
class BoxCalibration:
  """Detector rectangle -> landmark-style box, in units of the rectangle.

  The landmark box has centre `rect_centre + (dx, dy) * rect_side` and size
  `(sx, sy) * rect_side`, where rect_side is the mean of the rectangle's width
  and height.
  """

  dx: float = 0.0
  dy: float = 0.0
  sx: float = 1.0
  sy: float = 1.0

  def apply(self, rects: np.ndarray) -> np.ndarray:
    """`(K, 4)` detector rectangles -> `(K, 4)` landmark-style boxes."""
    rects = np.asarray(rects, np.float32).reshape(-1, 4)
    side = ((rects[:, 2] - rects[:, 0]) + (rects[:, 3] - rects[:, 1])) / 2
    cx = (rects[:, 0] + rects[:, 2]) / 2 + self.dx * side
    cy = (rects[:, 1] + rects[:, 3]) / 2 + self.dy * side
    half_w, half_h = self.sx * side / 2, self.sy * side / 2
    return np.stack([cx - half_w, cy - half_h, cx + half_w, cy + half_h], -1)

  @classmethod
  def fit(cls, rects: np.ndarray, boxes: np.ndarray) -> "BoxCalibration":
    """The calibration that maps `rects` onto `boxes` on average (K, 4 each)."""
    rects = np.asarray(rects, np.float64).reshape(-1, 4)
    boxes = np.asarray(boxes, np.float64).reshape(-1, 4)
    side = ((rects[:, 2] - rects[:, 0]) + (rects[:, 3] - rects[:, 1])) / 2
    centre = lambda b: np.stack([b[:, 0] + b[:, 2], b[:, 1] + b[:, 3]], -1) / 2
    offset = (centre(boxes) - centre(rects)) / side[:, None]
    size = np.stack([boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1]],
                    -1) / side[:, None]
    (dx, dy), (sx, sy) = offset.mean(0), size.mean(0)
    return cls(float(dx), float(dy), float(sx), float(sy))


# Fitted by experiments/calibrate_face_detector.py: dlib's own 68-point shape
# predictor on dlib's HOG rectangles, on matplotlib's Grace Hopper portrait at
# 7 scales, mirrored and not (14 detections; spread 0.03-0.05 of the side).
# dx = 0 by the mirror symmetry. Refit on a real training set for real use.
DLIB_HOG = BoxCalibration(dx=0.0, dy=0.027, sx=0.896, sy=0.864)


class HogFaceDetector:
  """dlib's frontal HOG face detector returning landmark-style boxes.

  Args:
    upsample: image doublings before detection (finds faces < 80 px).
    threshold: minimum detection score.
    calibration: rectangle -> landmark box map.
  """

  def __init__(self, upsample: int = 1, threshold: float = 0.0,
               calibration: BoxCalibration = DLIB_HOG):
    try:
      import dlib  # pylint: disable=g-import-not-at-top
    except ImportError as e:
      raise FaceDetectorUnavailable(
          "face detection needs dlib: pip install -e '.[detect]' "
          "(the dlib-bin wheel), or pass face boxes with --boxes") from e
    self._detector = dlib.get_frontal_face_detector()
    self.upsample = int(upsample)
    self.threshold = float(threshold)
    self.calibration = calibration

  def rectangles(self, image: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """dlib's own rectangles `(K, 4)` and scores `(K,)`, best first."""
    rects, scores, _ = self._detector.run(np.ascontiguousarray(image),
                                          self.upsample, self.threshold)
    boxes = np.array([[r.left(), r.top(), r.right(), r.bottom()]
                      for r in rects], np.float32).reshape(-1, 4)
    scores = np.asarray(scores, np.float32)
    order = np.argsort(-scores)
    return boxes[order], scores[order]

  def __call__(self, image: np.ndarray) -> np.ndarray:
    """`(H, W, 3)` uint8 RGB -> `(K, 4)` landmark-style boxes, best first."""
    return self.calibration.apply(self.rectangles(image)[0])
