"""The command line every benchmark shares: --mode and --out.

Benchmarks are imported side by side by the tests, so the flags are defined
once per process here rather than in each script.
"""

import json
import os

from absl import flags

if "mode" not in flags.FLAGS:
  flags.DEFINE_enum("mode", "full", ["reduced", "full"],
                    "reduced: a minutes-long smoke version (used by tests); "
                    "full: the measurements docs/reproduction.md quotes.")
  flags.DEFINE_string("out", "runs/bench", "Folder for the JSON and PNG.")

FLAGS = flags.FLAGS


def write_json(results: dict, out: str, name: str) -> str:
  """Writes `<out>/<name>.json`; returns its path."""
  os.makedirs(out, exist_ok=True)
  path = os.path.join(out, f"{name}.json")
  with open(path, "w", encoding="utf-8") as f:
    json.dump(results, f, indent=2)
  return path
