"""Experiment helpers that need no training: CV folds, config round trip."""

import pytest

from experiments import configs as registry
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
