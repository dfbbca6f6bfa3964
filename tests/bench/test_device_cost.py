"""bench/device_cost.py: the job plan, one reduced run on JAX, no TF import."""

import json
import os
import subprocess
import sys

import pytest

from bench import device_cost as cost


def test_plan_starts_with_the_papers_rows_and_names_every_job_once():
  jobs = cost.plan("full")
  names = [j["name"] for j in jobs]
  assert len(names) == len(set(names))
  # 1D at L = 768 and 2D at 64 / 128 / 256 (float32) open the run, then
  # their 32 GiB verdicts, then the same rows in bfloat16.
  key = ["detector_1d_L768_float32", "detector_2d_L64_float32",
         "detector_2d_L128_float32", "detector_2d_L256_float32"]
  assert names[:4] == key
  assert names[4:8] == [n + "_cap32GiB" for n in key]
  assert names[8:12] == [n.replace("float32", "mixed_bfloat16") for n in key]
  # 6 1D + 5 2D + 4 tracker rows, float32 and bfloat16, capped or not.
  assert len(jobs) == (6 + 5 + 4) * 2 * 2
  assert names.index("tracker_2d_L128_float32_cap32GiB") < names.index(
      "detector_1d_L64_mixed_bfloat16")
  with pytest.raises(ValueError, match="mode"):
    cost.plan("tiny")


def test_reduced_run_on_jax_measures_each_job_in_its_own_process(
    tmp_path, monkeypatch):
  monkeypatch.setenv("XLA_FLAGS", "--xla_backend_optimization_level=0")
  monkeypatch.setenv("JAX_PLATFORMS", "cpu")
  names = ["detector_1d_L24_float32", "detector_2d_L16_mixed_bfloat16",
           "detector_2d_L16_float32_cap32GiB"]
  # Two processes at once: their compiles overlap, their timed steps take
  # turns through the lock file.
  results = cost.run("reduced", str(tmp_path), names=names, jobs=2,
                     cache_dir=str(tmp_path / "cache"), log=lambda _: None)
  written = json.loads((tmp_path / "device_cost.json").read_text())
  assert written["rows"] == json.loads(json.dumps(results["rows"]))
  assert (tmp_path / "device_cost.png").stat().st_size > 0
  rows = {r["name"]: r for r in results["rows"]}
  assert sorted(rows) == sorted(names)
  for name in names[:2]:
    r = rows[name]
    assert r["status"] == "measured", r
    assert r["platform"] == "cpu" and r["loss_finite"]
    assert r["train_step_seconds"] > 0 and r["compile_seconds"] > 0
    assert r["waited_for_device_seconds"] >= 0
    assert r["images_per_second"] == pytest.approx(
        r["batch"] / r["train_step_seconds"])
    # No allocator statistics on a CPU: null, with the reason.
    assert r["device_peak_bytes"] is None and "memory_stats" in r[
        "device_memory_note"]
    plan = r["xla_memory"]
    assert plan["total_bytes"] >= plan["temp_size_in_bytes"] > 0
  # Section 3.2: 2 N L values per stack for 1D, N L^2 for 2D.
  assert rows[names[0]]["output_values"] == 2 * 68 * 24
  assert rows[names[1]]["output_values"] == 68 * 16 ** 2
  # The 32 GiB cap is a GPU allocator setting: not run on a CPU, and why.
  assert rows[names[2]]["status"] == "not run"
  assert "CPU" in rows[names[2]]["reason"]
  assert results["machine"]["platform"] == "cpu"
  versions = results["machine"]["versions"]
  assert versions["jax"] and versions["keras"]
  assert results["machine"]["environment"]["XLA_FLAGS"] == (
      "--xla_backend_optimization_level=0")
  # Resuming keeps both measured jobs without a process.
  again = cost.run("reduced", str(tmp_path), names=names[:2], resume=True,
                   log=lambda _: None)
  assert all(r.get("reused") for r in again["rows"])


def test_the_benchmark_process_imports_no_tensorflow(tmp_path):
  # The parent (scheduling, JSON, plot) must also run where TF is absent.
  code = ("import sys, bench.device_cost; "
          "print(sorted(m for m in sys.modules if m.split('.')[0] == "
          "'tensorflow'))")
  out = subprocess.run([sys.executable, "-c", code], capture_output=True,
                       text=True, check=True,
                       cwd=os.path.dirname(os.path.dirname(
                           os.path.dirname(os.path.abspath(__file__)))))
  assert out.stdout.strip() == "[]"


def test_no_job_ran_names_the_errors_and_the_missing_install():
  rows = [{"status": "error", "error": "No module named 'jax'"},
          {"status": "not run (time budget)"}]
  message = cost.no_job_ran(rows)
  assert message.startswith("device_cost: no job ran (2 jobs; errors: ")
  assert "No module named 'jax'" in message and ".[jax]" in message
  assert cost.no_job_ran(rows + [{"status": "OOM"}]) is None
