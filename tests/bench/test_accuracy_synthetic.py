"""bench/accuracy_synthetic.py trains, scores and resumes in reduced mode."""

import json

import numpy as np

from bench import accuracy_synthetic


def test_reduced_run_scores_every_run_and_a_second_call_trains_nothing(
    tmp_path, mini_data_dir, monkeypatch):
  out, work = str(tmp_path / "out"), str(tmp_path / "runs")
  results = accuracy_synthetic.run("reduced", out, work, mini_data_dir)
  rows = json.loads((tmp_path / "out" / "accuracy_synthetic.json")
                    .read_text())["rows"]
  assert [r["config"] for r in rows] == accuracy_synthetic.RUNS["reduced"]
  assert rows == results["rows"]
  assert all(np.isfinite(r["nrmse_percent"]) and r["nrmse_percent"] > 0
             for r in rows)
  tracker = rows[-1]
  assert tracker["lambda"] == 0.3 and tracker["jitter_percent"] is not None
  assert rows[0]["L_over_F"] == rows[0]["L"] / 32  # smoke crops are 32 px
  assert (tmp_path / "out" / "accuracy_synthetic.png").stat().st_size > 0

  def no_training(*args, **kwargs):
    raise AssertionError("a finished run was trained again")

  monkeypatch.setattr(accuracy_synthetic.experiment, "train", no_training)
  again = accuracy_synthetic.run("reduced", out, work, mini_data_dir)
  assert again["rows"] == rows
