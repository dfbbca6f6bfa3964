"""bench/accuracy_synthetic.py: cells x seeds, decomposition, claims, resume."""

import dataclasses
import json
import os

import numpy as np
import pytest

from bench import accuracy_synthetic as bench
from bench import cell_runs
from experiments import configs as registry
from landmark1d.eval import metrics
from landmark1d.geometry import coordinates
from landmark1d.runs import evaluate


def _argmax_floor_by_rounding(config) -> float:
  """NRMSE (%) of the test ground truth rounded to the L grid (eq. 7).

  An independent route to the floor: nearest bin centre, kept inside the
  heatmap, mapped back to image pixels; no targets, no decoder.
  """
  f, length = config.data.crop_size, config.model.heatmap_length
  errors = []
  for batch in evaluate.eval_batches(config, config.data.eval_splits[0]):
    u = np.clip(np.round(batch["landmarks"].numpy() * length / f), 0,
                length - 1)
    image = coordinates.crop_to_image(u * f / length, batch["window"], f)
    truth = batch["landmarks_image"].numpy()
    norm = metrics.normalizing_distance(truth, config.data.landmark_set)
    errors.append(metrics.nrmse(np.asarray(image), truth, norm,
                                batch["visible"].numpy()))
  return 100 * float(np.mean(np.concatenate(errors)))


def test_reduced_run_scores_every_cell_and_seed_and_resumes(
    tmp_path, mini_data_dir, monkeypatch):
  out, work = str(tmp_path / "out"), str(tmp_path / "runs")
  results = bench.run("reduced", out, work, mini_data_dir)
  path = tmp_path / "out" / "accuracy_synthetic.json"
  assert json.loads(path.read_text()) == json.loads(json.dumps(results))
  assert list(results["cells"]) == bench.CELLS["reduced"]
  for name, cell in results["cells"].items():
    assert sorted(cell["runs"], key=int) == ["0", "1"]
    for seed, row in cell["runs"].items():
      assert row["seed"] == int(seed) and row["steps"] == 4
      for key in ("nrmse_argmax_percent", "nrmse_dark_percent"):
        assert np.isfinite(row[key]) and row[key] > 0
    values = [r["nrmse_argmax_percent"] for r in cell["runs"].values()]
    assert cell["nrmse_argmax"]["mean"] == pytest.approx(np.mean(values))
    assert cell["nrmse_argmax"]["std"] == pytest.approx(np.std(values,
                                                               ddof=1))
    config = bench.resolve(name, 0, mini_data_dir, work)
    # The floor (argmax on perfect targets) equals rounding to the L grid;
    # DARK on the same perfect targets is exact to float32 rounding.
    assert cell["floor_argmax_percent"] == pytest.approx(
        _argmax_floor_by_rounding(config), abs=1e-3)
    assert cell["floor_dark_percent"] < 0.01 * cell["floor_argmax_percent"]
  detector = results["cells"]["accuracy_det1d_L192_smoke"]
  assert detector["runs"]["0"]["validation_curve"][-1][0] == 4
  # The row is the model's own evaluation through the library's evaluate.
  config = bench.resolve("accuracy_det1d_L192_smoke", 1, mini_data_dir, work)
  for decoder in bench.DECODERS:
    scores = evaluate.run(config, cell_runs.run_dir(
        work, "accuracy_det1d_L192_smoke", 1), decoder=decoder,
                          log=lambda _: None)["test"]["model"]
    assert detector["runs"]["1"][f"nrmse_{decoder}_percent"] == (
        pytest.approx(scores.summary.nrmse, abs=1e-4))
  tracker = results["cells"]["accuracy_trk1d_lambda0.3_smoke"]
  row = tracker["runs"]["0"]
  assert tracker["lambda"] == 0.3 and row["jitter_percent"] > 0
  assert row["detector"]["cell"] == "accuracy_det1d_L192_smoke"
  assert row["detector"]["test_split"] == "test"
  assert (tmp_path / "out" / "accuracy_synthetic.png").stat().st_size > 0
  table = bench.markdown(results)
  assert all(f"| {name} |" in table for name in bench.CELLS["reduced"])

  def no_training(*args, **kwargs):
    raise AssertionError("a finished (cell, seed) was trained again")

  monkeypatch.setattr(cell_runs.train, "run", no_training)
  again = bench.run("reduced", out, work, mini_data_dir)
  assert again["cells"] == results["cells"]

  # A recorded cell trained with other settings is an error, not reused.
  stored = json.loads(path.read_text())
  stored["cells"]["accuracy_det2d_L16_smoke"]["settings"]["train"][
      "learning_rate"] = 0.5
  path.write_text(json.dumps(stored))
  with pytest.raises(ValueError, match="train.learning_rate: recorded 0.5"):
    bench.run("reduced", out, work, mini_data_dir)

  # A record written before a config field existed had that field's default.
  settings = stored["cells"]["accuracy_det2d_L16_smoke"]["settings"]
  settings["train"]["learning_rate"] = results["cells"][
      "accuracy_det2d_L16_smoke"]["settings"]["train"]["learning_rate"]
  del settings["tracker"]["from_scratch"]
  path.write_text(json.dumps(stored))
  bench.run("reduced", out, work, mini_data_dir)


