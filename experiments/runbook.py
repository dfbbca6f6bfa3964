"""The ordered shell commands that reproduce the paper's tables on real data.

`commands(tables)` lists, for the given tables: building the datasets, the
10-fold cross-validation of gamma / lambda the paper ran on each training set
(Sec. 5.1), the detectors, the detectors the trackers start from, the
trackers, the rows that share another row's training (scored from its run)
and collecting the table. Rows whose configs train the same weights
(`schema.training_settings`) train once, under the name of the first of them
in `tables.ORDER` (Tables 3 and 4's "Ours" rows first), whichever table is
asked for, so plans of different tables share their runs.
"""

from __future__ import annotations

import json

import landmark1d_datasets
from experiments import configs as registry
from experiments import tables as tables_lib
from landmark1d.runs import schema

DATA_DIR = "$TFDS_DIR"
CV_VALUES = ",".join(f"{0.1 * i:.1f}" for i in range(1, 11))  # Sec. 5.1
CV_FOLDS = 10
# (parameter, training set): the config whose training split is folded.
CROSS_VALIDATION = {
    ("gamma", "300w"): "table3_300w",
    ("gamma", "aflw"): "table3_aflw",
    ("gamma", "300vw"): "table4_300vw_detector",
    ("lambda", "300vw"): "table4_300vw",
}
# What each table's "optimal values" (Sec. 5.1) come from.
TABLE_CROSS_VALIDATION = {
    "1": (("gamma", "300w"), ("gamma", "300vw"), ("lambda", "300vw")),
    "2": (("gamma", "300vw"), ("lambda", "300vw")),
    "3": (("gamma", "300w"), ("gamma", "aflw")),
    "4": (("gamma", "300vw"), ("lambda", "300vw")),
    "figure3": (("lambda", "300vw"),),  # gamma is the figure's variable
    "figure4": (("gamma", "300vw"), ("lambda", "300vw")),
    "figure5": (("gamma", "300vw"), ("lambda", "300vw")),
    "wflw": (),  # not in the paper: its gamma (0.3) is taken as it is
}
WIDTH = 110


def _manual_dir(dataset: str) -> str:
  """The shell variable a plan names for `dataset`'s manual download."""
  return f"$MANUAL_{dataset.upper()}"


def _rank(name: str):
  prefix = name.split("_")[0]
  order = [f"table{k}" if k[0].isdigit() else k for k in tables_lib.ORDER]
  return (order.index(prefix) if prefix in order else len(order), name)


def canonical_runs() -> dict:
  """Config name -> the config name its weights are trained under."""
  groups = {}
  for name in registry.names():
    if name.endswith("_smoke"):
      continue
    key = json.dumps(schema.training_settings(registry.get(name)),
                     sort_keys=True)
    groups.setdefault(key, []).append(name)
  out = {}
  for names in groups.values():
    first = min(names, key=_rank)
    out.update({n: first for n in names})
  return out


def _command(binary: str, *flags: str) -> str:
  """One command, wrapped with backslashes beyond WIDTH characters."""
  lines, line = [], f"python -m experiments.{binary}"
  for flag in flags:
    if len(line) + 1 + len(flag) > WIDTH:
      lines.append(line + " \\")
      line = "    " + flag
    else:
      line += " " + flag
  return "\n".join(lines + [line])


def _datasets(config: schema.ExperimentConfig) -> list:
  data = config.data
  names = [data.dataset, *(s.split(":")[0] for s in data.extra_train_datasets)]
  names += [data.eval_dataset] if data.eval_dataset else []
  return [n.split("/")[0] for n in names]


