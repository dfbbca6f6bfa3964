"""landmark1d-predict: facial landmarks on images, folders, videos or a webcam.

  landmark1d-predict --model=runs/quickstart/saved_model --input=photo.jpg \
      --output_dir=out
  landmark1d-predict --model=runs/trk/saved_model --input=clip.mp4 \
      --output_dir=out --boxes=120,80,260,240

Faces come from dlib's HOG detector (pip install -e '.[detect]') or
from --boxes, landmark-style boxes `x_min,y_min,x_max,y_max` (the tight box of
the model's points, e.g. the 68; several separated by ';') used for every
image and as the start of every video track. On video each face is tracked:
its next crop is taken around its last landmarks, through the tracker's
temporal fusion when the export is a tracker; a face whose mean confidence
drops below --min_confidence is re-detected. --smoothing=ema|one_euro filters
each video track's landmarks over time (docs/serving.md, "Smoothing"; One
Euro cutoffs in Hz at the video's frame rate); crops still follow the raw
landmarks. Writes, per input, `<stem>.json`, an annotated `<stem>.jpg` /
`<stem>.mp4` and `<stem>_pts/*.pts` (see
landmark1d/serving/prediction_files.py). With a detector export, the faces of
--batch_size images (a folder's, or the listed ones in a row) go through the
model in one call. Exits 1 if any input failed.
"""

import sys

from absl import flags
from absl import logging
import keras

from experiments import cli
from landmark1d.geometry import temporal_filters
from landmark1d.serving import face_detection
from landmark1d.serving import media
from landmark1d.serving import prediction_files
from landmark1d.serving import predictor

_MODEL = flags.DEFINE_string("model", None, "Exported SavedModel folder.",
                             required=True)
_INPUT = flags.DEFINE_list("input", None, "Images, videos, folders or "
                           "webcam indices (comma separated).", required=True)
_OUTPUT_DIR = flags.DEFINE_string("output_dir", None, "Output folder.",
                                  required=True)
_BOXES = flags.DEFINE_string("boxes", None, "Face boxes 'x0,y0,x1,y1;...' in "
                             "the landmark-box convention; default: detect.")
_DETECTOR = flags.DEFINE_enum("detector", "auto", ["auto", "dlib", "none"],
                              "Face detector; auto: dlib unless --boxes.")
_MIN_CONFIDENCE = flags.DEFINE_float(
    "min_confidence", predictor.DEFAULT_MIN_CONFIDENCE, "Re-detect a tracked face below this mean "
    "confidence, in [0, 1] (needs a detector).")
_MAX_FRAMES = flags.DEFINE_integer("max_frames", 0, "Stop each video after "
                                   "this many frames (0: all).")
_ANNOTATE = flags.DEFINE_bool("annotate", True, "Write annotated images / "
                              "video.")
_PTS = flags.DEFINE_bool("pts", True, "Write .pts files.")
_SMOOTHING = flags.DEFINE_enum(
    "smoothing", "none", list(temporal_filters.NAMES),
    "Temporal filter on video landmarks (images ignore it): ema or one_euro.")
_EMA_ALPHA = flags.DEFINE_float(
    "ema_alpha", 0.5, "EMA weight of the new frame, in (0, 1].")
_ONE_EURO_MIN_CUTOFF = flags.DEFINE_float(
    "one_euro_min_cutoff", 1.0, "One Euro cutoff at rest, Hz (at the "
    "video's frame rate); lower smooths still faces more.")
_ONE_EURO_BETA = flags.DEFINE_float(
    "one_euro_beta", 0.05, "One Euro cutoff gained per px/s of landmark "
    "speed (1/px); higher lags less on fast motion.")
_ONE_EURO_D_CUTOFF = flags.DEFINE_float(
    "one_euro_d_cutoff", 1.0, "One Euro cutoff of the speed estimate, Hz.")
_BATCH_SIZE = flags.DEFINE_integer(
    "batch_size", 8, "Images whose faces share one model call (detector "
    "exports; a tracker's images go one by one).", lower_bound=1)


def _parse_boxes(text: str):
  try:
    return [[float(v) for v in box.split(",")] for box in text.split(";")]
  except ValueError as e:
    raise predictor.InputError(
        f"--boxes: expected 'x0,y0,x1,y1' numbers separated by ';', got "
        f"{text!r}") from e


def _smoothing(fps: float):
  """The --smoothing filter for a video at `fps` frames per second."""
  name = _SMOOTHING.value
  params = {"none": {}, "ema": {"alpha": _EMA_ALPHA.value},
            "one_euro": {"min_cutoff": _ONE_EURO_MIN_CUTOFF.value,
                         "beta": _ONE_EURO_BETA.value,
                         "d_cutoff": _ONE_EURO_D_CUTOFF.value,
                         "frequency": fps}}[name]
  try:
    return temporal_filters.make_filter(name, **params)
  except ValueError as e:
    raise predictor.InputError(f"--smoothing={name}: {e}") from e