def _cell(values: dict, key="nrmse_argmax_percent") -> dict:
  return {"runs": {str(s): {key: v} for s, v in values.items()}}


def test_claims_compare_cells_seed_by_seed():
  cells = {"accuracy_det1d_L16": _cell({0: 7.0, 1: 7.2, 2: 6.8}),
           "accuracy_det1d_L192": _cell({0: 5.0, 1: 5.3, 2: 4.7}),
           "accuracy_det1d_gamma0.0": _cell({0: 5.1, 1: 5.2, 2: 4.8})}
  claims = bench.claims(cells)
  trend = claims["a_L_trend"]
  assert trend["welch"]["difference"] == pytest.approx(2.0)
  assert trend["welch"]["relative"] == pytest.approx(2.0 / 7.0)
  assert trend["verdict"].startswith("L/F = 3 lower")
  assert trend["paired"]["seeds"] == [0, 1, 2]
  gamma = claims["c_gamma_0.3_vs_0"]
  assert gamma["welch"]["difference"] == pytest.approx(0.1 / 3)
  assert gamma["verdict"].startswith("not shown")
  assert claims["b_1d_vs_2d_L16"]["status"] == "not run"
  assert claims["d_lambda_0.3_vs_0"]["status"] == "not run"
  assert claims["e_mobile_vs_hourglass"]["status"] == "not run"


def test_trends_pool_every_run_of_each_heads_l_sweep():
  def cell(head, length, values):
    return {"head": head, "L": length, "L_over_F": length / 64,
            "runs": {str(s): {"nrmse_argmax_percent": v,
                              "nrmse_dark_percent": 3.0}
                     for s, v in enumerate(values)}}
  cells = {"accuracy_det1d_L16": cell("1d", 16, [6.0, 6.4]),
           "accuracy_det1d_L64": cell("1d", 64, [3.0, 3.4]),
           # Not on the sweep: another gamma, a tracker.
           "accuracy_det1d_gamma0.0": cell("1d", 192, [0.0, 0.0]),
           "accuracy_trk1d_lambda0.3": cell("1d", 192, [0.0, 0.0])}
  trends = bench.trends(cells)
  assert set(trends) == {"1d_L_slope", "1d_L_slope_dark"}  # one 2D cell: none
  # Points (-2, 6), (-2, 6.4), (0, 3), (0, 3.4): slope -6 / 4 = -1.5 per
  # doubling, fitted 6.2 at L/F = 0.25; residuals +-0.2 (squares sum 0.16,
  # df 2), se = sqrt(0.16 / 2 / 4); t_0.975(2) = 4.302653.
  fit = trends["1d_L_slope"]
  half = 4.302653 * np.sqrt(0.16 / 8)
  assert fit["cells"] == ["accuracy_det1d_L16", "accuracy_det1d_L64"]
  assert fit["slope"] == pytest.approx(-1.5) and fit["n"] == 4
  assert (fit["low"], fit["high"]) == pytest.approx((-1.5 - half, -1.5 + half),
                                                    abs=1e-5)
  assert fit["change_over_sweep_relative"] == pytest.approx(
      [(-1.5 - half) * 2 / 6.2, (-1.5 + half) * 2 / 6.2], abs=1e-5)
  assert fit["verdict"].startswith("falls")
  flat = trends["1d_L_slope_dark"]
  assert flat["slope"] == pytest.approx(0.0)
  assert flat["low"] == pytest.approx(0.0) == flat["high"]


def test_tail_slope_fits_only_the_last_quarter_of_the_run():
  # Steps 500 ... 8000; the last quarter is 6000 ... 8000, where the curve
  # falls 0.5 points per 1000 steps. The earlier points (a steep fall and a
  # spike) must not enter the fit.
  curve = [[s, 60.0 - s / 100.0] for s in range(500, 6000, 500)]
  curve[3][1] = 500.0
  curve += [[s, 10.0 - 0.5 * (s - 6000) / 1000.0] for s in range(6000, 8001, 500)]
  assert bench.tail_slope(curve) == pytest.approx(-0.5)
  # Hand-computed least squares over steps 0, 1000, 2000 of 1, 0, 2:
  # slope = sum((x - 1000)(y - 1)) / sum((x - 1000)^2) = 1e3 / 2e6 per step.
  assert bench.tail_slope([[0, 1.0], [1000, 0.0], [2000, 2.0]],
                          fraction=1.0) == pytest.approx(0.5)
  assert bench.tail_slope([[8000, 3.0]]) is None
  assert bench.tail_slope([]) is None


