"""Each block of docs/reproduction.md that a benchmark generates is what that
benchmark's `--update_docs` writes from the committed JSON."""

import json
import pathlib

import pytest

from bench import accuracy_synthetic
from bench import inference_speed
from bench import tracking_synthetic

ROOT = pathlib.Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("bench", [accuracy_synthetic, tracking_synthetic,
                                   inference_speed],
                         ids=lambda bench: bench.NAME)
def test_the_reports_block_is_the_committed_jsons(bench):
  results = json.loads((ROOT / "docs" / "bench" / f"{bench.NAME}.json")
                       .read_text())
  text = (ROOT / "docs" / "reproduction.md").read_text()
  assert bench.update_report(text, results) == text, (
      f"docs/reproduction.md's {bench.NAME} block is stale: run python -m "
      f"bench.{bench.NAME} --out=docs/bench "
      "--update_docs=docs/reproduction.md")
