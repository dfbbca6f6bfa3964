"""landmark1d-predict runs a synthetic video end to end and fails clearly."""

from importlib import metadata
import json
import os
import subprocess
import sys

import cv2
import numpy as np
import tensorflow as tf

from landmark1d.geometry import coordinates
from landmark1d.geometry import pts
from landmark1d.geometry import temporal_filters
from landmark1d.serving import media
from landmark1d.serving import predictor
from landmark1d_datasets.synthetic_faces import motion

FRAMES = 6


def _predict(*args):
  env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
  return subprocess.run([sys.executable, "-m", "experiments.predict", *args],
                        capture_output=True, text=True, env=env, timeout=300,
                        cwd=os.path.dirname(os.path.dirname(
                            os.path.dirname(os.path.abspath(__file__)))))


def _synthetic_video(path):
  clip = motion.render_clip(3, num_frames=FRAMES, image_size=96)
  writer = media.VideoWriter(str(path), 10.0, (96, 96))
  for frame in clip.images:
    writer.write(frame)
  writer.close()
  points = clip.landmarks[0]
  return np.concatenate([points.min(0), points.max(0)])


def _track_video(tmp_path, model, *args):
  """Runs the CLI's tracker on a synthetic video from its first face box.

  Returns:
    `(video path, box (4,), output folder)`.
  """
  video = tmp_path / "face.mp4"
  box = _synthetic_video(video)
  out = tmp_path / "out"
  proc = _predict(f"--model={model}", f"--input={video}",
                  f"--output_dir={out}", "--boxes=" + ",".join(map(str, box)),
                  *args)
  assert proc.returncode == 0, proc.stderr[-3000:]
  return video, box, out


def test_a_video_gives_a_playable_annotated_video_and_a_json_entry_per_frame(
    tmp_path, tiny_exports):
  video, box, out = _track_video(tmp_path, tiny_exports["tracker"])
  record = json.loads((out / "face.json").read_text())
  assert [f["frame"] for f in record["frames"]] == list(range(FRAMES))
  assert all(len(f["faces"]) == 1 for f in record["frames"])
  # Frame 0 is the tracker's first step on the given box (raw signatures).
  first = next(iter(media.Video(media.Source(str(video), "video"))))
  sigs = tf.saved_model.load(tiny_exports["tracker"]).signatures
  want = sigs["track_step_image"](
      image=tf.constant(first), boxes=tf.constant(box[None], tf.float32),
      **sigs["zero_state"](batch_size=tf.constant(1)))["landmarks"][0]
  np.testing.assert_allclose(record["frames"][0]["faces"][0]["landmarks"],
                             want.numpy(), atol=1e-4)
  # Frame 1 was cropped around frame 0's landmarks.
  np.testing.assert_allclose(
      record["frames"][1]["faces"][0]["box"],
      np.concatenate([want.numpy().min(0), want.numpy().max(0)]), atol=1e-4)
  played = cv2.VideoCapture(str(out / "face.mp4"))
  count = 0
  while played.read()[0]:
    count += 1
  assert count == FRAMES
  written = pts.read(str(out / "face_pts" / "000002_0.pts"), 68)
  np.testing.assert_allclose(
      coordinates.from_pts(written),
      record["frames"][1]["faces"][0]["landmarks"], atol=1e-4)


def test_a_corrupt_input_is_named_and_the_exit_code_is_nonzero(
    tmp_path, tiny_exports):
  good = tmp_path / "good.png"
  media.write_image(str(good), np.full((64, 64, 3), 90, np.uint8))
  bad = tmp_path / "bad.mp4"
  bad.write_bytes(os.urandom(2048))
  out = tmp_path / "out"
  proc = _predict(f"--model={tiny_exports['detector']}",
                  f"--input={good},{bad}", f"--output_dir={out}",
                  "--boxes=10,10,50,50")
  assert proc.returncode == 1
  assert f"{bad}: cannot read a frame" in proc.stderr
  assert "Traceback" not in proc.stderr
  # The readable input was still processed.
  assert len(json.loads((out / "good.json").read_text())["frames"]) == 1
  assert (out / "good.jpg").exists()


