"""What finished runs say about the paper's tables: each cell read from its
run directory, a table filled and set beside the paper's numbers.

The tables themselves (layout, configs, the paper's values) are declared in
`experiments.tables`; `experiments.collect` prints what this reads.
"""

from __future__ import annotations

import dataclasses
import json
import os

from experiments import tables


@dataclasses.dataclass(frozen=True)
class Result:
  """What a run directory says about a cell: NRMSE (%), or the cell's
  coordinate variance (Fig. 5), or why there is none."""

  nrmse: float | None
  problem: str = ""


def read_cell(runs: str, cell: tables.Cell, decoder: str) -> Result:
  """The cell's NRMSE from `<runs>/<config>/eval/summary.json` (areas,
  coordinate variances and FR / AUC from `eval/<split>.json`).

  Args:
    runs: the folder holding one workdir per config name.
    cell: the cell.
    decoder: the decoder the cell's config scores with; a summary written
      with another (e.g. by `evaluate --decoder=...`) is not its number.

  Returns:
    The result; `nrmse` None when the run or split is not there yet.
  """
  path = os.path.join(runs, cell.config, "eval", "summary.json")
  if not os.path.exists(path):
    return Result(None, "not run")
  with open(path, encoding="utf-8") as f:
    summary = json.load(f)
  if summary.get("config", cell.config) != cell.config:
    return Result(None, f"{path} holds config {summary['config']!r}")
  if summary.get("decoder") != decoder:
    return Result(None, f"{path} was scored with decoder "
                  f"{summary.get('decoder')!r}, the config's is {decoder!r}")
  if cell.split not in summary:
    return Result(None, f"split {cell.split!r} not evaluated")
  if cell.area is None and cell.metric is None:
    return Result(float(summary[cell.split]["nrmse_percent"]))
  path = os.path.join(runs, cell.config, "eval", f"{cell.split}.json")
  with open(path, encoding="utf-8") as f:
    scores = json.load(f)["model"]
  if cell.axis is not None:
    if "coordinate_variance" not in scores:
      return Result(None, f"{path} has no coordinate_variance (scored "
                    "before it was added: run experiments.evaluate again)")
    area = scores["coordinate_variance"]["truth"].get(cell.area)
    if area is None:
      return Result(None, f"{path} has no coordinate variance of area "
                    f"{cell.area!r}")
    return Result(float(area[cell.axis]))
  if cell.metric is not None:
    values = scores["summary"][cell.metric]
    key = f"{cell.threshold:g}"
    if key not in values:
      return Result(None, f"{path} has no {cell.metric} at {key}")
    return Result(float(values[key]))
  if cell.area not in scores["regions"]:
    return Result(None, f"{path} has no area {cell.area!r}")
  return Result(float(scores["regions"][cell.area]))


def _text(value) -> str:
  if value is None:
    return "–"
  return value if isinstance(value, str) else f"{value:.2f}"


def collect(table: tables.Table, runs: str,
            decoders: dict) -> tuple[str, list]:
  """The table filled from `runs`, as Markdown, and the problems found.

  Each cell reads "ours (paper)"; "–" marks a number not run yet (ours) or
  not given (paper).

  Args:
    table: the table.
    runs: the folder of run directories (`<runs>/<config name>/`).
    decoders: config name -> its `eval.decoder`.

  Returns:
    `(markdown, problems)`; problems name the cells that were not filled,
    other than those simply not run.
  """
  change = table.key == "figure3"
  header = ["", *table.columns] + (
      ["gamma 0 -> 0.4, ours (paper)"] if change else [])
  lines = [f"**{table.title}** — each cell: ours (paper); – not run yet "
           "or not given", "",
           "| " + " | ".join(header) + " |",
           "|" + " --- |" * len(header)]
  problems = []
  for label, cells in table.rows:
    results = [read_cell(runs, c, decoders[c.config]) for c in cells]
    problems += [f"{label}, {col}: {r.problem}" for col, r in
                 zip(table.columns, results)
                 if r.problem and r.problem != "not run"]
    row = [label] + [f"{_text(r.nrmse)} ({_text(c.paper)})"
                     for c, r in zip(cells, results)]
    if change:
      ours = dict(zip(tables.FIGURE3_GAMMAS, (r.nrmse for r in results)))
      delta = (None if ours[0.0] is None or ours[0.4] is None
               else 100.0 * (ours[0.4] - ours[0.0]) / ours[0.0])
      paper = tables.FIGURE3_CHANGE_0_TO_04[label]
      row.append(f"{_text(delta)} ({_text(paper)})")
    lines.append("| " + " | ".join(row) + " |")
  if table.note:
    lines += ["", table.note]
  return "\n".join(lines), problems
