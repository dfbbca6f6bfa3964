"""docs/own_data.md, run: every command of its bash blocks, in order, on a
generated folder of 98 points (.pts files beside the images). Five points
run through the same steps in tests/experiments/test_rehearsal.py (the
builder's dummy_data/); each command here is a process importing TensorFlow,
so the walk runs once.

The commands run as written from the folder's parent, with
`custom_det1d_smoke` for `custom_det1d` (seconds, not hours), the new photo's
true box for `--boxes` and `landmark1d-predict` as `python -m
experiments.predict` (the console script's module).
"""

from __future__ import annotations

import json
import os
import pathlib
import shlex
import subprocess
import sys

import cv2
import numpy as np

from landmark1d_datasets import make_dummy_data

ROOT = pathlib.Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "own_data.md"


def doc_commands() -> list[list[str]]:
  """The commands of the doc's bash blocks, as argument lists."""
  text = DOC.read_text()
  blocks = [part.split("```", 1)[0] for part in text.split("```bash")[1:]]
  commands = []
  for block in blocks:
    for line in block.replace("\\\n", " ").splitlines():
      if line.strip():
        commands.append(shlex.split(line))
  return commands


def _as_run(words: list[str], box) -> list[str]:
  if words[0] == "landmark1d-predict":
    words = ["python", "-m", "experiments.predict"] + words[1:]
  assert words[0] == "python", words
  out = [sys.executable]
  for word in words[1:]:
    if word == "--config=custom_det1d":
      word += "_smoke"
    elif word.startswith("--boxes="):
      word = "--boxes=" + ",".join(f"{v:.1f}" for v in box)
    out.append(word)
  return out


def _new_photo(path: pathlib.Path, num_points: int) -> np.ndarray:
  """Writes a photo outside the folder; returns its face's landmark box."""
  rng = np.random.default_rng(7)
  face = make_dummy_data.face_68(rng, make_dummy_data.FOLDER_SIZE)
  image = make_dummy_data.draw_faces(
      make_dummy_data.background(make_dummy_data.FOLDER_SIZE, rng), [face])
  assert cv2.imwrite(str(path), image)
  points = make_dummy_data.folder_points(face, num_points)
  return np.concatenate([points.min(0), points.max(0)])


def test_own_data_doc_commands_are_the_documented_steps():
  modules = [w[2] if w[0] == "python" else w[0] for w in doc_commands()]
  assert modules == ["experiments.build_dataset",
                     "experiments.train_detector", "experiments.evaluate",
                     "experiments.export", "landmark1d-predict",
                     "experiments.train_detector"]


def test_own_data_doc_runs_on_a_generated_folder_of_98_points(tmp_path):
  num_points = 98
  make_dummy_data.write_landmarks_folder(str(tmp_path / "my_faces"),
                                         num_points, "pts")
  box = _new_photo(tmp_path / "new_photo.jpg", num_points)
  scheme = make_dummy_data.folder_scheme(num_points)
  env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", PYTHONPATH=str(ROOT))
  outputs = []
  for words in doc_commands():
    proc = subprocess.run(_as_run(words, box), cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, (words, proc.stderr[-3000:])
    outputs.append(proc.stdout + proc.stderr)
  # build: the folder's splits (FOLDER_CLIPS: 2 clips of 4 frames, 1 of 4).
  assert "  test: 4 examples" in outputs[0]
  assert "  train: 8 examples" in outputs[0]
  run = tmp_path / "runs" / "my_faces"
  config = json.loads((run / "config.json").read_text())
  assert config["data"]["landmark_set"] == scheme["name"]
  assert config["data"]["scheme"]["names"] == scheme["names"]
  assert config["data"]["scheme"]["interocular"] == scheme[
      "normalizing_points"]
  # evaluate: every test face scored, each of the scheme's groups too.
  summary = json.loads((run / "eval" / "summary.json").read_text())
  assert summary["test"]["images"] == 4
  assert np.isfinite(summary["test"]["nrmse_percent"])
  scores = json.loads((run / "eval" / "test.json").read_text())
  assert set(scores["model"]["regions"]) == set(scheme["groups"])
  # export: the scheme travels in the SavedModel's assets.
  assets = json.loads((run / "saved_model" / "assets.extra" /
                       "landmark1d.json").read_text())
  assert assets["scheme"]["flip_permutation"] == config["data"]["scheme"][
      "flip_permutation"]
  # predict: N points per face, with the scheme's names.
  record = json.loads((tmp_path / "out" / "new_photo.json").read_text())
  assert record["landmark_names"] == scheme["names"]
  faces = record["frames"][0]["faces"]
  assert len(faces) == 1 and np.shape(faces[0]["landmarks"]) == (
      num_points, 2)
  assert (tmp_path / "out" / "new_photo.jpg").exists()
  # fine-tuning from the first run: the same N, so every weight is restored.
  line = [ln for ln in outputs[5].splitlines() if "init_from" in ln]
  assert len(line) == 1 and "new: none" in line[0], outputs[5][-2000:]
  assert f"init_from runs/my_faces (step 4, custom_det1d_smoke, " \
         f"{scheme['name']}): restored " in line[0]
