"""Scoring collected predictions: NRMSE per split, AUC, areas, video jitter.

`Predictions` holds what an evaluation pass collected (image-pixel landmarks
and their ground truth, with ids and, for videos with transient events, the
per-frame `degraded` / `event` flags); `score` turns it into per-image NRMSE,
AUC / failure rate, a per-area breakdown and, for videos, jitter, per-video
rows and NRMSE / jitter on frame subsets (degraded, clean, after each video's
first frames, per event kind). `map_videos` applies a temporal filter to each
video's predictions, so filtered tracks are scored on the same frames.
Running the model over a dataset is the caller's business
(`landmark1d.runs.evaluate`, `landmark1d.runs.follow`) and writing the
results `reporting`'s, so this module is testable without a model or a file
system.
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
    degraded: `(images,)` bool, frames a transient event degraded (occluder,
      noise, ...), or None when the dataset has no such flag.
    events: one event kind per frame ("none", "occluder", ...), or None.
  """

  landmarks: np.ndarray
  ground_truth: np.ndarray
  visible: np.ndarray
  image_ids: list
  face_size: np.ndarray | None = None
  video_ids: list | None = None
  frame_indices: np.ndarray | None = None
  degraded: np.ndarray | None = None
  events: list | None = None

  def __post_init__(self):
    m = len(self.landmarks)
    for name in ("ground_truth", "visible", "image_ids", "face_size",
                 "video_ids", "frame_indices", "degraded", "events"):
      if getattr(self, name) is not None and len(getattr(self, name)) != m:
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
  """Everything scored for one split.

  Frame-subset rows (`frame_rows`, `event_rows`, `video_rows`) are dicts
  `{"frames": int, "nrmse": percent or None, "jitter": percent or None}`;
  None where a subset has no frame (NRMSE) or no frame pair (jitter).
  """
  summary: metrics.Summary
  errors: np.ndarray  # (images,) NRMSE fractions
  regions: dict
  # Fig. 5: {"truth" | "model": {area: {"x", "y"}}}, metrics.
  # region_coordinate_variance of the ground truth and of the predictions.
  coordinate_variance: dict | None = None
  jitter: float | None = None  # mean normalised jitter, videos only
  jitter_truth: float | None = None  # the ground truth's own motion scale
  skip_first: int = 0  # frames left out at each video's start
  frame_rows: dict | None = None  # "all", "degraded", "clean", "*_after_skip"
  event_rows: dict | None = None  # event kind -> row
  video_rows: list | None = None  # one row per video, with its "video" id

  def to_dict(self) -> dict:
    # Per-image errors in the predictions' order, so intervals over images
    # (paired ones between two models scored on one split) can be drawn
    # later without re-running a model.
    out = {"summary": self.summary.to_dict(), "regions": self.regions,
           "per_image_nrmse_percent": (np.asarray(self.errors) * 100.0
                                       ).tolist()}
    if self.coordinate_variance is not None:
      out["coordinate_variance"] = self.coordinate_variance
    if self.jitter is not None:
      out["jitter"] = self.jitter
    if self.frame_rows is not None:
      out["frame_subsets"] = {"skip_first": self.skip_first,
                              "rows": self.frame_rows}
    if self.event_rows is not None:
      out["events"] = self.event_rows
    if self.video_rows is not None:
      out["videos"] = self.video_rows
    return out


def score(predictions: Predictions, *, landmark_set: str,
          normalization: str = "interocular", eval_subset: str | None = None,
          ground_truth_set: str | None = None,
          thresholds=metrics.DEFAULT_THRESHOLDS,
          skip_first: int = 0) -> SplitScores:
  """Scores one split.

  NRMSE rows are means over frames of the per-frame NRMSE (eq. 15). Jitter
  rows average the jitter of consecutive frame pairs (`metrics.jitter`); a
  pair (t - 1, t) belongs to the subset of its later frame t, the frame whose
  normalising distance it is divided by and where a transient event's jump
  shows (a pair entering a degraded frame counts as degraded, the pair
  leaving it as clean when the next frame is clean).

  Args:
    predictions: collected predictions.
    landmark_set: the scheme the model predicts.
    normalization: see `metrics.normalizing_distance`.
    eval_subset: score only this subset (e.g. "common7" for Talking Face).
    ground_truth_set: the ground truth's scheme when it differs.
    thresholds: AUC / failure-rate thresholds.
    skip_first: video sets only: also score without the first `skip_first`
      frames of each video (its earliest by `frame_index`, whatever their
      numbers), where a tracker's memory is still building up; the
      `*_after_skip` rows. 0: no such rows.

  Returns:
    The scores; `frame_rows` when the predictions carry `degraded` flags or
    `skip_first > 0`, `event_rows` with `events`, `video_rows` for videos.
  """
  skip_first = int(skip_first)
  if skip_first < 0:
    raise ValueError(f"skip_first must be >= 0, got {skip_first}")
  if skip_first and predictions.video_ids is None:
    raise ValueError(f"skip_first={skip_first} needs video predictions "
                     "(video_ids and frame_indices)")
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
  variance = {name: metrics.region_coordinate_variance(points, gt, norm,
                                                       scheme, visible)
              for name, points in (("truth", gt), ("model", pred))}
  result = SplitScores(summary=metrics.summarize(errors, thresholds),
                       errors=errors, regions=regions, skip_first=skip_first,
                       coordinate_variance=variance)
  pairs = None
  if predictions.video_ids is not None:
    pairs = _pair_jitter(pred, gt, norm, predictions.video_ids,
                         predictions.frame_indices)
    if len(pairs[0]):
      result.jitter = float(np.mean(pairs[1]) * 100.0)
      result.jitter_truth = float(np.mean(pairs[2]) * 100.0)
    videos = _video_frames(predictions.video_ids, predictions.frame_indices)
    result.video_rows = [
        dict(video=video, **_subset_row(errors, _mask(len(errors), idx),
                                        pairs))
        for video, idx in videos.items()]
  result.frame_rows = _frame_rows(predictions, errors, pairs, skip_first)
  if predictions.events is not None:
    kinds = np.asarray(predictions.events, str)
    result.event_rows = {kind: _subset_row(errors, kinds == kind, pairs)
                         for kind in sorted(set(kinds))}
  return result


