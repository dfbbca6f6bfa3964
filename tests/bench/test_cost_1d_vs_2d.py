"""bench/cost_1d_vs_2d.py: rows and their order, one reduced run, resume."""

import json
import os

import pytest

from bench import cost_1d_vs_2d as cost

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(
    __file__))))


def test_rows_are_named_kept_in_the_order_asked_and_unknown_names_fail():
  names = [r["name"] for r in cost.rows_for("full")]
  assert names[:2] == ["detector_1d_L64", "detector_1d_L128"]
  assert "tracker_2d_L128" in names and "detector_2d_L384" not in names
  picked = cost.rows_for("full", ["detector_2d_L64", "detector_1d_L768"])
  assert [r["name"] for r in picked] == ["detector_2d_L64",
                                         "detector_1d_L768"]
  with pytest.raises(ValueError, match="detector_2d_L768"):
    cost.rows_for("full", ["detector_2d_L768"])
  with pytest.raises(ValueError, match="mode"):
    cost.rows_for("tiny")


def test_reduced_run_measures_each_row_in_its_own_process(tmp_path):
  # Three rows keep the test short; the full table is `--mode=reduced`.
  names = ["detector_1d_L32", "detector_2d_L32", "tracker_2d_L16"]
  results = cost.run("reduced", str(tmp_path), names)
  written = json.loads((tmp_path / "cost_1d_vs_2d.json").read_text())
  assert written["rows"] == json.loads(json.dumps(results["rows"]))
  assert (tmp_path / "cost_1d_vs_2d.png").stat().st_size > 0
  rows = results["rows"]
  assert [r["name"] for r in rows] == names
  assert all(r["measured"] for r in rows), rows
  for r in rows:
    n, length = r["num_landmarks"], r["L"]
    # Section 3.2: 2 N L values per stack for 1D, N L^2 for 2D.
    expected = 2 * n * length if r["head"] == "1d" else n * length ** 2
    assert r["output_values"] == expected
    assert r["peak_rss_bytes"] >= r["rss_after_build_bytes"] > 0
    assert r["training_extra_bytes"] == (r["peak_rss_bytes"]
                                         - r["rss_after_build_bytes"])
    assert r["parameters"] > 0 and r["train_step_seconds"] > 0
    if not r["tracker"]:
      assert r["gflops_per_image"] > 0
      assert set(r["latency_seconds"]) == {"1", str(r["batch"])}
  assert results["ratios_2d_over_1d"]["32"]["output_values"] == 32 / 2
  assert results["machine"]["versions"]["tensorflow"]
  assert results["machine"]["gpus"] == []  # this machine has none
  # Resuming reuses every measured row without running a process.
  again = cost.run("reduced", str(tmp_path), names, resume=True)
  assert all(r["reused"] for r in again["rows"])
  assert again["rows"][0]["peak_rss_bytes"] == rows[0]["peak_rss_bytes"]


def test_resume_keeps_only_rows_measured_under_the_current_settings(
    tmp_path, monkeypatch):
  rows = [dict(r, measured=True, peak_rss_bytes=1)
          for r in cost.rows_for("reduced", ["tracker_1d_L16",
                                             "detector_1d_L16"])]
  cost.cli.write_json({"mode": "reduced", "rows": rows}, str(tmp_path),
                      cost.NAME)
  assert set(cost._earlier_rows("reduced", str(tmp_path))) == {
      "tracker_1d_L16", "detector_1d_L16"}
  assert not cost._earlier_rows("full", str(tmp_path))
  # Clips of 3 frames instead of 2: every row's settings differ now.
  monkeypatch.setitem(cost.MODES, "reduced",
                      dict(cost.MODES["reduced"], clip=(1, 3)))
  assert not cost._earlier_rows("reduced", str(tmp_path))


def test_summary_labels_the_targets_and_says_reduced_mode_is_no_measurement():
  with open(os.path.join(ROOT, "docs", "bench", "cost_1d_vs_2d.json")) as f:
    results = json.load(f)
  full = cost.summary(results, "x.json").splitlines()
  assert ("- CPU inference latency at batch 1, 1D at L = 768 / 2D at L = 64: "
          "0.89x (limit 1.2: met)") in full
  assert "- detector_2d: the fitted line reaches the memory budget at L = 659" \
      in full
  assert not any("not the measurement" in line for line in full)
  reduced = cost.summary(dict(results, mode="reduced"), "x.json")
  assert "its ratios are not the measurement" in reduced
