"""Prints the ordered shell commands that reproduce a paper table on real data.

Build the datasets, cross-validate gamma / lambda where the paper did, train
the detectors before the trackers that start from them, evaluate, and collect
the table beside the paper's numbers (`experiments/runbook.py`).

  python -m experiments.plan --table=1 > table1.sh
  python -m experiments.plan --table=all --update_docs=docs/reproduction.md
"""

from absl import flags

from experiments import cli
from experiments import runbook
from experiments import tables

_TABLE = flags.DEFINE_enum("table", "all", [*tables.TABLES, "all"],
                           "Which table (1-4, figure3, figure4, figure5, wflw, all).")
_RUNS = flags.DEFINE_string("runs", "runs", "Folder for the run directories.")
_CROSS_VALIDATE = flags.DEFINE_bool(
    "cross_validate", True, "Include the 10-fold selection of gamma / lambda "
    "(100 trainings per parameter and dataset).")
_UPDATE_DOCS = flags.DEFINE_string(
    "update_docs", None, "Rewrite the generated block of this Markdown file "
    "instead of printing.")


def main(argv):
  del argv
  lines = runbook.commands(tables.get(_TABLE.value), _RUNS.value,
                           _CROSS_VALIDATE.value)
  if not _UPDATE_DOCS.value:
    print("\n".join(lines))
    return
  with open(_UPDATE_DOCS.value, encoding="utf-8") as f:
    text = f.read()
  with open(_UPDATE_DOCS.value, "w", encoding="utf-8") as f:
    f.write(runbook.update_docs(text, lines))


if __name__ == "__main__":
  cli.run(main)
