"""Bad input to the binaries: one plain `error:` line, no traceback, exit 1;
and no TensorFlow start-up lines on stderr.

The binaries run through their real entry point, `cli.run(main)`, one case
after another in one process: one TensorFlow import for all of them. Their
flags clash (`--workdir`, `--decoder`, ...), so a binary's flags are deleted,
and its modules forgotten, before the next one is imported.
"""

import json
import os
import subprocess
import sys

import numpy as np

from landmark1d.serving import media

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(
    __file__))))
MARK = "@@ exit "
# Runs each `[binary, flags]` of the JSON argument as `python -m` would: a
# message passed to sys.exit goes to stderr with status 1. The status
# follows each case on stderr.
DRIVER = """
import importlib, json, sys
from absl import flags
from experiments import cli
KEEP = ("experiments.cli", "experiments.configs")

def load(module):
  for name, defined in list(flags.FLAGS.flags_by_module_dict().items()):
    if name.startswith("experiments."):
      for flag in defined:
        if flag.name in flags.FLAGS:
          delattr(flags.FLAGS, flag.name)
  for name in list(sys.modules):
    if name.startswith("experiments.") and not name.startswith(KEEP):
      del sys.modules[name]
      vars(sys.modules["experiments"]).pop(name.split(".")[1], None)
  binary = importlib.import_module("experiments." + module)
  if module.startswith("train_"):
    return binary.train_common.main_for(module.split("_")[1])
  return binary.main

loaded = None
for module, case in json.loads(sys.argv[1]):
  if module != loaded:
    main, loaded = load(module), module
  flags.FLAGS.unparse_flags()
  sys.argv = [module, *case.split()]
  try:
    cli.run(main)
    status = 0
  except SystemExit as e:
    if isinstance(e.code, str):
      print(e.code, file=sys.stderr)
    status = 1 if isinstance(e.code, str) else e.code or 0
  print(%r + str(status), file=sys.stderr, flush=True)
""" % MARK


def _run(cases):
  """`(stderr, [(status, stderr lines)])`, one per `(binary, flags)` case."""
  env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
  env["CUDA_VISIBLE_DEVICES"] = ""
  stderr = subprocess.run(
      [sys.executable, "-c", DRIVER, json.dumps(cases)], cwd=ROOT, env=env,
      stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
      timeout=300, check=False).stderr
  results, lines = [], []
  for line in stderr.splitlines():
    if line.startswith(MARK):
      results.append((int(line[len(MARK):]), lines))
      lines = []
    else:
      lines.append(line)
  return stderr, results


def test_each_bad_input_is_one_plain_line_and_a_nonzero_exit(tmp_path,
                                                             tiny_exports):
  empty, tfds = tmp_path / "empty", tmp_path / "tfds"
  (empty / "manual").mkdir(parents=True)
  image = tmp_path / "face.png"
  media.write_image(str(image), np.zeros((16, 16, 3), np.uint8))
  train = f"--workdir={tmp_path / 'run'} --data_dir={tfds}"
  smoke = f"{train} --config=synthetic_det1d_smoke"
  cases = {  # binary -> [(flags, what the one line must say)]
      "train_detector": [
          (f"{train} --config=no_such",
           "unknown experiment config 'no_such'"),
          (train, "--config is required"),
          (f"{smoke} --set=train.stepz=5", "unknown field 'train.stepz'"),
          (f"{smoke} --set=train.steps=many",
           "train.steps: cannot read 'many' as"),
          (f"{smoke} --set=train.steps=0", "train.steps must be >= 1"),
          (f"{smoke} --set=data.dataset=synthetic_faces/nope",
           "dataset 'synthetic_faces/nope'"),
          (f"{train} --config=table3_300w_smoke",
           "dataset 'ibug_300w': not built in data_dir="),
          (f"{train} --config=no_such --verbosity=1",  # adds the traceback
           "unknown experiment config 'no_such'"),
      ],
      "evaluate": [(f"--workdir={empty}", f"{empty}/config.json not found"),
                   (f"--workdir={empty} --config=synthetic_det1d_smoke",
                    f"no checkpoint in {empty}/checkpoints")],
      "export": [(f"--workdir={empty}", f"{empty}/config.json not found")],
      "build_dataset": [
          ("--name=nope", "unknown dataset 'nope'"),
          (f"--name=ibug_300w --data_dir={tfds} --manual_dir={empty}/manual",
           f"manual_dir='{empty}/manual' does not hold its manual download"),
      ],
      "quickstart": [(f"--config=no_such --workdir={tmp_path}/quick",
                      "unknown experiment config 'no_such'")],
      # A wrong model path is named before dlib (a face detector) is needed.
      "predict": [(f"--model={tmp_path}/nowhere --input={image} "
                   f"--output_dir={tmp_path}/out",
                   f"{tmp_path}/nowhere: not a SavedModel folder"),
                  (f"--model={tiny_exports['detector']} --input={empty} "
                   f"--output_dir={tmp_path}/out",
                   f"{empty}: folder holds no image")],
  }
  flat = [(module, flags, message) for module, module_cases in cases.items()
          for flags, message in module_cases]
  stderr, results = _run([[module, flags] for module, flags, _ in flat])
  assert "oneDNN" not in stderr and "cpu_feature_guard" not in stderr
  assert "absl::InitializeLog" not in stderr
  assert len(results) == len(flat), stderr[-3000:]
  for (module, flags, message), (status, lines) in zip(flat, results):
    assert status == 1, (module, flags, lines[-20:])
    assert lines[-1].startswith("error: ") and message in lines[-1], (
        module, flags, lines[-20:])
    traced = any("Traceback" in line for line in lines)
    assert traced == ("--verbosity=1" in flags), (module, flags, lines)
