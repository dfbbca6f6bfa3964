#!/bin/bash
# The cheap commands of README "Other things to run", as a new user runs them
# from the repository root, each checked for its exit status and its output.
# The expensive ones (training, evaluate, export, predict, the benches) are run
# by the tests that tests/test_readme_walk.py names. About 1-2 minutes on 2
# loaded cores (each command imports TensorFlow): bash tests/readme_walk.sh
set -u
cd "$(dirname "$0")/.."
python=${PYTHON:-.venv/bin/python}
runs=$(mktemp -d)
trap 'rm -rf "$runs"' EXIT
failed=0

check() {  # check NAME EXPECTED_STATUS PATTERN COMMAND...
  local name=$1 status=$2 pattern=$3; shift 3
  local out; out=$("$@" 2>&1); local got=$?
  if [[ $got -ne $status ]] || ! grep -q -- "$pattern" <<<"$out"; then
    echo "FAIL $name: exit $got (expected $status), output lacks '$pattern'"
    failed=1
  else
    echo "ok   $name"
  fi
}

check list_configs 0 "^table3_300w_smoke *smoke (seconds, tiny data) of: " \
  "$python" -m experiments.list_configs
check plan 0 "^# Reproduces Table 1 on real data" \
  "$python" -m experiments.plan --table=1
check collect 0 "| 300W full | – (4.04)" \
  "$python" -m experiments.collect --table=1 --runs="$runs"
check model_summary 0 "2D at L = 128 skipped" \
  "$python" -m experiments.model_summary --lengths=16,64,128 --stacks=1 \
  --channels=16 --input_size=64
exit $failed
