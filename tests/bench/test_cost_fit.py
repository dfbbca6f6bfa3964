"""bench/cost_fit.py: the memory fit and projection by hand, without TF."""

import os
import subprocess
import sys

import numpy as np
import pytest

from bench import cost_fit


def test_fit_recovers_a_hand_line_and_growth_is_l_or_l_squared():
  a, b = cost_fit.fit_line([1, 2, 4], [5, 7, 11])  # y = 3 + 2 x
  assert np.isclose(a, 3) and np.isclose(b, 2)
  np.testing.assert_array_equal(cost_fit.growth("1d", [8, 16]), [8, 16])
  np.testing.assert_array_equal(cost_fit.growth("2d", [8, 16]), [64, 256])


def test_projection_of_a_2d_line_reaches_the_budget_at_the_hand_solved_l():
  # memory = 100 + 3 L^2 exactly; 100 + 3 * 256^2 = 196708.
  lengths = [16, 32, 64]
  fit = cost_fit.fit_memory("2d", lengths,
                            [100 + 3 * l * l for l in lengths])
  assert np.isclose(fit["a"], 100) and np.isclose(fit["b"], 3)
  assert np.isclose(cost_fit.project(fit, "2d", 128), 100 + 3 * 128 ** 2)
  assert np.isclose(cost_fit.length_at(fit, "2d", 196708), 256)
  # 1D: memory = 50 + 2 L reaches 1586 at L = 768.
  fit = cost_fit.fit_memory("1d", [64, 128], [178, 306])
  assert np.isclose(cost_fit.length_at(fit, "1d", 1586), 768)
  assert cost_fit.length_at({"a": 1.0, "b": 0.0}, "1d", 10) is None


def test_targets_and_ratios_compare_the_named_rows():
  settings = {"lengths_1d": (64, 768), "lengths_2d": (64, 256)}

  def row(head, length, peak, latency):
    return {"head": head, "L": length, "tracker": False, "measured": True,
            "peak_rss_bytes": peak, "training_extra_bytes": peak - 10,
            "latency_seconds": {"1": latency}, "output_values":
            2 * 68 * length if head == "1d" else 68 * length ** 2}
  rows = [row("1d", 64, 20, 1.0), row("1d", 768, 30, 1.5),
          row("2d", 64, 25, 1.0), row("2d", 256, 90, 4.0)]
  found = cost_fit.targets(rows, settings, "peak_rss_bytes")
  assert found["memory_1d_over_2d"]["value"] == pytest.approx(30 / 25)
  assert found["memory_1d_over_2d"]["pass"]  # 1.2 <= 1.3
  assert found["latency_1d_over_2d"]["value"] == pytest.approx(1.5)
  assert not found["latency_1d_over_2d"]["pass"]  # 1.5 > 1.2
  assert "memory_2d_over_1d_at_top_L" not in found  # no 1D row at L = 256
  ratios = cost_fit.ratios_2d_over_1d(rows, tracker=False)
  assert set(ratios) == {"64"}
  assert ratios["64"]["peak_rss_bytes"] == pytest.approx(25 / 20)
  assert ratios["64"]["output_values"] == pytest.approx(64 / 2)


def test_fits_and_the_machine_record_import_no_tensorflow_or_jax():
  # The JAX device benchmark uses them where TensorFlow is not installed.
  code = ("import sys; import bench.cost_fit, bench.machine; "
          "bench.machine.record(); "
          "print(sorted(m for m in ('tensorflow', 'jax', 'keras') "
          "if m in sys.modules))")
  root = os.path.dirname(os.path.dirname(os.path.dirname(__file__)))
  out = subprocess.run([sys.executable, "-c", code], capture_output=True,
                       text=True, check=True, cwd=root)
  assert out.stdout.strip() == "[]"
