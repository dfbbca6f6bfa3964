"""experiments.plan's commands name real binaries, flags and configs, in an
order that works; docs/reproduction.md holds the current plan; experiments.
collect fills the paper's layout from run directories."""

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


def _summary(runs, config, decoder="argmax", **splits):
  os.makedirs(os.path.join(runs, config, "eval"))
  with open(os.path.join(runs, config, "eval", "summary.json"), "w") as f:
    json.dump({"config": config, "decoder": decoder,
               **{s: {"nrmse_percent": v} for s, v in splits.items()}}, f)


def test_collect_fills_cells_from_summaries_and_marks_the_rest(tmp_path):
  runs = str(tmp_path)
  _summary(runs, "table4_300vw", s1=3.5, s2=3.25)
  _summary(runs, "table4_tf", decoder="dark", test=2.0)  # not its decoder
  table = tables.get("4")[0]
  decoders = {n: registry.get(n).eval.decoder for n in table.configs()}
  text, problems = tables.collect(table, runs, decoders)
  row = [l for l in text.splitlines() if l.startswith("| Ours")][0]
  assert row == ("| Ours | 3.50 (3.06) | 3.25 (3.17) | – (4.12) | "
                 "– (1.97) |")
  assert problems == [
      "Ours, 300VW S3: split 's3' not evaluated",
      f"Ours, TF: {os.path.join(runs, 'table4_tf', 'eval', 'summary.json')} "
      "was scored with decoder 'dark', the config's is 'argmax'"]


def test_collect_figure3_gives_the_change_from_gamma_0_to_04(tmp_path):
  runs = str(tmp_path)
  _summary(runs, "figure3_aflw_gamma0.0", test=2.0)
  _summary(runs, "figure3_aflw_gamma0.4", test=1.9)
  table = tables.get("figure3")[0]
  decoders = {n: "argmax" for n in table.configs()}
  text, _ = tables.collect(table, runs, decoders)
  row = [l for l in text.splitlines() if l.startswith("| AFLW")][0]
  cells = [c.strip() for c in row.strip("|").split("|")]
  assert cells[1] == "2.00 (–)" and cells[5] == "1.90 (–)"
  assert cells[4] == "– (1.32)"  # gamma 0.3: Table 3's number
  assert cells[-1] == "-5.00 (-6.94)"


def test_collect_figure4_reads_each_area_from_the_split_scores(tmp_path):
  runs = str(tmp_path)
  _summary(runs, "table4_300vw", s1=3.5)
  with open(os.path.join(runs, "table4_300vw", "eval", "s1.json"), "w") as f:
    json.dump({"model": {"regions": {"contour": 4.25, "eyes": 2.5}}}, f)
  table = tables.get("figure4")[0]
  text, problems = tables.collect(table, runs, {"table4_300vw": "argmax"})
  rows = {l.split("|")[1].strip(): [c.strip() for c in l.strip("|").split("|")]
          for l in text.splitlines() if l.startswith("| ") and "---" not in l}
  assert rows["contour"][1:] == ["4.25 (–)", "– (–)", "– (–)"]
  assert rows["eyes"][1] == "2.50 (–)"
  scores = os.path.join(runs, "table4_300vw", "eval", "s1.json")
  assert f"nose, 300VW S1: {scores} has no area 'nose'" in problems
  assert "mouth, 300VW S2: split 's2' not evaluated" in problems


def test_collect_figure5_reads_the_truths_variance_per_area_and_axis(
    tmp_path):
  runs = str(tmp_path)
  _summary(runs, "table4_300vw", s1=3.5, s2=3.0)
  variance = {"truth": {"contour": {"x": 12.5, "y": 7.25}, "eyes": None},
              "model": {"contour": {"x": 9.0, "y": 5.0}, "eyes": None}}
  folder = os.path.join(runs, "table4_300vw", "eval")
  with open(os.path.join(folder, "s1.json"), "w") as f:
    json.dump({"model": {"regions": {}, "coordinate_variance": variance}}, f)
  with open(os.path.join(folder, "s2.json"), "w") as f:
    json.dump({"model": {"regions": {}}}, f)  # scored before Fig. 5
  table = tables.get("figure5")[0]
  text, problems = tables.collect(table, runs, {"table4_300vw": "argmax"})
  rows = {l.split("|")[1].strip(): [c.strip() for c in l.strip("|").split("|")]
          for l in text.splitlines() if l.startswith("| ") and "---" not in l}
  assert rows[""][1:3] == ["300VW S1 x", "300VW S1 y"]
  assert rows["contour"][1:3] == ["12.50 (–)", "7.25 (–)"]
  assert rows["contour"][5:] == ["– (–)", "– (–)"]  # s3 not evaluated
  s1 = os.path.join(folder, "s1.json")
  assert f"eyes, 300VW S1 x: {s1} has no coordinate variance of area 'eyes'" \
      in problems
  s2 = os.path.join(folder, "s2.json")
  assert any(p.startswith(f"contour, 300VW S2 x: {s2} has no "
                          "coordinate_variance") for p in problems)


def test_every_table_cell_names_a_config_that_scores_its_split():
  for table in tables.get("all"):
    for _, cells in table.rows:
      assert len(cells) == len(table.columns)
      for cell in cells:
        assert cell.split in registry.get(cell.config).data.eval_splits
