"""bench/cost_1d_vs_2d.py measures each configuration and fits memory vs L."""

import json

import numpy as np

from bench import cost_1d_vs_2d


def test_fit_recovers_a_line_and_growth_is_linear_in_l_or_l_squared():
  a, b = cost_1d_vs_2d.fit_line([1, 2, 4], [5, 7, 11])  # y = 3 + 2 x
  assert np.isclose(a, 3) and np.isclose(b, 2)
  np.testing.assert_array_equal(cost_1d_vs_2d.growth("1d", [8, 16]), [8, 16])
  np.testing.assert_array_equal(cost_1d_vs_2d.growth("2d", [8, 16]),
                                [64, 256])


def test_reduced_run_measures_every_row_and_reports_closed_form_sizes(
    tmp_path, monkeypatch):
  results = cost_1d_vs_2d.run("reduced", str(tmp_path))
  written = json.loads((tmp_path / "cost_1d_vs_2d.json").read_text())
  assert written["rows"] == json.loads(json.dumps(results["rows"]))
  assert (tmp_path / "cost_1d_vs_2d.png").stat().st_size > 0
  rows = results["rows"]
  assert all("error" not in r and "skipped" not in r for r in rows)
  assert {(r["head"], r["L"], r["tracker"]) for r in rows} == {
      ("1d", 16, False), ("1d", 32, False), ("2d", 16, False),
      ("2d", 32, False), ("1d", 16, True), ("2d", 16, True)}
  for r in rows:
    expected = 2 * 68 * r["L"] if r["head"] == "1d" else 68 * r["L"] ** 2
    assert r["output_values"] == expected  # Section 3.2: 2NL vs NL^2
    assert r["peak_rss_bytes"] >= r["rss_after_build_bytes"] > 0
    assert r["train_step_seconds"] > 0
  # The 2D head has L / 2 times the 1D head's outputs at the same L.
  for length, ratio in results["ratios_2d_over_1d"].items():
    assert np.isclose(ratio["output_values"], int(length) / 2)
  assert results["targets"]["L_1d"] == 32 and results["targets"]["L_2d"] == 16
  projected = results["projected_peak_memory"]["64"]
  assert np.isclose(projected["ratio_2d_over_1d"],
                    projected["2d_bytes"] / projected["1d_bytes"])

  def no_measuring(row):
    raise AssertionError(f"measured again: {row}")

  # A second run (e.g. after a kill) reuses every measured row.
  monkeypatch.setattr(cost_1d_vs_2d, "_run_child", no_measuring)
  again = cost_1d_vs_2d.run("reduced", str(tmp_path))
  assert again["rows"] == json.loads(json.dumps(results["rows"]))
