"""Benchmarks: `python -m bench.<name> --mode=reduced|full --out=<dir>`.

Each writes `<out>/<name>.json` and most a figure `<out>/<name>.png`;
docs/reproduction.md quotes the full-mode files kept under docs/bench/.

Importing this package imports `experiments`, which quiets TensorFlow's
start-up lines (experiments/__init__.py), so that a benchmark prints its own
lines only.
"""

import experiments  # pylint: disable=unused-import
