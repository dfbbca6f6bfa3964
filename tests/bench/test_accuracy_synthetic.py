"""bench/accuracy_synthetic.py trains, scores and resumes in reduced mode."""

import json
import os

import numpy as np
import pytest

from bench import accuracy_synthetic


def test_reduced_run_scores_every_run_and_a_second_call_trains_nothing(
    tmp_path, mini_data_dir, monkeypatch):
  out, work = str(tmp_path / "out"), str(tmp_path / "runs")
  results = accuracy_synthetic.run("reduced", out, work, mini_data_dir)
  rows = json.loads((tmp_path / "out" / "accuracy_synthetic.json")
                    .read_text())["rows"]
  assert [r["config"] for r in rows] == accuracy_synthetic.RUNS["reduced"]
  assert rows == results["rows"]
  for row in rows:
    assert np.isfinite(row["nrmse_percent"]) and row["nrmse_percent"] > 0
    # The row is the run's own evaluation, not a copy of another run's.
    summary = json.loads(open(os.path.join(
        work, row["workdir"], "eval", "summary.json")).read())["test"]
    assert row["nrmse_percent"] == summary["nrmse_percent"]
    assert row["test_images"] == summary["images"]
  tracker = rows[-1]
  assert tracker["lambda"] == 0.3 and tracker["jitter_percent"] is not None
  assert rows[0]["L_over_F"] == rows[0]["L"] / 32  # smoke crops are 32 px
  assert (tmp_path / "out" / "accuracy_synthetic.png").stat().st_size > 0

  def no_training(*args, **kwargs):
    raise AssertionError("a finished run was trained again")

  monkeypatch.setattr(accuracy_synthetic.experiment, "train", no_training)
  again = accuracy_synthetic.run("reduced", out, work, mini_data_dir)
  assert again["rows"] == rows
  only = accuracy_synthetic.run("reduced", out, work, mini_data_dir,
                                names=["synthetic_trk1d_smoke"])
  assert only["rows"] == [tracker]

  # Other settings in a finished workdir are an error, not a silent reuse.
  with pytest.raises(ValueError, match="train.learning_rate"):
    accuracy_synthetic.run("reduced", out, work, mini_data_dir,
                           overrides=["train.learning_rate=0.5"])


def test_runs_that_differ_only_in_name_share_one_workdir():
  resolved = {n: accuracy_synthetic.resolve(n, "/data")
              for n in accuracy_synthetic.RUNS["full"]}
  homes = accuracy_synthetic.workdir_names(resolved)
  # The gamma sweep's 0.3 point is the L = 192 1D detector (configs/synthetic).
  assert homes["synthetic_det1d_gamma0.3"] == "synthetic_det1d_L192"
  others = {n: h for n, h in homes.items() if n != "synthetic_det1d_gamma0.3"}
  assert all(n == h for n, h in others.items())


def test_unknown_run_names_are_refused_with_the_valid_ones():
  with pytest.raises(ValueError, match="synthetic_det1d_L16_smoke"):
    accuracy_synthetic.run("reduced", "/tmp/unused", "/tmp/unused", "/data",
                           names=["synthetic_det1d_L999"])
