"""Experiment helpers that need no training: CV folds, config round trip, the
tracker's detector-run check."""

import json
import os

import numpy as np
import pytest
import tensorflow as tf

from experiments import configs as registry
from landmark1d import configs
from landmark1d import experiment
from landmark1d.eval import metrics
from landmark1d.eval import scoring
from landmark1d.train import loop


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
  with pytest.raises(experiment.DetectorRunError, match=message):
    experiment.check_detector_run(_tracker(detector_workdir=run),
                                  str(tmp_path / "trk"))


def test_tracker_accepts_a_finished_run_or_from_scratch(tmp_path):
  run = _detector_run(tmp_path / "det", "synthetic_det1d_smoke", 4)
  experiment.check_detector_run(_tracker(detector_workdir=run), "trk")
  experiment.check_detector_run(_tracker(from_scratch="true"), "trk")
  with pytest.raises(experiment.DetectorRunError, match="no config.json"):
    experiment.check_detector_run(
        _tracker(detector_workdir=str(tmp_path / "none")), "trk")
  with pytest.raises(ValueError, match="contradict"):
    _tracker(detector_workdir=run, from_scratch="true")


def test_talking_face_is_scored_against_its_own_markup():
  # Talking Face's ground truth is its own 68-point markup; the model predicts
  # iBUG 68. The 7 common points are iBUG (36, 39, 42, 45, 30, 48, 54) and
  # Talking Face (27, 29, 34, 32, 67, 48, 54).
  rng = np.random.default_rng(0)
  truth = rng.uniform(50, 250, (3, 68, 2))
  pred = rng.uniform(50, 250, (3, 68, 2))
  ibug = [36, 39, 42, 45, 30, 48, 54]
  talking_face = [27, 29, 34, 32, 67, 48, 54]
  pred[:, ibug] = truth[:, talking_face]
  pred[1, ibug] += (3.0, 4.0)  # every common point 5 px off in image 1
  predictions = scoring.Predictions(pred, truth, np.ones((3, 68), bool),
                                    ["a", "b", "c"])
  scores = experiment.score(registry.get("table4_tf"), predictions)
  # Normalised by the outer eye corners in Talking Face's markup.
  interocular = np.linalg.norm(truth[1, 27] - truth[1, 32])
  np.testing.assert_allclose(scores.errors, [0.0, 5.0 / interocular, 0.0],
                             atol=1e-9)


def test_a_missing_eval_split_stops_training_before_it_starts(mini_data_dir,
                                                              tmp_path):
  config = configs.override(registry.get("synthetic_det1d_smoke"), [
      f"data.data_dir={mini_data_dir}", "data.dataset=synthetic_faces/mini",
      "data.eval_splits=test,frontal"])
  with pytest.raises(experiment.DatasetError,
                     match=r"data.eval_splits: .*no split 'frontal'"):
    experiment.train(config, str(tmp_path / "run"))
  assert not (tmp_path / "run").exists()


def test_video_splits_become_one_source_per_video(mini_data_dir):
  data = configs.override(registry.get("synthetic_trk1d_smoke"), [
      f"data.data_dir={mini_data_dir}",
      "data.dataset=synthetic_faces/mini_video"]).data
  ordered = [e["video_id"] for e in experiment.records(
      "synthetic_faces/mini_video", "train",
      data_dir=mini_data_dir).as_numpy_iterator()]
  sources, sizes = experiment.training_sources(data)
  videos = [[e["video_id"] for e in s.as_numpy_iterator()] for s in sources]
  assert sizes == [len(v) for v in videos] == [8, 8, 8, 8]
  assert all(len(set(v)) == 1 for v in videos)
  assert sum(videos, []) == ordered  # every frame once, in order
  # A percent slice (a cross-validation fold) is cut the same way; an extra
  # image set is one more source, sampled by its size (the union).
  data.train_splits = ("train[25%:]",)
  data.extra_train_datasets = ("synthetic_faces/mini:train",)
  sources, sizes = experiment.training_sources(data)
  assert sizes == [8, 8, 8, 48]
  assert set(sources[0].element_spec) == {"image", "landmarks", "visible",
                                          "box", "image_id"}


@pytest.mark.parametrize("name", ["table4_300vw", "table1_trk2d_L64"])
def test_a_paper_tracker_batch_holds_the_papers_10_frames(mini_data_dir,
                                                          name):
  # Sec. 5.1: "A training batch contains 10 facial images or frames."
  config = configs.override(registry.get(name), [
      f"data.data_dir={mini_data_dir}",
      "data.dataset=synthetic_faces/mini_video", "data.crop_size=32",
      "model.heatmap_length=32", "data.shuffle_buffer=8",
      "data.augment=false"])
  batch = next(iter(experiment.training_stream(config)))
  clips, frames = batch["image"].shape[:2]
  assert clips * frames == 10 and frames == config.data.clip_length > 1
  assert len(batch["mask"]) == clips


