"""experiments.plan's commands name real binaries, flags and configs, in an
order that works; docs/reproduction.md holds the current plan; every table
cell names a config that scores its split."""

import ast
import json
import os
import shlex

import pytest

import landmark1d_datasets
from experiments import configs as registry
from experiments import runbook
from experiments import tables
from landmark1d.runs import schema

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(
    __file__))))
TRAINERS = ("train_detector", "train_tracker")


def _defined_flags(module: str, seen=None) -> set:
  """Flag names an experiments module defines, with those it imports from
  other experiments modules (read from the source: importing every binary
  in one process would define some flags twice)."""
  seen = set() if seen is None else seen
  if module in seen:
    return set()
  seen.add(module)
  path = os.path.join(ROOT, "experiments", f"{module}.py")
  if not os.path.exists(path):
    return set()  # a package (experiments.configs) defines no flags
  names = set()
  for node in ast.walk(ast.parse(open(path, encoding="utf-8").read())):
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
        and node.func.attr.startswith("DEFINE_")):
      names.add(node.args[0].value)
    if isinstance(node, ast.ImportFrom) and node.module == "experiments":
      for alias in node.names:
        names |= _defined_flags(alias.name, seen)
  return names


def _commands(lines):
  """Commands as argument lists (continuations joined, comments dropped)."""
  text = "\n".join(l for l in lines if not l.startswith("#"))
  return [shlex.split(c) for c in text.replace("\\\n", " ").splitlines()
          if c.strip()]


def _flags(args):
  out = {}
  for arg in args[3:]:
    assert arg.startswith("--") and "=" in arg, arg
    name, value = arg[2:].split("=", 1)
    out.setdefault(name, []).append(value)
  return out


@pytest.mark.parametrize("table", [*tables.TABLES, "all"])
def test_every_planned_command_names_a_binary_flag_and_config(table):
  trained = {}  # workdir -> config name, in plan order
  commands = _commands(runbook.commands(tables.get(table)))
  assert commands[-1][:3] == ["python", "-m", "experiments.collect"]
  for args in commands:
    assert args[:2] == ["python", "-m"], args
    binary = args[2].removeprefix("experiments.")
    assert os.path.exists(os.path.join(ROOT, "experiments", f"{binary}.py"))
    flags = _flags(args)
    assert set(flags) <= _defined_flags(binary), (binary, set(flags))
    if binary == "build_dataset":
      assert flags["name"][0] in landmark1d_datasets.KNOWN
    if binary == "collect":
      assert flags["table"][0] in tables.TABLES
    if "config" not in flags:
      continue
    name = flags["config"][0]
    config = schema.override(registry.get(name), flags.get("set", []))
    workdir = flags["workdir"][0]
    if binary in TRAINERS:
      assert config.tracker.enabled == (binary == "train_tracker"), name
      if "cross_validate" in flags:
        continue
      trained[workdir] = name
      if config.tracker.enabled:  # its detector's run came first
        assert trained[config.tracker.detector_workdir] == (
            config.tracker.detector_config)
    else:  # evaluate: a row scored from a run with the same training
      source = trained[flags["model_workdir"][0]]
      assert schema.training_settings(registry.get(source)) == (
          schema.training_settings(config)), (name, source)
      trained[workdir] = name
    assert os.path.basename(workdir) == name
  cells = {c for t in tables.get(table) for c in t.configs()}
  assert cells <= set(trained.values())  # every cell gets its summary
  built = {_flags(a)["name"][0] for a in commands
           if a[2] == "experiments.build_dataset"}
  for name in cells | set(trained.values()):
    data = registry.get(name).data
    assert {data.dataset, data.eval_dataset or data.dataset} <= built
    assert {s.split(":")[0] for s in data.extra_train_datasets} <= built


def test_plan_trains_each_weight_once_and_table_runs_agree():
  whole = _commands(runbook.commands(tables.get("all")))
  trainings = [_flags(a)["workdir"][0] for a in whole
               if a[2].removeprefix("experiments.") in TRAINERS
               and "cross_validate" not in _flags(a)]
  assert len(trainings) == len(set(trainings))
  settings = [json.dumps(schema.training_settings(registry.get(
      os.path.basename(w))), sort_keys=True) for w in trainings]
  assert len(settings) == len(set(settings))
  for key in tables.TABLES:  # a single table's plan uses the same runs
    alone = _commands(runbook.commands(tables.get(key)))
    assert {_flags(a)["workdir"][0] for a in alone if "workdir" in
            _flags(a)} <= {_flags(a)["workdir"][0] for a in whole
                           if "workdir" in _flags(a)}


def test_reproduction_doc_holds_the_current_plan():
  path = os.path.join(ROOT, "docs", "reproduction.md")
  text = open(path, encoding="utf-8").read()
  current = runbook.update_docs(text, runbook.commands(tables.get("all")))
  assert text == current, ("docs/reproduction.md is stale: run python -m "
                           "experiments.plan --table=all "
                           "--update_docs=docs/reproduction.md")


def test_every_table_cell_names_a_config_that_scores_its_split():
  for table in tables.get("all"):
    for _, cells in table.rows:
      assert len(cells) == len(table.columns)
      for cell in cells:
        assert cell.split in registry.get(cell.config).data.eval_splits