def test_a_folder_is_batched_across_images_as_one_face_at_a_time(
    tmp_path, tiny_exports):
  folder = tmp_path / "photos"
  folder.mkdir()
  rng = np.random.default_rng(0)
  sizes = {"a.png": (70, 90), "b.png": (50, 64), "c.jpg": (96, 80)}
  for name, (height, width) in sizes.items():
    media.write_image(str(folder / name),
                      rng.integers(0, 256, (height, width, 3), np.uint8))
  (folder / "broken.png").write_bytes(b"not an image")
  out = tmp_path / "out"
  boxes = [[10, 12, 40, 44], [30, 20, 62, 58]]
  # Batches of two: [a, b] then [broken, c], the broken file dropped alone.
  proc = _predict(f"--model={tiny_exports['detector']}", f"--input={folder}",
                  f"--output_dir={out}", "--batch_size=2", "--pts=false",
                  "--boxes=" + ";".join(",".join(map(str, b)) for b in boxes))
  assert proc.returncode == 1
  errors = [line for line in proc.stderr.splitlines()
            if line.startswith("landmark1d-predict:")]
  assert errors == [f"landmark1d-predict: error: {folder / 'broken.png'}: "
                    f"cannot decode as an image (corrupt or not an image "
                    f"file)"]
  # Reference: each face alone through detect_image.
  model = predictor.ExportedModel(tiny_exports["detector"])
  for name in sizes:
    image = media.read_image(str(folder / name))
    faces = json.loads((out / (name[0] + ".json")).read_text())["frames"]
    assert len(faces) == 1 and len(faces[0]["faces"]) == 2
    for face, box in zip(faces[0]["faces"], boxes):
      want = model.detect_image(image, [box])
      np.testing.assert_allclose(face["landmarks"], want.landmarks[0],
                                 atol=1e-4)
      np.testing.assert_allclose(face["confidence"], want.confidence[0],
                                 atol=1e-5)
    assert (out / (name[0] + ".jpg")).exists()


def test_bad_boxes_and_a_missing_model_exit_with_a_message(tmp_path,
                                                           tiny_exports):
  image = tmp_path / "a.png"
  media.write_image(str(image), np.zeros((16, 16, 3), np.uint8))
  proc = _predict(f"--model={tiny_exports['detector']}", f"--input={image}",
                  f"--output_dir={tmp_path}", "--boxes=1,2,three,4")
  assert proc.returncode == 1 and "--boxes: expected" in proc.stderr
  proc = _predict(f"--model={tmp_path / 'nowhere'}", f"--input={image}",
                  f"--output_dir={tmp_path}", "--boxes=1,2,8,9")
  assert proc.returncode == 1 and "no saved_model.pb" in proc.stderr


def test_the_console_script_is_declared():
  scripts = {e.name: e.value for e in metadata.entry_points(
      group="console_scripts")}
  assert scripts.get("landmark1d-predict") == "experiments.predict:run"


def test_one_euro_smoothing_writes_filtered_tracks_that_jitter_no_more(
    tmp_path, tiny_exports):
  video, box, out = _track_video(
      tmp_path, tiny_exports["tracker"], "--smoothing=one_euro",
      "--one_euro_min_cutoff=0.5", "--one_euro_beta=0.01", "--annotate=false")
  record = json.loads((out / "face.json").read_text())["frames"]
  shown = np.array([f["faces"][0]["landmarks"] for f in record])
  assert shown.shape == (FRAMES, 68, 2)
  assert len(list((out / "face_pts").iterdir())) == FRAMES
  # Reference: the unsmoothed track in-process, then the filter at the
  # video's frame rate (10 fps as written).
  frames = media.Video(media.Source(str(video), "video"))
  tracker = predictor.FaceTracker(predictor.ExportedModel(
      tiny_exports["tracker"]))
  tracker.start(box)
  raw = np.stack([tracker(frame).landmarks[0] for frame in frames])
  assert frames.fps == 10.0
  want = temporal_filters.filter_sequence(raw, temporal_filters.OneEuroFilter(
      min_cutoff=0.5, beta=0.01, d_cutoff=1.0, frequency=10.0))
  np.testing.assert_allclose(shown, want, atol=1e-3)

  def motion(points):
    return np.linalg.norm(np.diff(points, axis=0), axis=-1).mean()
  assert motion(shown) <= motion(raw)


def test_bad_ema_or_one_euro_values_exit_with_one_line(tmp_path, tiny_exports):
  image = tmp_path / "a.png"
  media.write_image(str(image), np.zeros((16, 16, 3), np.uint8))
  proc = _predict(f"--model={tiny_exports['detector']}", f"--input={image}",
                  f"--output_dir={tmp_path}", "--boxes=1,2,8,9",
                  "--smoothing=ema", "--ema_alpha=1.5")
  assert proc.returncode == 1
  assert "--smoothing=ema: alpha must be in (0, 1], got 1.5" in proc.stderr
  assert "Traceback" not in proc.stderr


def test_a_min_confidence_above_1_exits_with_one_line(tmp_path, tiny_exports):
  image = tmp_path / "a.png"
  media.write_image(str(image), np.zeros((16, 16, 3), np.uint8))
  proc = _predict(f"--model={tiny_exports['detector']}", f"--input={image}",
                  f"--output_dir={tmp_path}", "--min_confidence=2")
  assert proc.returncode == 1
  assert ("--min_confidence must be in [0, 1] (the range of confidence), "
          "got 2.0") in proc.stderr
  assert "Traceback" not in proc.stderr
