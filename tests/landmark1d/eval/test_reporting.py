"""Evaluation reports: result tables, JSON / Markdown files, CED plots."""

import json
import os

import numpy as np
import pytest

from landmark1d.eval import reporting
from landmark1d.eval import scoring


def test_ced_plot_and_result_files(tmp_path):
  errors = {"1D L=768": [0.01, 0.03], "2D L=64": [0.02, 0.05]}
  png = os.path.join(tmp_path, "ced.png")
  reporting.plot_ced(errors, 0.08, png, title="test")
  with open(png, "rb") as f:
    assert f.read(8) == b"\x89PNG\r\n\x1a\n"
  table = reporting.results_markdown({"Ours": {"com": 2.91, "cha": None}})
  assert table.splitlines()[2] == "| Ours | 2.91 | - |"
  reporting.write_results(os.path.join(tmp_path, "res"), {"com": 2.91}, table)
  with open(os.path.join(tmp_path, "res.json")) as f:
    assert json.load(f) == {"com": 2.91}


def test_write_split_writes_table_json_and_ced(tmp_path):
  gt = np.random.default_rng(0).uniform(0, 200, size=(4, 68, 2))
  gt[:, 36], gt[:, 45] = (50.0, 100.0), (150.0, 100.0)  # inter-ocular 100
  visible = np.ones((4, 68), bool)
  model = scoring.score(scoring.Predictions(gt + 1.0, gt, visible,
                                            list("abcd")),
                        landmark_set="ibug68")
  mean = scoring.mean_shape(gt)
  baseline = scoring.score(scoring.Predictions(
      np.broadcast_to(mean, gt.shape), gt, visible, list("abcd")),
      landmark_set="ibug68")
  table = reporting.write_split(str(tmp_path), "test", model, baseline)
  assert "mean-shape baseline" in table
  # Every image is off by sqrt(2) px over 100: a zero-width interval.
  assert ("NRMSE 95% interval over the images (bootstrap, 2000 resamples, "
          "seed 0): model [1.41, 1.41] %, mean-shape baseline [") in table
  with open(os.path.join(tmp_path, "eval", "test.json")) as f:
    results = json.load(f)
  assert results["model"]["summary"]["nrmse"] == pytest.approx(
      np.sqrt(2) / 100 * 100)
  assert os.path.getsize(os.path.join(tmp_path, "eval", "test_ced.png")) > 0


def test_write_split_adds_degraded_skip_first_and_event_tables(tmp_path):
  gt = np.random.default_rng(0).uniform(0, 200, size=(4, 68, 2))
  gt[:, 36], gt[:, 45] = (50.0, 100.0), (150.0, 100.0)  # inter-ocular 100
  pred = gt.copy()
  pred[1, :, 1] += 3.0  # frame 1, the degraded one, 3 px off: NRMSE 3 %
  predictions = scoring.Predictions(
      pred, gt, np.ones((4, 68), bool), list("abcd"), video_ids=["v"] * 4,
      frame_indices=np.arange(4), degraded=np.array([0, 1, 0, 0], bool),
      events=["none", "noise", "none", "none"])
  model = scoring.score(predictions, landmark_set="ibug68", skip_first=1)
  baseline = scoring.score(scoring.Predictions(
      gt, gt, np.ones((4, 68), bool), list("abcd"), video_ids=["v"] * 4,
      frame_indices=np.arange(4), degraded=np.array([0, 1, 0, 0], bool),
      events=["none", "noise", "none", "none"]), landmark_set="ibug68",
      skip_first=1)
  table = reporting.write_split(str(tmp_path), "test", model, baseline)
  lines = table.splitlines()
  assert ("| | model NRMSE (%) | model jitter (%) | mean-shape baseline "
          "NRMSE (%) | mean-shape baseline jitter (%) |") in lines
  # Jitter pairs (0, 1) and (1, 2) move 3 px: 3 % each; (2, 3) 0 %.
  assert "| degraded, 1 frames | 3.00 | 3.00 | 0.00 | 0.00 |" in lines
  assert ("| clean (first 1 of each video left out), 2 frames | 0.00 | 1.50 "
          "| 0.00 | 0.00 |") in lines
  assert "| event noise, 1 frames | 3.00 | 3.00 | 0.00 | 0.00 |" in lines
  with open(os.path.join(tmp_path, "eval", "test.md")) as f:
    assert f.read() == table + "\n"
  with open(os.path.join(tmp_path, "eval", "test.json")) as f:
    saved = json.load(f)["model"]
  assert saved["frame_subsets"]["skip_first"] == 1
  assert saved["frame_subsets"]["rows"]["degraded"]["nrmse"] == pytest.approx(
      3.0)
  assert saved["events"]["none"]["frames"] == 3
  assert saved["videos"] == [{"video": "v", "frames": 4,
                              "nrmse": pytest.approx(0.75),
                              "jitter": pytest.approx(2.0)}]


def test_write_split_for_another_decoder_keeps_its_own_files(tmp_path):
  gt = np.random.default_rng(1).uniform(0, 200, size=(2, 68, 2))
  gt[:, 36], gt[:, 45] = (50.0, 100.0), (150.0, 100.0)  # inter-ocular 100
  model = scoring.score(scoring.Predictions(
      gt + 2.0, gt, np.ones((2, 68), bool), list("ab")), landmark_set="ibug68")
  reporting.write_split(str(tmp_path), "test", model)
  reporting.write_split(str(tmp_path), "test", model,
                        folder=os.path.join("eval", "dark"), decoder="dark")
  assert sorted(os.listdir(os.path.join(tmp_path, "eval", "dark"))) == [
      "test.json", "test.md", "test_ced.png"]
  with open(os.path.join(tmp_path, "eval", "dark", "test.md")) as f:
    assert f.readline() == "Decoder: dark\n"
  with open(os.path.join(tmp_path, "eval", "dark", "test.json")) as f:
    assert json.load(f)["decoder"] == "dark"
  with open(os.path.join(tmp_path, "eval", "test.json")) as f:
    assert "decoder" not in json.load(f)  # the config's result untouched
