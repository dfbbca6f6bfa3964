"""The command line every benchmark shares: --mode and --out, and the path
for a user's mistake.

A benchmark's `__main__` block ends in `cli.run(main)`: a bad flag value, an
unknown cell or row (`UsageError`) or any of the experiment binaries' user
errors prints one `error: ...` line and exits 1, as the experiment binaries
do (experiments/cli.py; `--verbosity=1` adds the traceback). The device
benchmark is the exception: it runs on JAX where TensorFlow is not
installed, and those error types import it.
"""

from __future__ import annotations

import json
import os

from absl import flags

FLAGS = flags.FLAGS


class UsageError(ValueError):
  """What a benchmark's flags ask for and it does not have: an unknown cell
  or row, or an --out holding other results."""


def run(main):
  """`app.run(main)` with user errors as one plain line (module docstring)."""
  # Here, not at import: the device benchmark imports this module.
  from experiments import cli  # pylint: disable=g-import-not-at-top
  cli.run(main, cli.USER_ERRORS + (UsageError,))


def define_flags():
  """Defines --mode and --out; call from a benchmark's `__main__` block.

  Not at import: the tests import every benchmark and several experiment
  binaries into one process, and their flag names (--out, --data_dir)
  overlap.
  """
  flags.DEFINE_enum("mode", "full", ["reduced", "full"],
                    "reduced: a minutes-long smoke version (used by tests); "
                    "full: the measurements docs/reproduction.md quotes.")
  flags.DEFINE_string("out", "runs/bench", "Folder for the JSON and PNG.")


def define_run_flags(workdir: str):
  """Defines --workdir (default `workdir`) and --data_dir for a benchmark that
  trains runs on the synthetic sets; call from its `__main__` block."""
  flags.DEFINE_string("workdir", workdir,
                      "Parent folder of the runs' workdirs.")
  flags.DEFINE_string("data_dir", "runs/tensorflow_datasets",
                      "tfds data_dir for the synthetic sets.")


def report_markers(name: str) -> tuple[str, str]:
  """The lines around the block of a document that `<name>.json` generates
  (docs/reproduction.md's tables; a test per benchmark keeps each current)."""
  return (f"<!-- {name}.json, by --update_docs -->",
          f"<!-- end of {name}.json -->")


def define_update_docs_flag(what: str):
  """Defines --update_docs; call from a benchmark's `__main__` block."""
  flags.DEFINE_string("update_docs", None,
                      f"Run nothing: rewrite this document's {what} (e.g. "
                      "docs/reproduction.md) from --out's JSON.")


def stored_results(out: str, name: str) -> dict:
  """`<out>/<name>.json`, for a run that only reads it (--update_docs).

  Raises:
    UsageError: when `out` holds no such file.
  """
  results = read_json(out, name)
  if results is None:
    raise UsageError(f"--out={out} holds no {name}.json")
  return results


def rewrite_document(path: str, update) -> None:
  """Writes `update(text)` over the document at `path`."""
  with open(path, encoding="utf-8") as f:
    text = f.read()
  with open(path, "w", encoding="utf-8") as f:
    f.write(update(text))


def write_json(results: dict, out: str, name: str) -> str:
  """Writes `<out>/<name>.json`; returns its path."""
  os.makedirs(out, exist_ok=True)
  path = os.path.join(out, f"{name}.json")
  with open(path, "w", encoding="utf-8") as f:
    json.dump(results, f, indent=2)
  return path


def read_json(out: str, name: str) -> dict | None:
  """`<out>/<name>.json` as written by `write_json`, or None if absent."""
  path = os.path.join(out, f"{name}.json")
  if not os.path.exists(path):
    return None
  with open(path, encoding="utf-8") as f:
    return json.load(f)