def test_a_tracker_batch_must_hold_whole_clips():
  with pytest.raises(ValueError, match=r"batch_size counts frames for "
                     r"trackers: it must be a multiple of data.clip_length "
                     r"\(5\), got 8"):
    configs.override(registry.get("table4_300vw"), ["train.batch_size=8"])


def _mini_video(name, mini_data_dir):
  return configs.override(registry.get(name), [
      f"data.data_dir={mini_data_dir}",
      "data.dataset=synthetic_faces/mini_video"])


def test_video_folds_hold_out_whole_videos(mini_data_dir):
  folds = experiment.cv_folds(_mini_video("synthetic_trk1d_smoke",
                                          mini_data_dir).data, 2)
  # 4 videos of 8 frames: each fold holds out 2 whole videos.
  assert folds == [("train[16:32]", "train[0:16]"),
                   ("train[0:16]", "train[16:32]")]


def test_lambda_cross_validation_retrains_the_detector_on_every_fold(
    mini_data_dir, tmp_path, monkeypatch):
  calls = []

  def fake_train(config, workdir, **_):
    calls.append(("train", config.name, config.data.train_splits,
                  config.tracker.detector_workdir, workdir))

  def fake_evaluate(config, workdir, **_):
    split = config.data.eval_splits[0]
    score = scoring.SplitScores(summary=metrics.Summary(
        count=1, nrmse=10 * config.tracker.fusion_lambda + 1, auc={},
        failure_rate={}), errors=np.zeros(1), regions={})
    return {split: {"model": score}}

  monkeypatch.setattr(experiment, "train", fake_train)
  monkeypatch.setattr(experiment, "evaluate", fake_evaluate)
  tracker = _mini_video("synthetic_trk1d_smoke", mini_data_dir)
  detector = _mini_video("synthetic_det1d_smoke", mini_data_dir)
  with pytest.raises(ValueError, match="needs its detector's config"):
    experiment.cross_validate(tracker, str(tmp_path), parameter="lambda",
                              values=[0.5], folds=2)
  result = experiment.cross_validate(
      tracker, str(tmp_path), parameter="lambda", values=[0.5, 0.1], folds=2,
      detector=detector)
  assert result["best"] == 0.1
  fold_dirs = [str(tmp_path / "detector" / f"fold{k}") for k in range(2)]
  assert calls[:2] == [
      ("train", detector.name, ("train[16:32]",), None, fold_dirs[0]),
      ("train", detector.name, ("train[0:16]",), None, fold_dirs[1])]
  trackers = calls[2:]
  assert [c[2] for c in trackers] == [("train[16:32]",), ("train[0:16]",)] * 2
  assert [c[3] for c in trackers] == fold_dirs * 2  # each fold's own detector


def test_a_row_is_scored_from_a_run_with_the_same_training(mini_data_dir,
                                                           tmp_path):
  def mini(name):
    return configs.override(registry.get(name), [
        f"data.data_dir={mini_data_dir}", "data.dataset=synthetic_faces/mini",
        "eval.max_examples=8"])

  # A "run": the config and a checkpoint of an untrained model, as training
  # writes them.
  run = tmp_path / "synthetic_det1d_L192_smoke"
  trained = mini("synthetic_det1d_L192_smoke")
  experiment._write_config(trained, str(run))  # pylint: disable=protected-access
  model = experiment.build_detector(trained)
  tf.train.CheckpointManager(tf.train.Checkpoint(
      model=loop.checkpoint_variables(model),
      step=tf.Variable(4, dtype=tf.int64)), str(run / "checkpoints"), 1).save(
          checkpoint_number=4)
  # synthetic_det1d trains exactly what synthetic_det1d_L192 trains.
  out = str(tmp_path / "synthetic_det1d_smoke")
  experiment.evaluate(mini("synthetic_det1d_smoke"), out,
                      model_workdir=str(run), log=lambda _: None)
  summary = json.load(open(os.path.join(out, "eval", "summary.json")))
  assert (summary["config"], summary["decoder"]) == ("synthetic_det1d_smoke",
                                                     "argmax")
  assert summary["test"]["images"] == 8
  with pytest.raises(ValueError, match=r"model.coattention_gamma: 0.3 there, "
                     r"0.0 in synthetic_det1d_gamma0.0_smoke"):
    experiment.evaluate(mini("synthetic_det1d_gamma0.0_smoke"),
                        str(tmp_path / "g0"), model_workdir=str(run))
