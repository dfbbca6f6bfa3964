"""Experiment helpers that need no training: CV folds, config round trip, the
tracker's detector-run check."""

import pytest
import tensorflow as tf

from experiments import configs as registry
from landmark1d import configs
from landmark1d import experiment


@pytest.mark.parametrize("folds", [2, 3, 10])
def test_folds_partition_the_training_split(folds):
  held_out = []
  for k in range(folds):
    train, test = experiment.fold_splits("train", k, folds)
    lo, hi = (int(x.rstrip("%")) for x in test[len("train["):-1].split(":"))
    held_out.append((lo, hi))
    # The training part is everything but the held-out percent range.
    pieces = train.split("+")
    assert all(p.startswith("train[") for p in pieces)
    assert f":{lo}%]" in train or lo == 0
    assert f"[{hi}%:]" in train or hi == 100
  assert held_out[0][0] == 0 and held_out[-1][1] == 100
  assert all(a[1] == b[0] for a, b in zip(held_out, held_out[1:]))


def test_fold_out_of_range_is_rejected():
  with pytest.raises(ValueError, match="fold"):
    experiment.fold_splits("train", 3, 3)


def test_workdir_config_round_trips(tmp_path):
  config = registry.get("synthetic_det1d")
  experiment._write_config(config, str(tmp_path))  # pylint: disable=protected-access
  assert experiment.load_config(str(tmp_path)) == config


def test_missing_workdir_config_names_the_file(tmp_path):
  with pytest.raises(FileNotFoundError, match="config.json"):
    experiment.load_config(str(tmp_path / "nowhere"))


def test_unknown_dataset_is_a_dataset_error(tmp_path):
  with pytest.raises(experiment.DatasetError, match="unknown dataset"):
    experiment.records("no_such_set", "train", data_dir=str(tmp_path))


def _detector_run(path, name, steps_done, **overrides):
  """A fake detector workdir: its config.json and a checkpoint at a step."""
  config = configs.override(registry.get(name), [
      f"{k.replace('__', '.')}={v}" for k, v in overrides.items()])
  experiment._write_config(config, str(path))  # pylint: disable=protected-access
  if steps_done:
    step = tf.Variable(steps_done, dtype=tf.int64)
    tf.train.CheckpointManager(tf.train.Checkpoint(step=step),
                               str(path / "checkpoints"), 3).save(
                                   checkpoint_number=steps_done)
  return str(path)


def _tracker(**overrides):
  return configs.override(registry.get("synthetic_trk1d_smoke"), [
      f"tracker.{k}={v}" for k, v in overrides.items()])


def test_tracker_without_its_detector_run_names_the_command(tmp_path):
  workdir = tmp_path / "runs" / "trk"
  with pytest.raises(experiment.DetectorRunError) as error:
    experiment.train(_tracker(), str(workdir))
  message = str(error.value)
  expected = str(tmp_path / "runs" / "synthetic_det1d_L192_smoke")
  assert ("python -m experiments.train_detector --config="
          f"synthetic_det1d_L192_smoke --workdir={expected}") in message
  assert f"--set=tracker.detector_workdir={expected}" in message
  assert "tracker.from_scratch=true" in message
  assert not workdir.exists()  # failed before writing anything


@pytest.mark.parametrize("name, steps_done, overrides, message", [
    ("synthetic_det1d_L192_smoke", 2, {}, r"unfinished \(step 2 of 4"),
    ("synthetic_det1d_L192_smoke", 0, {}, r"unfinished \(step 0 of 4"),
    ("synthetic_det1d_smoke", 4, {},
     "trained from config 'synthetic_det1d_smoke', not "
     "'synthetic_det1d_L192_smoke'"),
    ("synthetic_det1d_L192_smoke", 4, {"model__heatmap_length": 32},
     "its heatmap_length is 32, the tracker's 64"),
    ("synthetic_det1d_L192_smoke", 4, {"model__head": "2d"},
     "its head is '2d', the tracker's '1d'"),
    ("synthetic_trk1d_smoke", 4, {"tracker__from_scratch": "true"},
     "it is a tracker run"),
])
def test_tracker_refuses_a_wrong_or_unfinished_detector_run(
    tmp_path, name, steps_done, overrides, message):
  run = _detector_run(tmp_path / "det", name, steps_done, **overrides)
  with pytest.raises(experiment.DetectorRunError, match=message):
    experiment.check_detector_run(_tracker(detector_workdir=run),
                                  str(tmp_path / "trk"))


def test_tracker_accepts_a_finished_run_or_from_scratch(tmp_path):
  run = _detector_run(tmp_path / "det", "synthetic_det1d_L192_smoke", 4)
  experiment.check_detector_run(_tracker(detector_workdir=run), "trk")
  experiment.check_detector_run(_tracker(from_scratch="true"), "trk")
  with pytest.raises(experiment.DetectorRunError, match="no config.json"):
    experiment.check_detector_run(
        _tracker(detector_workdir=str(tmp_path / "none")), "trk")
  with pytest.raises(ValueError, match="contradict"):
    _tracker(detector_workdir=run, from_scratch="true")
