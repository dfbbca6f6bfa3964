"""Cross-validation folds and the lambda search's fold detectors."""

import numpy as np
import pytest

from experiments import configs as registry
from landmark1d.eval import metrics
from landmark1d.eval import scoring
from landmark1d.runs import cross_validation
from landmark1d.runs import evaluate
from landmark1d.runs import schema
from landmark1d.runs import train


@pytest.mark.parametrize("folds", [2, 3, 10])
def test_folds_partition_the_training_split(folds):
  held_out = []
  for k in range(folds):
    rest, test = cross_validation.fold_splits("train", k, folds)
    lo, hi = (int(x.rstrip("%")) for x in test[len("train["):-1].split(":"))
    held_out.append((lo, hi))
    # The training part is everything but the held-out percent range.
    pieces = rest.split("+")
    assert all(p.startswith("train[") for p in pieces)
    assert f":{lo}%]" in rest or lo == 0
    assert f"[{hi}%:]" in rest or hi == 100
  assert held_out[0][0] == 0 and held_out[-1][1] == 100
  assert all(a[1] == b[0] for a, b in zip(held_out, held_out[1:]))


def test_fold_out_of_range_is_rejected():
  with pytest.raises(ValueError, match="fold"):
    cross_validation.fold_splits("train", 3, 3)


def _mini_video(name, mini_data_dir):
  return schema.override(registry.get(name), [
      f"data.data_dir={mini_data_dir}",
      "data.dataset=synthetic_faces/mini_video"])


def test_video_folds_hold_out_whole_videos(mini_data_dir):
  folds = cross_validation.cv_folds(_mini_video("synthetic_trk1d_smoke",
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

  monkeypatch.setattr(train, "run", fake_train)
  monkeypatch.setattr(evaluate, "run", fake_evaluate)
  tracker = _mini_video("synthetic_trk1d_smoke", mini_data_dir)
  detector = _mini_video("synthetic_det1d_smoke", mini_data_dir)
  with pytest.raises(ValueError, match="needs its detector's config"):
    cross_validation.run(tracker, str(tmp_path), parameter="lambda",
                         values=[0.5], folds=2)
  result = cross_validation.run(
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
