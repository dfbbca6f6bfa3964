"""Scoring collected predictions: NRMSE per split, AUC, areas, video jitter.

`Predictions` holds what an evaluation pass collected (image-pixel landmarks
and their ground truth, with ids); `score` turns it into per-image NRMSE,
AUC / failure rate, a per-area breakdown and, for videos, jitter. Running the
model over a dataset is the caller's business (`landmark1d.runs.evaluate`) and
writing the results `reporting`'s, so this module is testable without a
model or a file system.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from landmark1d.eval import metrics
from landmark1d.geometry import landmark_sets as landmark_sets_lib


@dataclasses.dataclass
class Predictions:
  """Landmarks predicted for one split, in original-image pixels.

  Attributes:
    landmarks: `(images, N, 2)` predictions.
    ground_truth: `(images, N_gt, 2)` ground truth (N_gt may differ from N
      when the test set uses another markup, e.g. Talking Face).
    visible: `(images, N_gt)` bool.
    image_ids: one id per image.
    face_size: `(images,)` face sizes (AFLW-19's box_size) or None.
    video_ids: one video id per frame for video sets, else None.
    frame_indices: `(images,)` frame numbers for video sets, else None.
  """

  landmarks: np.ndarray
  ground_truth: np.ndarray
  visible: np.ndarray
  image_ids: list
  face_size: np.ndarray | None = None
  video_ids: list | None = None
  frame_indices: np.ndarray | None = None

  def __post_init__(self):
    m = len(self.landmarks)
    for name in ("ground_truth", "visible", "image_ids"):
      if len(getattr(self, name)) != m:
        raise ValueError(f"Predictions.{name} has {len(getattr(self, name))} "
                         f"entries for {m} predictions")

  @classmethod
  def concatenate(cls, parts: list) -> "Predictions":
    if not parts:
      raise ValueError("no predictions were collected (empty split?)")
    def cat(name):
      values = [getattr(p, name) for p in parts]
      if any(v is None for v in values):
        return None
      if isinstance(values[0], list):
        return [x for v in values for x in v]
      return np.concatenate(values)
    return cls(**{f.name: cat(f.name) for f in dataclasses.fields(cls)})


def _subset_indices(landmark_set: str, eval_subset: str | None,
                    ground_truth_set: str | None):
  """Indices into predictions and into ground truth that are scored together."""
  if eval_subset is None:
    return None, None
  pred_idx = subset_of(landmark_set, eval_subset)
  gt_idx = subset_of(ground_truth_set or landmark_set, eval_subset)
  return pred_idx, gt_idx


def subset_of(scheme: str, subset: str) -> tuple:
  """Indices of `subset`'s points within `scheme` (e.g. common7 in ibug68)."""
  if scheme == subset:
    return tuple(range(landmark_sets_lib.get(scheme).num_points))
  table = landmark_sets_lib.SUBSETS.get((scheme, subset))
  if table is None:
    raise ValueError(f"no mapping of the {subset!r} points into the "
                     f"{scheme!r} markup; known: "
                     f"{sorted(landmark_sets_lib.SUBSETS)}")
  return table


@dataclasses.dataclass
class SplitScores:
  """Everything scored for one split."""
  summary: metrics.Summary
  errors: np.ndarray  # (images,) NRMSE fractions
  regions: dict
  jitter: float | None = None  # mean normalised jitter, videos only
  jitter_truth: float | None = None  # the ground truth's own motion scale

  def to_dict(self) -> dict:
    out = {"summary": self.summary.to_dict(), "regions": self.regions}
    if self.jitter is not None:
      out["jitter"] = self.jitter
    return out


def score(predictions: Predictions, *, landmark_set: str,
          normalization: str = "interocular", eval_subset: str | None = None,
          ground_truth_set: str | None = None,
          thresholds=metrics.DEFAULT_THRESHOLDS) -> SplitScores:
  """Scores one split.

  Args:
    predictions: collected predictions.
    landmark_set: the scheme the model predicts.
    normalization: see `metrics.normalizing_distance`.
    eval_subset: score only this subset (e.g. "common7" for Talking Face).
    ground_truth_set: the ground truth's scheme when it differs.
    thresholds: AUC / failure-rate thresholds.
  """
  pred = np.asarray(predictions.landmarks, np.float64)
  gt = np.asarray(predictions.ground_truth, np.float64)
  visible = np.asarray(predictions.visible, bool)
  pred_idx, gt_idx = _subset_indices(landmark_set, eval_subset,
                                     ground_truth_set)
  scheme = landmark_set
  if pred_idx is not None:
    pred, gt, visible = pred[:, pred_idx], gt[:, gt_idx], visible[:, gt_idx]
    scheme = eval_subset
  elif pred.shape != gt.shape:
    raise ValueError(f"predictions {pred.shape} and ground truth {gt.shape} "
                     "differ; set eval_subset to score a common subset")
  norm = metrics.normalizing_distance(gt, scheme, normalization,
                                      predictions.face_size)
  errors = metrics.nrmse(pred, gt, norm, visible)
  regions = metrics.region_nrmse(pred, gt, norm, scheme)
  result = SplitScores(summary=metrics.summarize(errors, thresholds),
                       errors=errors, regions=regions)
  if predictions.video_ids is not None:
    result.jitter, result.jitter_truth = _video_jitter(
        pred, gt, norm, predictions.video_ids, predictions.frame_indices)
  return result


def _video_runs(video_ids, frame_indices):
  """Index arrays of consecutive frames, one per unbroken run of a video."""
  order = np.lexsort((np.asarray(frame_indices), np.asarray(video_ids)))
  runs, current = [], [order[0]]
  for prev, idx in zip(order[:-1], order[1:]):
    if (video_ids[idx] == video_ids[prev] and
        frame_indices[idx] == frame_indices[prev] + 1):
      current.append(idx)
    else:
      runs.append(current)
      current = [idx]
  runs.append(current)
  return [np.asarray(r) for r in runs if len(r) >= 2]


def _video_jitter(pred, gt, norm, video_ids, frame_indices):
  per_frame, truth = [], []
  for run in _video_runs(video_ids, frame_indices):
    per_frame.append(metrics.jitter(pred[run], gt[run], norm[run]))
    motion = np.linalg.norm(np.diff(gt[run], axis=0), axis=-1).mean(axis=1)
    truth.append(motion / norm[run][1:])
  if not per_frame:
    return None, None
  return (float(np.mean(np.concatenate(per_frame)) * 100.0),
          float(np.mean(np.concatenate(truth)) * 100.0))


def mean_shape(crop_landmarks: np.ndarray,
               visible: np.ndarray | None = None) -> np.ndarray:
  """The mean training shape in crop pixels, `(N, 2)`.

  Args:
    crop_landmarks: `(images, N, 2)` training landmarks in crop pixels.
    visible: optional `(images, N)` bool; each point is averaged over the
      images that annotate it (AFLW-19 leaves points out and stores them as
      (0, 0), which would drag the mean far off the face).

  Returns:
    `(N, 2)` float64.
  """
  crop_landmarks = np.asarray(crop_landmarks, np.float64)
  if crop_landmarks.ndim != 3 or crop_landmarks.shape[0] == 0:
    raise ValueError("mean_shape needs (images, N, 2) training landmarks")
  if visible is None:
    return crop_landmarks.mean(axis=0)
  weights = np.asarray(visible, np.float64)[..., None]
  if weights.shape[:2] != crop_landmarks.shape[:2]:
    raise ValueError(f"visible has shape {weights.shape[:2]}, expected "
                     f"{crop_landmarks.shape[:2]}")
  count = weights.sum(axis=0)
  if np.any(count == 0):
    raise ValueError(f"landmark {int(np.argmin(count[:, 0]))} is annotated in "
                     "no training image")
  return (crop_landmarks * weights).sum(axis=0) / count
