"""A run's config file, the tracker's detector-run check, init_from."""

import copy
import json
import os

import keras
import numpy as np
import pytest
import tensorflow as tf

from experiments import configs as registry
from landmark1d.geometry import scheme_file
from landmark1d.runs import common
from landmark1d.runs import schema
from landmark1d.runs import train
from landmark1d.training import loop
from landmark1d_datasets import make_dummy_data


def test_workdir_config_round_trips(tmp_path):
  config = registry.get("synthetic_det1d")
  common.write_config(config, str(tmp_path))
  assert common.load_config(str(tmp_path)) == config


def test_model_head_width_sets_the_width_of_every_head_convolution():
  config = schema.override(registry.get("synthetic_det1d_mobile_smoke"),
                           ["model.head_width=8"])
  model = common.build_detector(config)
  head = model.get_layer("head0")
  assert head.width == 8
  kernels = [w for w in head.weights if "cnn1x_conv0" in w.path
             and w.path.endswith("kernel")]
  assert [tuple(k.shape) for k in kernels] == [(3, 3, 8, 8)]


def test_missing_workdir_config_names_the_file(tmp_path):
  with pytest.raises(FileNotFoundError, match="config.json"):
    common.load_config(str(tmp_path / "nowhere"))


def _detector_run(path, name, steps_done, **overrides):
  """A fake detector workdir: its config.json and a checkpoint at a step."""
  config = schema.override(registry.get(name), [
      f"{k.replace('__', '.')}={v}" for k, v in overrides.items()])
  common.write_config(config, str(path))
  if steps_done:
    step = tf.Variable(steps_done, dtype=tf.int64)
    tf.train.CheckpointManager(tf.train.Checkpoint(step=step),
                               str(path / "checkpoints"), 3).save(
                                   checkpoint_number=steps_done)
  return str(path)


def _tracker(**overrides):
  return schema.override(registry.get("synthetic_trk1d_smoke"), [
      f"tracker.{k}={v}" for k, v in overrides.items()])


def test_tracker_without_its_detector_run_names_the_command(tmp_path):
  workdir = tmp_path / "runs" / "trk"
  with pytest.raises(common.DetectorRunError) as error:
    train.run(_tracker(), str(workdir))
  message = str(error.value)
  expected = str(tmp_path / "runs" / "synthetic_det1d_smoke")
  assert ("python -m experiments.train_detector --config="
          f"synthetic_det1d_smoke --workdir={expected}") in message
  assert f"--set=tracker.detector_workdir={expected}" in message
  assert "tracker.from_scratch=true" in message
  assert not workdir.exists()  # failed before writing anything


@pytest.mark.parametrize("name, steps_done, overrides, message", [
    ("synthetic_det1d_smoke", 2, {}, r"unfinished \(step 2 of 4"),
    ("synthetic_det1d_smoke", 0, {}, r"unfinished \(step 0 of 4"),
    ("synthetic_det1d_L192_smoke", 4, {},
     "trained from config 'synthetic_det1d_L192_smoke', not "
     "'synthetic_det1d_smoke'"),
    ("synthetic_det1d_smoke", 4, {"model__heatmap_length": 32},
     "its heatmap_length is 32, the tracker's 64"),
    ("synthetic_det1d_smoke", 4, {"model__head": "2d"},
     "its head is '2d', the tracker's '1d'"),
    ("synthetic_trk1d_smoke", 4, {"tracker__from_scratch": "true"},
     "it is a tracker run"),
])
def test_tracker_refuses_a_wrong_or_unfinished_detector_run(
    tmp_path, name, steps_done, overrides, message):
  run = _detector_run(tmp_path / "det", name, steps_done, **overrides)
  with pytest.raises(common.DetectorRunError, match=message):
    common.check_detector_run(_tracker(detector_workdir=run),
                              str(tmp_path / "trk"))


def test_tracker_accepts_a_finished_run_or_from_scratch(tmp_path):
  run = _detector_run(tmp_path / "det", "synthetic_det1d_smoke", 4)
  common.check_detector_run(_tracker(detector_workdir=run), "trk")
  common.check_detector_run(_tracker(from_scratch="true"), "trk")
  with pytest.raises(common.DetectorRunError, match="no config.json"):
    common.check_detector_run(
        _tracker(detector_workdir=str(tmp_path / "none")), "trk")
  with pytest.raises(ValueError, match="contradict"):
    _tracker(detector_workdir=run, from_scratch="true")


def test_init_from_restores_the_backbone_into_a_head_of_another_n(tmp_path):
  # The source: a 68-point run with a checkpoint at step 7, as loop.train
  # writes it.
  source_config = registry.get("synthetic_det1d_smoke")
  source_dir = str(tmp_path / "source")
  common.write_config(source_config, source_dir)
  keras.utils.set_random_seed(1)
  source = common.build_model(source_config)
  tf.train.CheckpointManager(
      tf.train.Checkpoint(model=loop.checkpoint_variables(source),
                          step=tf.Variable(7, dtype=tf.int64)),
      os.path.join(source_dir, "checkpoints"), 1).save(checkpoint_number=7)
  # The new run: the same model on a 5-point scheme from a scheme file.
  scheme = scheme_file.parse(json.dumps(make_dummy_data.folder_scheme(5)))
  config = copy.deepcopy(source_config)
  config.data.scheme = scheme.to_dict()
  config.data.landmark_set = scheme.name
  keras.utils.set_random_seed(2)
  model = common.build_model(config.validate())
  fresh = {v.path: v.numpy() for v in model.weights}
  trained = {v.path: v.numpy() for v in source.weights}
  lines = []
  result = common.init_from(model, source_dir, lines.append)
  # Independent reference: a weight is the source's exactly when a weight of
  # its name and shape exists there; the rest (the N-sized head layers)
  # keep their fresh values.
  same = {p for p in fresh
          if p in trained and trained[p].shape == fresh[p].shape}
  assert set(result["restored"]) == same
  assert set(result["new"]) == set(fresh) - same
  assert "stem/conv/kernel" in same and result["new"]
  assert all(p.startswith("head") for p in result["new"])
  for v in model.weights:
    want = trained[v.path] if v.path in same else fresh[v.path]
    np.testing.assert_array_equal(v.numpy(), want, err_msg=v.path)
  assert result["step"] == 7
  assert len(lines) == 1 and lines[0].startswith(
      f"init_from {source_dir} (step 7, synthetic_det1d_smoke, ibug68): "
      f"restored {len(same)} of {len(fresh)} weights by name and shape; "
      f"new: {result['new'][0]}")
