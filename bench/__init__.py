"""Benchmarks: `python -m bench.<name> --mode=reduced|full --out=<dir>`.

Each writes `<out>/<name>.json` and `<out>/<name>.png`; docs/reproduction.md
quotes the full-mode files kept under docs/bench/.
"""
