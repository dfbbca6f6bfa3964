"""Prints the paper's tables filled from finished runs, beside the paper's numbers.

Reads `<runs>/<config name>/eval/summary.json` for every cell (the layout
`python -m experiments.plan` uses); cells not run yet read "–".

  python -m experiments.collect --table=1 --runs=runs
  python -m experiments.collect --table=all --runs=runs
"""

from absl import flags

from experiments import cli
from experiments import configs as registry
from experiments import table_results
from experiments import tables

_TABLE = flags.DEFINE_enum("table", "all", [*tables.TABLES, "all"],
                           "Which table (1-4, figure3, figure4, figure5, wflw, all).")
_RUNS = flags.DEFINE_string("runs", "runs", "Folder holding one workdir per "
                            "config name.")


def main(argv):
  del argv
  for table in tables.get(_TABLE.value):
    decoders = {name: registry.get(name).eval.decoder
                for name in table.configs()}
    text, problems = table_results.collect(table, _RUNS.value, decoders)
    print(text + "\n")
    for problem in problems:
      print(f"  not filled: {problem}")


if __name__ == "__main__":
  cli.run(main)