def test_cells_table_reads_curves_then_sweeps_whatever_the_training_order():
  def row(head, l_over_f, gamma=0.3, lam=None):
    return {"head": head, "L_over_F": l_over_f, "gamma": gamma,
            "lambda": lam, "floor_argmax_percent": 1.0,
            "runs": {"0": {"steps": 8000}}}
  trained_order = {
      "accuracy_det1d_L16": row("1d", 0.25),
      "accuracy_det1d_L192": row("1d", 3),
      "accuracy_det2d_L64": row("2d", 1),
      "accuracy_trk1d_lambda0.3": row("1d", 3, lam=0.3),
      "accuracy_det1d_gamma1.0": row("1d", 3, gamma=1.0),
      "synthetic_det1d": row("1d", 3),
      "accuracy_det2d_L16": row("2d", 0.25),
      "accuracy_trk1d_lambda0.0": row("1d", 3, lam=0.0),
      "accuracy_det1d_gamma0.0": row("1d", 3, gamma=0.0),
      "accuracy_det1d_L64": row("1d", 1),
  }
  table = bench.markdown({"cells": trained_order, "claims": {}})
  rows = [line.split(" | ")[0].lstrip("| ") for line in table.splitlines()
          if line.startswith("| accuracy_") or line.startswith("| synthetic")]
  assert rows == ["accuracy_det1d_L16", "accuracy_det1d_L64",
                  "accuracy_det1d_L192", "accuracy_det2d_L16",
                  "accuracy_det2d_L64", "accuracy_det1d_gamma0.0",
                  "accuracy_det1d_gamma1.0", "accuracy_trk1d_lambda0.0",
                  "accuracy_trk1d_lambda0.3", "synthetic_det1d"]


def test_cells_differ_only_in_what_they_study():
  def settings(name):
    return cell_runs.cell_settings(bench.resolve(name, 0, "/data", "/runs"))

  reference = settings("accuracy_det1d_L192")
  for name in bench.CELLS["full"]:
    if name in bench.STEPS:  # the main job's cell, for its spread
      assert settings(name)["train"]["steps"] == bench.STEPS[name]
      continue
    values = settings(name)
    if name.startswith("accuracy_trk"):
      # Trackers: the detector's model, on clips; lambda varies.
      assert values["model"] == reference["model"]
      continue
    for field in ("head", "backbone", "heatmap_length", "coattention_gamma"):
      values["model"][field] = reference["model"][field]
    assert values == reference, name
  lam = [settings(f"accuracy_trk1d_lambda{v}") for v in (0.0, 0.3)]
  lam[0]["tracker"]["fusion_lambda"] = 0.3
  assert lam[0] == lam[1]
  tracker = bench.resolve("accuracy_trk1d_lambda0.0", 2, "/data", "/runs")
  assert tracker.tracker.detector_workdir == "/runs/accuracy_det1d_L192/seed2"
  assert tracker.train.seed == 2


def test_unknown_cells_are_refused_with_the_valid_ones():
  with pytest.raises(ValueError, match="accuracy_det1d_L192_smoke"):
    bench.run("reduced", "/tmp/unused", "/tmp/unused", "/data",
              cells=["accuracy_det1d_L999"])


def test_the_gamma_sweep_point_0_3_is_the_largest_l_cell():
  config = registry.get(bench.GAMMA_03)
  gamma0 = registry.get("accuracy_det1d_gamma0.0")
  assert config.model.coattention_gamma == 0.3
  assert dataclasses.replace(gamma0.model, coattention_gamma=0.3) == (
      config.model)
  assert os.path.basename(cell_runs.run_dir("/r", "c", 1)) == "seed1"


# Settings recorded in the config layout before the library moved into wings
# (testdata/README.md), and the committed results once the benchmark has
# committed them: a resumed benchmark reads both through the config loader.
RECORDED = [os.path.join(os.path.dirname(__file__), "testdata",
                         "accuracy_synthetic_layout1.json")] + [
    path for path in [os.path.join(os.path.dirname(__file__), "..", "..",
                                   "docs", "bench", "accuracy_synthetic.json")]
    if os.path.exists(path)]


@pytest.mark.parametrize("path", RECORDED, ids=os.path.basename)
def test_recorded_cells_resume_under_the_current_config_layout(path):
  with open(path, encoding="utf-8") as f:
    cells = json.load(f)["cells"]
  assert cells
  for name, cell in cells.items():
    wanted = cell_runs.cell_settings(bench.resolve(name, 0, "/data", "/runs"))
    cell_runs.check_same(cell["settings"], wanted, name)  # no difference
  # Through the upgrade, a recorded range that differs is still caught.
  name, cell = next(iter(cells.items()))
  stored = json.loads(json.dumps(cell["settings"]))
  layout1 = "rotation" in stored["data"]
  if layout1:
    stored["data"]["rotation"] = 10.0
  else:
    stored["data"]["augment"]["rotation"] = 10.0
  wanted = cell_runs.cell_settings(bench.resolve(name, 0, "/data", "/runs"))
  with pytest.raises(ValueError, match=r"data.augment.rotation: recorded "
                     r"10.0, config 30.0"):
    cell_runs.check_same(stored, wanted, name)
