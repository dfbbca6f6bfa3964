"""Landmark accuracy metrics: NRMSE (eq. 15), AUC, failure rate, CED, jitter,
and the coordinate variance per area of Fig. 5.

All functions take NumPy-compatible arrays of landmarks `(images, N, 2)` in
one pixel convention (`landmark1d.geometry.coordinates`) and return NumPy
values; nothing here plots or writes files (`reporting` does).

NRMSE. The paper's eq. 15 did not survive in our copy of the text; we use the
definition of the works it follows (300-W, SAN, LAB, GAN [36]): for one image,
the mean over landmarks of the point-to-point Euclidean error, divided by a
normalising distance d:
    NRMSE = (1 / N) sum_n ||p_n - p*_n||_2 / d.
d is the inter-ocular distance (outer eye corners) on 300-W, 300-VW and Talking
Face, and the face size (the AFLW-19 lists' box_size) on AFLW.

AUC and failure rate at a threshold t follow the 300-W convention: the area
under the cumulative error distribution (CED) on [0, t], divided by t, and the
fraction of images whose NRMSE exceeds t.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from landmark1d.geometry import landmark_sets as landmark_sets_lib

NORMALIZATIONS = ("interocular", "interpupil", "face_size")
DEFAULT_THRESHOLDS = (0.08, 0.10)


def _as_landmarks(array, name, num_points=None):
  array = np.asarray(array, np.float64)
  if array.ndim != 3 or array.shape[-1] != 2:
    raise ValueError(
        f"{name} must have shape (images, N, 2), got {array.shape}")
  if num_points is not None and array.shape[1] != num_points:
    raise ValueError(f"{name} has {array.shape[1]} landmarks per image, "
                     f"expected {num_points}")
  if not np.all(np.isfinite(array)):
    raise ValueError(f"{name} contains NaN or Inf")
  return array


def normalizing_distance(ground_truth, landmark_set, normalization="interocular",
                         face_size=None) -> np.ndarray:
  """Per-image normalising distance d.

  Args:
    ground_truth: `(images, N, 2)` ground-truth landmarks.
    landmark_set: a `LandmarkSet` or its registered name.
    normalization: "interocular" (outer eye corners), "interpupil" (eye
      centres, the means of each eye's points) or "face_size" (given sizes).
    face_size: `(images,)` face sizes, required for "face_size" (the AFLW-19
      lists' box_size).

  Returns:
    `(images,)` positive distances.
  """
  landmark_set = landmark_sets_lib.as_set(landmark_set)
  gt = _as_landmarks(ground_truth, "ground_truth", landmark_set.num_points)
  if normalization == "interocular":
    a, b = landmark_set.interocular
    d = np.linalg.norm(gt[:, a] - gt[:, b], axis=-1)
  elif normalization == "interpupil":
    if landmark_set.pupils is None:
      raise ValueError(f"{landmark_set.name} defines no pupils; use "
                       f"'interocular'")
    left, right = (gt[:, list(g)].mean(axis=1) for g in landmark_set.pupils)
    d = np.linalg.norm(left - right, axis=-1)
  elif normalization == "face_size":
    if face_size is None:
      raise ValueError("normalization='face_size' needs face_size per image")
    d = np.asarray(face_size, np.float64).reshape(-1)
    if d.shape[0] != gt.shape[0]:
      raise ValueError(f"face_size has {d.shape[0]} entries for "
                       f"{gt.shape[0]} images")
  else:
    raise ValueError(f"normalization must be one of {NORMALIZATIONS}, got "
                     f"{normalization!r}")
  if not np.all(d > 0):
    raise ValueError(f"normalising distance ({normalization}) must be > 0; "
                     f"image {int(np.argmin(d))} has {float(np.min(d))}")
  return d


def point_errors(predictions, ground_truth) -> np.ndarray:
  """`(images, N)` Euclidean distances between predicted and true points."""
  pred = _as_landmarks(predictions, "predictions")
  gt = _as_landmarks(ground_truth, "ground_truth")
  if pred.shape != gt.shape:
    raise ValueError(f"predictions {pred.shape} and ground_truth {gt.shape} "
                     f"must have the same shape")
  return np.linalg.norm(pred - gt, axis=-1)


def nrmse(predictions, ground_truth, norm, visible=None,
          points=None) -> np.ndarray:
  """Per-image NRMSE (eq. 15).

  Args:
    predictions: `(images, N, 2)`.
    ground_truth: `(images, N, 2)`.
    norm: `(images,)` normalising distances (see `normalizing_distance`).
    visible: optional `(images, N)`; invisible points are left out of the mean.
    points: optional indices of the points to score (e.g. a facial region).

  Returns:
    `(images,)` normalised errors (fractions, not percent).
  """
  errors = point_errors(predictions, ground_truth)
  norm = np.asarray(norm, np.float64).reshape(-1)
  if norm.shape[0] != errors.shape[0]:
    raise ValueError(f"norm has {norm.shape[0]} entries for "
                     f"{errors.shape[0]} images")
  weights = np.ones_like(errors)
  if visible is not None:
    visible = np.asarray(visible)
    if visible.shape != errors.shape:
      raise ValueError(f"visible has shape {visible.shape}, expected "
                       f"{errors.shape}")
    weights = visible.astype(np.float64)
  if points is not None:
    errors, weights = errors[:, list(points)], weights[:, list(points)]
  count = weights.sum(axis=1)
  if np.any(count == 0):
    raise ValueError(f"image {int(np.argmin(count))} has no visible landmark "
                     f"to score")
  return (errors * weights).sum(axis=1) / count / norm


def auc(errors, threshold: float) -> float:
  """Area under the CED curve on [0, threshold], divided by threshold.

  The empirical CDF's integral has a closed form: each image contributes
  max(0, threshold - e) / threshold.
  """
  errors = np.asarray(errors, np.float64)
  if threshold <= 0:
    raise ValueError(f"threshold must be > 0, got {threshold}")
  return float(np.mean(np.maximum(0.0, 1.0 - errors / threshold)))


def failure_rate(errors, threshold: float) -> float:
  """Fraction of images whose error exceeds threshold."""
  return float(np.mean(np.asarray(errors) > threshold))


def ced_curve(errors, threshold: float, num: int = 200):
  """Cumulative error distribution: `(x, fraction of images with error <= x)`."""
  errors = np.sort(np.asarray(errors, np.float64))
  x = np.linspace(0.0, threshold, num)
  return x, np.searchsorted(errors, x, side="right") / max(len(errors), 1)


BOOTSTRAP = {"confidence": 0.95, "resamples": 2000, "seed": 0}


def bootstrap_interval(values, confidence: float = BOOTSTRAP["confidence"],
                       resamples: int = BOOTSTRAP["resamples"],
                       seed: int = BOOTSTRAP["seed"]) -> tuple[float, float]:
  """Percentile bootstrap interval of the mean over images.

  The interval over the test images of one model: how much its mean error
  would move on another draw of images from the same population; it says
  nothing of the spread over training seeds (`bench/seed_statistics.py`).

  Args:
    values: `(images,)` per-image values, e.g. NRMSE.
    confidence: the interval's coverage.
    resamples: bootstrap resamples (images drawn with replacement).
    seed: the resampling's seed, fixed so a result file is reproducible.

  Returns:
    `(low, high)`, the (1 - confidence) / 2 and (1 + confidence) / 2
    quantiles of the resampled means.
  """
  values = np.asarray(values, np.float64).reshape(-1)
  if values.size == 0:
    raise ValueError("bootstrap_interval needs at least one value")
  if not 0.0 < confidence < 1.0:
    raise ValueError(f"confidence must be in (0, 1), got {confidence}")
  rng = np.random.default_rng(seed)
  # Blocks of resamples bound the index array for large video splits.
  block = max(1, 2**22 // values.size)
  means = np.concatenate([
      values[rng.integers(0, values.size, (min(block, resamples - i),
                                           values.size))].mean(axis=1)
      for i in range(0, resamples, block)])
  low, high = np.quantile(means, [(1 - confidence) / 2, (1 + confidence) / 2])
  return float(low), float(high)


@dataclasses.dataclass(frozen=True)
class Summary:
  """Mean NRMSE and the 300-W AUC / failure rate, all in percent, with the
  mean's bootstrap interval over the images (`bootstrap_interval`)."""
  count: int
  nrmse: float
  auc: dict
  failure_rate: dict
  nrmse_interval: dict | None = None  # {"low", "high", **BOOTSTRAP}

  def to_dict(self) -> dict:
    return dataclasses.asdict(self)


def summarize(errors, thresholds=DEFAULT_THRESHOLDS) -> Summary:
  """Summary of per-image NRMSEs (fractions) in percent."""
  errors = np.asarray(errors, np.float64).reshape(-1)
  if errors.size == 0:
    raise ValueError("no images to summarise")
  low, high = bootstrap_interval(errors * 100.0)
  return Summary(
      count=int(errors.size),
      nrmse=float(errors.mean() * 100.0),
      nrmse_interval={"low": low, "high": high, **BOOTSTRAP},
      auc={f"{t:g}": auc(errors, t) * 100.0 for t in thresholds},
      failure_rate={f"{t:g}": failure_rate(errors, t) * 100.0
                    for t in thresholds})


def region_nrmse(predictions, ground_truth, norm, landmark_set) -> dict:
  """Mean NRMSE (percent) per facial area, as in the paper's Fig. 4."""
  landmark_set = landmark_sets_lib.as_set(landmark_set)
  return {region: float(np.mean(nrmse(predictions, ground_truth, norm,
                                      points=idx)) * 100.0)
          for region, idx in landmark_set.regions.items()}


def region_coordinate_variance(landmarks, ground_truth, norm, landmark_set,
                               visible=None) -> dict:
  """Per facial area, the mean variance of its landmarks' x and y (Fig. 5).

  Fig. 5 of the paper gives, for each landmark, the variance of its x and of
  its y coordinate over the test samples, averaged within each area. The
  paper does not say in which frame; here a point is measured from its
  image's ground-truth centroid in percent of the image's normalising
  distance, so the variance is that of the face's shape (pose, expression,
  identity) and not of where the face sits in the frame or how large it is.

  Args:
    landmarks: `(images, N, 2)` the points whose spread is measured (the
      ground truth for the paper's figure, or predictions).
    ground_truth: `(images, N, 2)`; its per-image centroid is the origin.
    norm: `(images,)` normalising distances.
    landmark_set: the scheme (name or `LandmarkSet`) whose regions are used.
    visible: optional `(images, N)`; a point counts only where visible, in
      the centroid and in its variance.

  Returns:
    `{area: {"x": variance, "y": variance}}` in squared percent of the
    normalising distance (population variance over the images), None for
    an area none of whose points is visible anywhere.
  """
  if isinstance(landmark_set, str):
    landmark_set = landmark_sets_lib.get(landmark_set)
  points = _as_landmarks(landmarks, "landmarks")
  gt = _as_landmarks(ground_truth, "ground_truth", points.shape[1])
  norm = np.asarray(norm, np.float64).reshape(-1)
  if norm.shape[0] != points.shape[0] or gt.shape[0] != points.shape[0]:
    raise ValueError(f"landmarks ({points.shape[0]} images), ground_truth "
                     f"({gt.shape[0]}) and norm ({norm.shape[0]}) differ in "
                     "length")
  weights = (np.ones(points.shape[:2]) if visible is None
             else np.asarray(visible, np.float64))
  if weights.shape != points.shape[:2]:
    raise ValueError(f"visible has shape {weights.shape}, expected "
                     f"{points.shape[:2]}")
  w = weights[..., None]
  centroid = (gt * w).sum(1, keepdims=True) / np.maximum(
      w.sum(1, keepdims=True), 1.0)
  shape = 100.0 * (points - centroid) / norm[:, None, None]
  count = np.maximum(w.sum(0), 1.0)  # (N, 1)
  mean = (shape * w).sum(0) / count
  variance = (w * (shape - mean) ** 2).sum(0) / count  # (N, 2)
  seen = weights.sum(0) > 0
  out = {}
  for region, idx in landmark_set.regions.items():
    idx = [i for i in idx if seen[i]]
    out[region] = ({"x": float(variance[idx, 0].mean()),
                    "y": float(variance[idx, 1].mean())} if idx else None)
  return out


def jitter(predictions, ground_truth, norm) -> np.ndarray:
  """Frame-to-frame jitter of a tracked sequence, relative to the truth.

  The motion between consecutive frames of the prediction minus that of the
  ground truth, averaged over landmarks and normalised, so a tracker that
  follows the true motion exactly scores 0 whatever its constant offset.

  Args:
    predictions: `(frames, N, 2)` one video's predictions in frame order.
    ground_truth: `(frames, N, 2)`.
    norm: `(frames,)` normalising distances.

  Returns:
    `(frames - 1,)` normalised jitter per frame transition.
  """
  pred = _as_landmarks(predictions, "predictions")
  gt = _as_landmarks(ground_truth, "ground_truth", pred.shape[1])
  if pred.shape[0] < 2:
    raise ValueError("jitter needs at least 2 frames")
  excess = np.diff(pred, axis=0) - np.diff(gt, axis=0)
  norm = np.asarray(norm, np.float64).reshape(-1)
  return np.linalg.norm(excess, axis=-1).mean(axis=1) / norm[1:]
