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
  with open(os.path.join(tmp_path, "eval", "test.json")) as f:
    results = json.load(f)
  assert results["model"]["summary"]["nrmse"] == pytest.approx(
      np.sqrt(2) / 100 * 100)
  assert os.path.getsize(os.path.join(tmp_path, "eval", "test_ced.png")) > 0


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