def _frame_rows(predictions: Predictions, errors, pairs,
                skip_first: int) -> dict | None:
  """Rows "all", "degraded", "clean" and their "*_after_skip" twins."""
  if predictions.degraded is None and not skip_first:
    return None
  everything = np.ones(len(errors), bool)
  subsets = {"all": everything}
  if predictions.degraded is not None:
    degraded = np.asarray(predictions.degraded, bool).reshape(-1)
    subsets.update(degraded=degraded, clean=~degraded)
  rows = {name: _subset_row(errors, mask, pairs)
          for name, mask in subsets.items()}
  if skip_first:
    kept = _position_in_video(predictions) >= skip_first
    rows.update({f"{name}_after_skip": _subset_row(errors, mask & kept, pairs)
                 for name, mask in subsets.items()})
  return rows


def _subset_row(errors, mask, pairs) -> dict:
  """NRMSE over the frames in `mask`, jitter over the pairs ending in one."""
  frames = int(mask.sum())
  row = {"frames": frames,
         "nrmse": float(errors[mask].mean() * 100.0) if frames else None,
         "jitter": None}
  if pairs is not None:
    later, jitter, _ = pairs
    chosen = mask[later]
    if chosen.any():
      row["jitter"] = float(jitter[chosen].mean() * 100.0)
  return row


def _mask(size: int, indices) -> np.ndarray:
  mask = np.zeros(size, bool)
  mask[indices] = True
  return mask


def _video_frames(video_ids, frame_indices) -> dict:
  """`{video id: indices of its frames in frame order}`, in first-seen order
  (a frame index seen twice keeps the predictions' order)."""
  frame_indices = np.asarray(frame_indices).reshape(-1)
  groups = {}
  for i, video in enumerate(video_ids):
    groups.setdefault(video, []).append(i)
  return {video: np.asarray(idx)[np.argsort(frame_indices[idx],
                                            kind="stable")]
          for video, idx in groups.items()}


def _position_in_video(predictions: Predictions) -> np.ndarray:
  """`(images,)` each frame's rank in its video by frame index (0 = first)."""
  position = np.empty(len(predictions.landmarks), np.int64)
  for idx in _video_frames(predictions.video_ids,
                           predictions.frame_indices).values():
    position[idx] = np.arange(len(idx))
  return position


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


def _pair_jitter(pred, gt, norm, video_ids, frame_indices):
  """Jitter of every pair of consecutive frames (t - 1, t) of a video.

  Returns:
    `(later (P,) int, jitter (P,), truth (P,))`: the index of each pair's
    frame t, its normalised jitter (`metrics.jitter`) and the ground truth's
    own normalised motion, all fractions.
  """
  later, per_pair, truth = [np.zeros(0, np.int64)], [np.zeros(0)], [
      np.zeros(0)]
  for run in _video_runs(video_ids, frame_indices):
    later.append(run[1:])
    per_pair.append(metrics.jitter(pred[run], gt[run], norm[run]))
    motion = np.linalg.norm(np.diff(gt[run], axis=0), axis=-1).mean(axis=1)
    truth.append(motion / norm[run][1:])
  return (np.concatenate(later), np.concatenate(per_pair),
          np.concatenate(truth))


def map_videos(predictions: Predictions, fn) -> Predictions:
  """Applies a temporal transform to each video's predicted track.

  For scoring filtered tracks (EMA, One Euro, ...) on exactly the frames the
  raw ones were scored on: every other field is kept.

  Args:
    predictions: video predictions, in any order (frames are taken in
      `frame_index` order within each video and put back where they were).
    fn: `(T, N, 2) image-pixel landmarks of one video in frame order ->
      (T, N, 2)`; called once per video, never across two.

  Returns:
    Predictions with the transformed `landmarks` (float64).

  Raises:
    ValueError: no video ids, a frame index twice in a video, or an `fn`
      result of another shape.
  """
  if predictions.video_ids is None or predictions.frame_indices is None:
    raise ValueError("map_videos needs video predictions (video_ids and "
                     "frame_indices)")
  landmarks = np.asarray(predictions.landmarks, np.float64)
  frame_indices = np.asarray(predictions.frame_indices).reshape(-1)
  out = np.empty_like(landmarks)
  for video, idx in _video_frames(predictions.video_ids,
                                  frame_indices).items():
    frames = frame_indices[idx]
    if np.any(frames[1:] == frames[:-1]):
      twice = frames[1:][frames[1:] == frames[:-1]][0]
      raise ValueError(f"map_videos: video {video!r} has frame_index {twice} "
                       "more than once, so its frame order is unknown")
    track = np.asarray(fn(landmarks[idx].copy()), np.float64)
    if track.shape != (len(idx), *landmarks.shape[1:]):
      raise ValueError(f"map_videos: fn returned shape {track.shape} for "
                       f"video {video!r}, expected "
                       f"{(len(idx), *landmarks.shape[1:])} (T, N, 2)")
    out[idx] = track
  return dataclasses.replace(predictions, landmarks=out)


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
