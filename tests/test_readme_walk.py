"""Every README "Other things to run" command has a walk that runs it.

The cheap ones run in tests/readme_walk.sh (a script: each command imports
TensorFlow, too slow for the suite); the others are run by the tests named
here. A command added to the README without either fails this test.
"""

from __future__ import annotations

import pathlib

ROOT = pathlib.Path(__file__).resolve().parents[1]

# A README command (module or console script) -> what runs it.
WALKED = {
    "experiments.list_configs": "tests/readme_walk.sh",
    "experiments.plan": "tests/readme_walk.sh",
    "experiments.collect": "tests/readme_walk.sh",
    "experiments.model_summary": "tests/readme_walk.sh",
    "experiments.train_detector": "tests/experiments/test_binaries.py",
    "experiments.train_tracker": "tests/experiments/test_binaries.py",
    "experiments.evaluate": "tests/experiments/test_binaries.py",
    "experiments.export": "tests/experiments/test_binaries.py",
    "landmark1d-predict": "tests/experiments/test_predict.py",
    "bench.quantization_error": "tests/bench/test_quantization_error.py",
    "bench.cost_1d_vs_2d": "tests/bench/test_cost_1d_vs_2d.py",
    "bench.device_cost": "tests/bench/test_device_cost.py",
}


def _readme_commands() -> list[str]:
  """The module or script each line of the block runs."""
  text = (ROOT / "README.md").read_text()
  block = text.split("## Other things to run", 1)[1].split("```bash", 1)[1]
  block = block.split("```", 1)[0].replace("\\\n", " ")
  commands = []
  for line in block.splitlines():
    words = [w for w in line.split("#", 1)[0].split()
             if "=" not in w or w.startswith("--")]  # drop `VAR=value`
    if words:
      commands.append(words[2] if words[:2] == ["python", "-m"] else words[0])
  return commands


def test_readme_walk_covers_every_other_things_to_run_command():
  commands = _readme_commands()
  assert len(commands) == 12  # the block was found and read line by line
  assert sorted(set(commands)) == sorted(WALKED)
  walk = (ROOT / "tests" / "readme_walk.sh").read_text()
  for command, where in WALKED.items():
    if where.endswith(".sh"):
      assert f"-m {command}" in walk, command
    else:
      name = command.split(".")[-1].replace("landmark1d-", "")
      assert name in (ROOT / where).read_text(), (command, where)
