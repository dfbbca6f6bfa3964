"""bench/cost_1d_vs_2d.py: the memory projection by hand, one reduced run."""

import json

import numpy as np
import pytest

from bench import cost_1d_vs_2d as cost


def test_fit_recovers_a_hand_line_and_growth_is_l_or_l_squared():
  a, b = cost.fit_line([1, 2, 4], [5, 7, 11])  # y = 3 + 2 x
  assert np.isclose(a, 3) and np.isclose(b, 2)
  np.testing.assert_array_equal(cost.growth("1d", [8, 16]), [8, 16])
  np.testing.assert_array_equal(cost.growth("2d", [8, 16]), [64, 256])


def test_projection_of_a_2d_line_reaches_the_budget_at_the_hand_solved_l():
  # memory = 100 + 3 L^2 exactly; 100 + 3 * 256^2 = 196708.
  lengths = [16, 32, 64]
  fit = cost.fit_memory("2d", lengths, [100 + 3 * l * l for l in lengths])
  assert np.isclose(fit["a"], 100) and np.isclose(fit["b"], 3)
  assert np.isclose(cost.project(fit, "2d", 128), 100 + 3 * 128 ** 2)
  assert np.isclose(cost.length_at(fit, "2d", 196708), 256)
  # 1D: memory = 50 + 2 L reaches 1586 at L = 768.
  fit = cost.fit_memory("1d", [64, 128], [178, 306])
  assert np.isclose(cost.length_at(fit, "1d", 1586), 768)
  assert cost.length_at({"a": 1.0, "b": 0.0}, "1d", 10) is None


def test_targets_and_ratios_compare_the_named_rows():
  settings = {"lengths_1d": (64, 768), "lengths_2d": (64, 256)}

  def row(head, length, peak, latency):
    return {"head": head, "L": length, "tracker": False, "measured": True,
            "peak_rss_bytes": peak, "training_extra_bytes": peak - 10,
            "latency_seconds": {"1": latency}, "output_values":
            2 * 68 * length if head == "1d" else 68 * length ** 2}
  rows = [row("1d", 64, 20, 1.0), row("1d", 768, 30, 1.5),
          row("2d", 64, 25, 1.0), row("2d", 256, 90, 4.0)]
  found = cost.targets(rows, settings, "peak_rss_bytes")
  assert found["memory_1d_over_2d"]["value"] == pytest.approx(30 / 25)
  assert found["memory_1d_over_2d"]["pass"]  # 1.2 <= 1.3
  assert found["latency_1d_over_2d"]["value"] == pytest.approx(1.5)
  assert not found["latency_1d_over_2d"]["pass"]  # 1.5 > 1.2
  assert "memory_2d_over_1d_at_top_L" not in found  # no 1D row at L = 256
  ratios = cost.ratios_2d_over_1d(rows, tracker=False)
  assert set(ratios) == {"64"}
  assert ratios["64"]["peak_rss_bytes"] == pytest.approx(25 / 20)
  assert ratios["64"]["output_values"] == pytest.approx(64 / 2)


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
  assert results["machine"]["tensorflow"]
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