def commands(tables: list, runs: str = "runs",
             cross_validate: bool = True) -> list[str]:
  """The shell lines (commands, `#` comments, blanks) for `tables`, in order.

  Args:
    tables: `tables_lib.Table`s.
    runs: the folder of run directories (one per config name).
    cross_validate: include the 10-fold selection of gamma / lambda.
  """
  keys = [t.key for t in tables]
  canonical = canonical_runs()
  cells = list(dict.fromkeys(c for t in tables for c in t.configs()))
  # Tables 3 and 4's rows first, then in the tables' order (stable sort).
  trained = sorted(dict.fromkeys(canonical[c] for c in cells),
                   key=lambda n: _rank(n)[0])
  detectors = [n for n in trained if not registry.get(n).tracker.enabled]
  trackers = [n for n in trained if registry.get(n).tracker.enabled]
  starts = list(dict.fromkeys(registry.get(n).tracker.detector_config
                              for n in trackers))
  assert not set(starts) & set(canonical[c] for c in cells)
  shared = [c for c in cells if canonical[c] != c]
  cv = list(dict.fromkeys(p for k in keys for p in TABLE_CROSS_VALIDATION[k]))
  datasets = {d for n in trained + starts + cells
              for d in _datasets(registry.get(n))}
  title = ", ".join(t.title.split(":")[0] for t in tables)

  def run(name):
    return f"{runs}/{name}"

  lines = [
      f"# Reproduces {title} on real data "
      f"(python -m experiments.plan --table={'all' if len(keys) > 1 else keys[0]}).",
      "# Set TFDS_DIR (where datasets are built) and the manual download "
      "folders named below;",
      "# each builder's MANUAL_DOWNLOAD_INSTRUCTIONS say what goes in them. "
      "Runs resume after a kill.",
      "", "# 1. Build the datasets."]
  lines += [_command("build_dataset", f"--name={d}",
                     f"--manual_dir={_manual_dir(d)}", f"--data_dir={DATA_DIR}")
            for d in landmark1d_datasets.manual_download() if d in datasets]
  if cross_validate and cv:
    lines += [
        "", f"# 2. {CV_FOLDS}-fold cross-validation on the training sets "
        f"(Sec. 5.1), {len(CV_VALUES.split(','))} values x {CV_FOLDS} folds "
        "= 100 trainings each.",
        "#    The paper selected 0.3 everywhere and the configs use it; where "
        "cross_validation.json's",
        "#    best differs, add --set=model.coattention_gamma=<best> (gamma) "
        "or --set=tracker.fusion_lambda=<best>",
        "#    (lambda) to the runs below (and to the detectors of those "
        "trackers, for gamma)."]
    for parameter, dataset in cv:
      name = CROSS_VALIDATION[(parameter, dataset)]
      binary = ("train_tracker" if registry.get(name).tracker.enabled
                else "train_detector")
      lines.append(_command(
          binary, f"--config={name}",
          f"--workdir={run(f'cv_{parameter}_{dataset}')}",
          f"--data_dir={DATA_DIR}", f"--cross_validate={parameter}",
          f"--cv_values={CV_VALUES}", f"--cv_folds={CV_FOLDS}"))
  if detectors:
    lines += ["", "# 3. Detectors, each scored on its eval splits after "
              "training."]
    lines += [_command("train_detector", f"--config={n}",
                       f"--workdir={run(n)}", f"--data_dir={DATA_DIR}")
              for n in detectors]
  if trackers:
    lines += ["", "# 4. The detectors the trackers start from (300-VW + 300-W"
              ", Sec. 5.1), then the trackers."]
    lines += [_command("train_detector", f"--config={n}",
                       f"--workdir={run(n)}", f"--data_dir={DATA_DIR}",
                       "--evaluate=false") for n in starts]
    lines += [_command(
        "train_tracker", f"--config={n}", f"--workdir={run(n)}",
        f"--data_dir={DATA_DIR}", "--set=tracker.detector_workdir="
        + run(registry.get(n).tracker.detector_config)) for n in trackers]
  if shared:
    lines += ["", "# 5. Rows that train the same weights as another row, "
              "scored from its run."]
    lines += [_command("evaluate", f"--config={n}", f"--workdir={run(n)}",
                       f"--model_workdir={run(canonical[n])}",
                       f"--data_dir={DATA_DIR}") for n in shared]
  lines += ["", "# 6. The table(s) beside the paper's numbers."]
  lines += [_command("collect", f"--table={k}", f"--runs={runs}")
            for k in keys]
  return lines


DOCS_BEGIN = ("<!-- generated by `python -m experiments.plan --table=all "
              "--update_docs=docs/reproduction.md`; do not edit by hand -->")
DOCS_END = "<!-- end of generated plan -->"


def replace_block(text: str, begin: str, end: str, body: str) -> str:
  """`text` with the block between the marker lines `begin` and `end` set to
  `body` (a document's generated part; a test keeps each current).

  Raises:
    ValueError: when the markers are missing.
  """
  if begin not in text or end not in text:
    raise ValueError(f"the document has no block between {begin!r} and "
                     f"{end!r}")
  head, rest = text.split(begin, 1)
  _, tail = rest.split(end, 1)
  return f"{head}{begin}\n{body}\n{end}{tail}"


def update_docs(text: str, lines: list[str]) -> str:
  """`text` with the block between DOCS_BEGIN and DOCS_END set to `lines`."""
  return replace_block(text, DOCS_BEGIN, DOCS_END,
                       "\n".join(["```bash", *lines, "```"]))
