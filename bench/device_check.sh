#!/usr/bin/env bash
# The GPU run of bench/device_cost.py, one command on the device machine.
#
# What it does: installs the carried wheels (Keras and what Keras needs that
# the machine lacks), checks that JAX sees the GPU and that no TensorFlow is
# needed, then runs `python -m bench.device_cost --mode=full` with a
# wall-clock budget and writes under $OUT:
#   device_cost.json, device_cost.png   the results (docs/bench/ keeps them)
#   device_cost.log                     the benchmark's progress lines
#   environment.txt                     nvidia-smi, versions, jax.devices()
#
# The wheels (.whl/, ignored by git) are fetched once, on any machine with
# pip and a registry, from the repository root:
#   python3 -m pip download --no-deps --only-binary=:all: --python-version 3.12 \
#     --implementation cp --platform manylinux_2_28_x86_64 \
#     --platform manylinux_2_27_x86_64 --platform manylinux_2_17_x86_64 \
#     --platform manylinux2014_x86_64 --platform manylinux1_x86_64 \
#     -d .whl keras==3.15.1 namex==0.1.0 optree==0.20.0
# 2.8 MiB in all (the device tool carries 64 MiB per call). Keras 3.15.1
# needs absl-py, numpy, rich, namex, h5py, optree, ml-dtypes and packaging;
# optree needs typing-extensions; the machine has all of them but keras,
# namex and optree (KINDS.md's package list). JAX 0.11 with its CUDA 13
# plugin and matplotlib are there. No TensorFlow is used or imported.
#
# The call a session with a GPU makes (device tool), from the repository
# root of a checkout with .whl/ filled:
#   run(command="bash bench/device_check.sh", carry=[".whl"], timeout_s=540)
# and then copies device_cost.json and .png from the returned files into
# docs/bench/. A second call can continue a run cut short: put the first
# call's device_cost.json in an ignored folder (e.g. .whl/), carry it, and
# set RESUME_FROM=.whl/device_cost.json; finished jobs are kept.
#
# Sizing (8 minutes of wall time in all, compiles included). Measured on the
# 2-core CPU machine (shared, so upper bounds), JAX 0.10 on CPU, the paper's
# 4-stack model at batch 1: building the model 9-15 s (most of it compiling
# the random initialisers, one small XLA program per weight shape), tracing
# the training step 8-13 s, compiling it 38-44 s; the reduced model (1 stack
# of depth 2, 32 channels) 27 + 5 + 36 s under heavier load. Compile time
# grows with the number of layers, not their width. XLA's GPU compiler adds
# autotuning, so a full-size job is estimated at 60-120 s on the device
# machine's CPU before its steps, which take well under a second each on an
# H200. With 3 jobs compiling at once (16 cores) that is about 3 jobs a
# minute: the budget below (420 s for the benchmark, after about 20 s of
# installing and probing, with 30 s kept for the summary, the plot and the
# kill of jobs still running) reaches the key float32 rows, their 32 GiB
# verdicts (cheap: the compilation cache holds their executables) and part
# of the batch searches; the remaining jobs are recorded as
# "not run (time budget)" and can be run by a second call with
# RESUME_FROM. These are estimates: no GPU was lent to the session that
# wrote this script, so none of it has run on the device machine yet.
#
# Settings (environment): MODE (full | reduced), BUDGET_S (benchmark
# seconds), JOBS (processes at once), PYTHON, OUT (default /tmp/device_out),
# RESUME_FROM (an earlier device_cost.json).
set -uo pipefail

cd "$(dirname "$0")/.."
started=$(date +%s)
OUT=${OUT:-/tmp/device_out}
MODE=${MODE:-full}
BUDGET_S=${BUDGET_S:-420}
JOBS=${JOBS:-3}
PYTHON=${PYTHON:-python3}
mkdir -p "$OUT"

if compgen -G ".whl/*.whl" >/dev/null; then
  "$PYTHON" -m pip install -q --no-index --no-deps --no-compile \
    --no-cache-dir --upgrade --target /tmp/device_site .whl/*.whl || exit 1
  export PYTHONPATH=/tmp/device_site${PYTHONPATH:+:$PYTHONPATH}
fi
export KERAS_BACKEND=jax PYTHONUNBUFFERED=1

{
  date -u
  nvidia-smi 2>&1 || echo "nvidia-smi: not available"
  "$PYTHON" - <<'EOF'
import sys
from importlib import metadata
import jax, keras
for name in ("jax", "jaxlib", "keras", "numpy", "optree"):
  print(name, metadata.version(name))
print("backend", keras.backend.backend(), "devices", jax.devices())
import bench.device_cost, landmark1d.training.jax_step, landmark1d.training.losses
import landmark1d.models
print("tensorflow imported:",
      sorted(m for m in sys.modules if m.split(".")[0] == "tensorflow"))
EOF
} >"$OUT/environment.txt" 2>&1 || { cat "$OUT/environment.txt"; exit 1; }
cat "$OUT/environment.txt"

resume=()
if [[ -n "${RESUME_FROM:-}" ]]; then
  cp "$RESUME_FROM" "$OUT/device_cost.json" && resume=(--resume)
fi
# A fresh compilation cache: every compile time in the JSON is a compile
# (only a capped job loads its uncapped twin's executable from it).
cache=/tmp/device_xla_cache
rm -rf "$cache"
budget=$((BUDGET_S - ($(date +%s) - started)))
echo "benchmark budget: ${budget} s, ${JOBS} jobs at once"
"$PYTHON" -m bench.device_cost --mode="$MODE" --out="$OUT" --jobs="$JOBS" \
  --budget_s="$budget" --cache_dir="$cache" "${resume[@]}" \
  2>&1 | tee "$OUT/device_cost.log"
status=$?
echo "device_check: exit ${status} after $(($(date +%s) - started)) s"
exit "$status"
