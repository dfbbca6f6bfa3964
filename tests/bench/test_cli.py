"""bench/cli.py: a benchmark's bad input is one `error:` line, exit 1, no
traceback, and no TensorFlow start-up lines on stderr."""

import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(
    __file__))))


def test_an_unknown_cell_is_one_plain_line_after_a_quiet_start(tmp_path):
  env = {k: v for k, v in os.environ.items()
         if k not in ("TF_CPP_MIN_LOG_LEVEL", "KERAS_BACKEND")}
  proc = subprocess.run(
      [sys.executable, "-m", "bench.accuracy_synthetic", "--mode=reduced",
       f"--out={tmp_path}", "--cells=accuracy_det1d_L999"],
      capture_output=True, text=True, env=env, cwd=ROOT, timeout=300,
      check=False)
  assert proc.returncode == 1
  lines = proc.stderr.strip().splitlines()
  assert lines[-1] == (
      "error: cells ['accuracy_det1d_L999'] are not in mode 'reduced'; its "
      "cells are ['accuracy_det1d_L192_smoke', 'accuracy_det2d_L16_smoke', "
      "'accuracy_trk1d_lambda0.3_smoke']")
  assert "Traceback" not in proc.stderr
  # TensorFlow's C++ INFO lines (oneDNN, the CUDA stub) are dropped.
  assert not [l for l in lines if l.startswith("I0000") or "oneDNN" in l]
