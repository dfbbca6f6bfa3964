"""Following an eval split's videos the way the predict CLI does, for scoring.

`follow(config, saved_model_dir, split)` runs an export (`runs/export.py`)
through `serving.predictor.ExportedModel` and `FaceTracker` over every frame
of each video in frame order: the first frame is cropped around the record's
ground-truth `box`, every later one around the tight box of the previous
frame's predicted landmarks, and a tracker export carries its eq. 13 state
from frame to frame. `evaluate.collect` instead crops every frame around its
own ground-truth box; both return `scoring.Predictions` with the same ids and
flags, so `scoring.score` and `scoring.map_videos` apply to either.

Boxes and crops, against the eval pipeline's:
- The start box is the record's `box` as `evaluate.eval_records` gives it:
  the tight box of the visible ground-truth points (a Talking Face record's:
  the fitted mean shape's tight box). FaceTracker's later boxes are tight
  boxes of all N predicted points (`predictor.landmark_box`): the model
  predicts occluded points too, so nothing is left out.
- Both turn a box into the crop window with `coordinates.square_window`, the
  pipeline with the config's context and shift, the export with the ones it
  was exported with (`runs/export.py` copies the config's). They resample
  it with different ops (the pipeline's affine warp, the export's
  `tf.image.crop_and_resize`) to the same crop: within 2e-6 of the [0, 1]
  range on mini_video's test frames.
- The export decodes with the decoder it was exported with, not
  `config.eval.decoder`.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from landmark1d.eval import scoring
from landmark1d.runs import evaluate
from landmark1d.runs import schema
from landmark1d.serving import predictor


def follow(config: schema.ExperimentConfig, saved_model_dir: str, split: str,
           *, max_videos: int = 0,
           model: predictor.ExportedModel | None = None
           ) -> scoring.Predictions:
  """Tracks each video of an eval split from its first ground-truth box.

  Args:
    config: the experiment (eval dataset, landmark set, data_dir).
    saved_model_dir: a SavedModel written by `runs/export.py`.
    split: a split of the eval dataset holding videos.
    max_videos: follow only the first videos (0: all).
    model: `saved_model_dir` already loaded (several splits of one export
      load it once).

  Returns:
    `(frames, N, 2)` image-pixel predictions of every frame, video by video
    in frame order (the records' order), with `evaluate.collect`'s ids and
    flags.

  Raises:
    ValueError: an export of another landmark set, or a split without videos.
  """
  records = evaluate.eval_records(config, split)
  if "video_id" not in records.element_spec:
    raise ValueError(f"split {split!r} holds no videos (its records have no "
                     "video_id); follow needs a video split")
  model = model or predictor.ExportedModel(saved_model_dir)
  exported = model.metadata["landmark_set"]
  if exported != config.data.landmark_set:
    raise ValueError(f"{saved_model_dir}: the export predicts {exported!r}, "
                     f"config {config.name} {config.data.landmark_set!r}")
  tracker = predictor.FaceTracker(model)
  parts = []
  for frames in _videos(records, f"split {split!r}", max_videos):
    tracker.start(frames["box"][0])
    landmarks = [tracker(_decode(image)).landmarks[0]
                 for image in frames["image"]]
    fields = evaluate.frame_fields(dict(frames,
                                        landmarks_image=frames["landmarks"]))
    parts.append(scoring.Predictions(landmarks=np.stack(landmarks), **fields))
  return scoring.Predictions.concatenate(parts)


def _decode(encoded: bytes) -> np.ndarray:
  return tf.io.decode_image(encoded, channels=3,
                            expand_animations=False).numpy()


def _videos(records: tf.data.Dataset, name: str, max_videos: int):
  """Yields each video's records stacked (`{field: (T, ...)}`), in frame
  order, one video in memory at a time.

  Raises:
    ValueError: a video whose frames are not contiguous in the records.
  """
  done, current, frames = set(), None, []
  for record in records.as_numpy_iterator():
    video = record["video_id"]
    if video != current:
      if frames:
        yield _stack(frames)
        if len(done) == max_videos:
          return
      if video in done:
        raise ValueError(f"{name}: the frames of video {video!r} are not "
                         "contiguous; video frames must be stored in order")
      done.add(video)
      current, frames = video, []
    frames.append(record)
  if frames:
    yield _stack(frames)


def _stack(frames: list) -> dict:
  frames = sorted(frames, key=lambda record: record["frame_index"])
  return {key: np.array([f[key] for f in frames],
                        dtype=object if isinstance(frames[0][key], bytes)
                        else None)
          for key in frames[0]}
