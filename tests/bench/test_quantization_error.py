"""bench/quantization_error.py: measured argmax error follows the closed form."""

import json
import math

from bench import quantization_error


def test_measured_argmax_error_matches_the_expected_value_and_subpixel_wins(
    tmp_path):
  results = quantization_error.run("reduced", str(tmp_path))
  saved = json.loads((tmp_path / "quantization_error.json").read_text())
  assert saved["rows"] == results["rows"]
  assert (tmp_path / "quantization_error.png").stat().st_size > 0
  settings = quantization_error.MODES["reduced"]
  n = settings["num_points"]
  assert [r["length"] for r in saved["rows"]] == list(settings["lengths"])
  assert [r["length"] for r in saved["rows_2d"]] == list(
      settings["lengths_2d"])
  for target, rows in (("1d", saved["rows"]), ("2d", saved["rows_2d"])):
    for row in rows:
      step = settings["crop_size"] / row["length"]  # crop px per bin
      # Offsets uniform in a bin (nearest-bin rounding): E has mean
      # 0.3826 s and standard deviation sqrt(s^2 / 6 - mean^2) = 0.1425 s;
      # n landmarks put the sample mean within 4 standard errors of it.
      mean = 0.3826 * step
      std = math.sqrt(step * step / 6 - mean * mean)
      assert math.isclose(row["mean_nearest"], mean, rel_tol=1e-3)
      assert math.isclose(row["std_nearest"], std, rel_tol=2e-3)
      measured = row["measured"][target]
      assert abs(measured["argmax"]["mean"] - mean) < 4 * std / math.sqrt(n)
      assert measured["argmax"]["max"] <= math.sqrt(2) * step / 2 + 1e-4
      for method in ("dark", "integral"):
        assert measured[method]["mean"] < measured["argmax"]["mean"] / 5
        assert measured[method]["max"] < measured["argmax"]["max"]