def _process(source, model, find_faces, start_boxes):
  """Runs one input through the model and writes its files."""
  if source.kind == "image":
    frames, total, fps = [media.read_image(source.path)], 1, 25.0
    smoothing = None
  else:
    video = media.Video(source)
    frames, total, fps = video, video.frame_count, video.fps
    smoothing = _smoothing(fps)
  tracker = predictor.FaceTracker(
      model, find_faces,
      _MIN_CONFIDENCE.value if find_faces is not None else 0.0, smoothing)
  tracker.start(start_boxes)
  if _MAX_FRAMES.value and source.kind != "image":
    total = min(total or _MAX_FRAMES.value, _MAX_FRAMES.value)
  writer = prediction_files.PredictionWriter(
      _OUTPUT_DIR.value, source, model, fps, _ANNOTATE.value, _PTS.value)
  # A progress bar's cursor codes would land in redirected output.
  progress = keras.utils.Progbar(total, unit_name="frame") if (
      source.kind != "image" and sys.stdout.isatty()) else None
  for index, frame in enumerate(frames):
    if _MAX_FRAMES.value and index >= _MAX_FRAMES.value:
      break
    if source.kind == "image":
      tracker.start(start_boxes)  # images are independent
    faces = tracker(frame)
    writer.add(index, frame, faces)
    if progress is not None:
      progress.update(index + 1, [("faces", len(faces.boxes))])
  return writer.close()


def _process_images(batch, model, find_faces, start_boxes) -> dict:
  """Runs images through one model call and writes their files.

  Returns:
    `{source: JSON path, or the error that stopped it}`.
  """
  done, images, boxes = {}, {}, {}
  for source in batch:
    try:
      images[source] = media.read_image(source.path)
      boxes[source] = predictor.check_boxes(
          find_faces(images[source]) if start_boxes is None else start_boxes)
    except (ValueError, OSError) as e:
      done[source] = e
      images.pop(source, None)
  faces = model.detect_images(list(images.values()), list(boxes.values()))
  for (source, image), found in zip(images.items(), faces):
    try:
      writer = prediction_files.PredictionWriter(
          _OUTPUT_DIR.value, source, model, annotate=_ANNOTATE.value,
          write_pts=_PTS.value)
      writer.add(0, image, found)
      done[source] = writer.close()
    except (ValueError, OSError) as e:
      done[source] = e
  return done


def _batches(sources, batch_images: bool):
  """Runs of up to --batch_size consecutive images; other inputs alone."""
  batch = []
  for source in sources:
    if batch_images and source.kind == "image":
      batch.append(source)
      if len(batch) == _BATCH_SIZE.value:
        yield batch
        batch = []
    else:
      if batch:
        yield batch
        batch = []
      yield [source]
  if batch:
    yield batch


def main(argv):
  del argv
  logging.set_verbosity(logging.WARNING)
  errors = 0
  # Bad filter and threshold values fail before any input is read.
  _smoothing(25.0)
  predictor.check_min_confidence(_MIN_CONFIDENCE.value, "--min_confidence")
  # The model and inputs first: a wrong path is named before dlib is asked for.
  model = predictor.ExportedModel(_MODEL.value)
  sources = media.sources(_INPUT.value)
  boxes = _parse_boxes(_BOXES.value) if _BOXES.value else None
  detector = _DETECTOR.value
  if detector == "auto":
    detector = "none" if boxes is not None else "dlib"
  if detector == "none" and boxes is None:
    raise predictor.InputError("--detector=none needs --boxes")
  find_faces = face_detection.HogFaceDetector() if (
      detector == "dlib") else None
  batch_images = not model.is_tracker  # a tracker's images: its first step
  for batch in _batches(sources, batch_images):
    if batch_images and batch[0].kind == "image":
      done = _process_images(batch, model, find_faces, boxes)
    else:
      try:
        done = {batch[0]: _process(batch[0], model, find_faces, boxes)}
      except (ValueError, OSError) as e:
        done = {batch[0]: e}
    for source in batch:
      if isinstance(done[source], Exception):
        errors += 1
        print(f"landmark1d-predict: error: {done[source]}", file=sys.stderr)
      else:
        print(f"{source.path}: landmarks written to {done[source]}")
  if errors:
    sys.exit(1)


def run():
  """Console-script entry point."""
  cli.run(main)


if __name__ == "__main__":
  run()
