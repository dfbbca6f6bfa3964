"""What a training run checks and streams before its first step, and what a
tracker run keeps, learns and reports."""

import os
import re

import numpy as np
import pytest
import tensorflow as tf

from bench import cell_runs
from experiments import configs as registry
from landmark1d import models
from landmark1d.runs import common
from landmark1d.runs import datasets
from landmark1d.runs import evaluate
from landmark1d.runs import schema
from landmark1d.runs import train
from landmark1d.training import loop


def test_a_missing_eval_split_stops_training_before_it_starts(mini_data_dir,
                                                              tmp_path):
  config = schema.override(registry.get("synthetic_det1d_smoke"), [
      f"data.data_dir={mini_data_dir}", "data.dataset=synthetic_faces/mini",
      "data.eval_splits=test,frontal"])
  with pytest.raises(datasets.DatasetError,
                     match=r"data.eval_splits: .*no split 'frontal'"):
    train.run(config, str(tmp_path / "run"))
  assert not (tmp_path / "run").exists()


@pytest.mark.parametrize("name", ["table4_300vw", "table1_trk2d_L64"])
def test_a_paper_tracker_batch_holds_the_papers_10_frames(mini_data_dir,
                                                          name):
  # Sec. 5.1: "A training batch contains 10 facial images or frames."
  config = schema.override(registry.get(name), [
      f"data.data_dir={mini_data_dir}",
      "data.dataset=synthetic_faces/mini_video", "data.crop_size=32",
      "model.heatmap_length=32", "data.shuffle_buffer=8",
      "data.augment=none"])
  batch = next(iter(train.training_stream(config)))
  clips, frames = batch["image"].shape[:2]
  assert clips * frames == 10 and frames == config.data.clip_length > 1
  assert len(batch["mask"]) == clips


def test_a_tracker_batch_must_hold_whole_clips():
  with pytest.raises(ValueError, match=r"batch_size counts frames for "
                     r"trackers: it must be a multiple of data.clip_length "
                     r"\(5\), got 8"):
    schema.override(registry.get("table4_300vw"), ["train.batch_size=8"])


TRACKER_LR = 1e-4  # the paper's (Sec. 5.1); synthetic configs use 1e-3


def _finished_detector_run(config, workdir):
  """A detector workdir as a finished run leaves it (config.json, a checkpoint
  at the last step), of random weights and batch-norm statistics."""
  model = common.build_detector(config)
  rng = np.random.default_rng(0)
  for variable in model.non_trainable_variables:  # moving means, variances
    low = 0.5 if "variance" in variable.path else -0.2
    variable.assign(rng.uniform(low, low + 1.0, variable.shape))
  common.write_config(config, workdir)
  step = tf.Variable(config.train.steps, dtype=tf.int64)
  tf.train.CheckpointManager(tf.train.Checkpoint(
      model=loop.checkpoint_variables(model), step=step),
      os.path.join(workdir, "checkpoints"), 1).save(
          checkpoint_number=config.train.steps)


@pytest.fixture(scope="module")
def frozen_tracker_run(mini_data_dir, tmp_path_factory):
  """A smoke tracker on a detector run with the detector frozen, precise BN
  asked for, the paper's learning rate and validation at its last step (4)."""
  root = tmp_path_factory.mktemp("frozen")
  detector = registry.get("synthetic_det1d_smoke")
  _finished_detector_run(detector, str(root / "det"))
  tracker = schema.override(registry.get("synthetic_trk1d_smoke"), [
      f"data.data_dir={mini_data_dir}",
      "data.dataset=synthetic_faces/mini_video",
      f"tracker.detector_workdir={root / 'det'}",
      "tracker.freeze_detector=true", "train.bn_stats_examples=12",
      f"train.learning_rate={TRACKER_LR}"])
  lines = []
  train.run(tracker, str(root / "trk"), log=lines.append)
  return dict(detector=detector, detector_dir=str(root / "det"),
              tracker=tracker, tracker_dir=str(root / "trk"), lines=lines,
              model=common.restore(tracker, str(root / "trk")))


def test_a_frozen_detector_leaves_the_tracker_run_exactly_as_trained(
    frozen_tracker_run):
  run = frozen_tracker_run
  trained = common.restore(run["detector"], run["detector_dir"])
  inside = models.detector_of(run["model"])
  names = [v.path for v in trained.variables]
  assert any("moving_variance" in n for n in names)  # batch norm included
  assert all(np.any(v.numpy()) for v in trained.non_trainable_variables
             if "moving_mean" in v.path)  # the run's, not a new detector's
  assert len(inside.variables) == len(trained.variables)
  for name, want, got in zip(names, trained.variables, inside.variables):
    np.testing.assert_array_equal(got.numpy(), want.numpy(), err_msg=name)
  # Precise BN ran and left the frozen detector's statistics alone.
  assert ("batch-norm statistics kept: no trainable batch-norm layer"
          in run["lines"])


def test_a_tracker_trains_at_its_configs_learning_rate(frozen_tracker_run):
  # CNN4's last bias starts at zero, and Adam moves a weight by at most
  # about lr per step (lr g / (|g| + eps) on the first): after 4 steps no
  # entry is past 4 lr, and the largest moved by more than lr / 2.
  run = frozen_tracker_run
  assert run["tracker"].train.learning_rate == TRACKER_LR
  steps = run["tracker"].train.steps
  for key in ("hx", "hy"):
    decoder = run["model"].get_layer(f"{key}_decoder")
    bias = next(w for w in decoder.weights
                if w.path.endswith(f"conv{decoder.upsample - 1}/bias"))
    largest = np.abs(bias.numpy()).max()
    assert TRACKER_LR / 2 < largest <= steps * TRACKER_LR * 1.05, key


def test_a_tracker_run_reports_validation_nrmse_on_streamed_frames(
    frozen_tracker_run, tmp_path):
  run = frozen_tracker_run
  config = run["tracker"]
  logged = [l for l in run["lines"] if "validation NRMSE" in l]
  assert len(logged) == 1
  match = re.fullmatch(r"step 4: validation NRMSE ([0-9.]+)% \(split "
                       r"'validation'\) on 8 frames", logged[0])
  assert match, logged
  curve = cell_runs.validation_curve(run["tracker_dir"])
  assert [step for step, _ in curve] == [4]
  assert abs(curve[0][1] - float(match.group(1))) <= 0.0051
  # The frozen tracker has no batch norm of its own, so the model saved after
  # precise BN is the one validated at step 4: scoring its validation split
  # through evaluation gives the same number.
  scores = evaluate.run(config, str(tmp_path), splits=["validation"],
                        model=run["model"],
                        log=lambda _: None)["validation"]["model"]
  assert scores.summary.count == 8
  np.testing.assert_allclose(curve[0][1], scores.summary.nrmse, atol=1e-3)
