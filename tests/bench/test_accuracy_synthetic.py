"""bench/accuracy_synthetic.py: cells x seeds, scores, resume, settings."""

import dataclasses
import json
import os

import numpy as np
import pytest

from bench import accuracy_claims
from bench import accuracy_report
from bench import accuracy_scores
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
  for decoder in accuracy_scores.DECODERS:
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
  table = accuracy_report.markdown(results)
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
    for field in ("head", "backbone", "heatmap_length", "coattention_gamma",
                  "head_width"):
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
  config = registry.get(accuracy_claims.GAMMA_03)
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
