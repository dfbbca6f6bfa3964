"""bench/tracking_synthetic.py: filters tuned on validation, scores on the
same frames, paired comparisons by seed.

The reduced run (every method on the mini sets) takes ~3.5 min on 2 cores,
too long for CI; these check the benchmark's own arithmetic on constructed
predictions against hand-computed values.
"""

import json

import numpy as np
import pytest

from bench import tracking_synthetic as bench
from experiments import configs as registry
from landmark1d.eval import scoring


def _clip(rng, degraded_frame: int, frames: int = 12):
  """One still face (inter-ocular 100 px) seen with 1 px noise, and a
  10 px jump of every point on one degraded frame."""
  truth = np.tile(rng.uniform(0, 200, (1, 68, 2)), (frames, 1, 1))
  truth[:, 36], truth[:, 45] = (50.0, 100.0), (150.0, 100.0)
  pred = truth + rng.normal(0.0, 1.0, truth.shape)
  pred[degraded_frame] += 10.0
  flags = np.arange(frames) == degraded_frame
  return pred, truth, flags


def _predictions(seed: int = 0) -> scoring.Predictions:
  rng = np.random.default_rng(seed)
  parts = [_clip(rng, 6), _clip(rng, 8)]
  pred, truth, flags = (np.concatenate(p) for p in zip(*parts))
  videos = ["a"] * 12 + ["b"] * 12
  return scoring.Predictions(
      pred, truth, np.ones(truth.shape[:2], bool),
      [f"{v}/{t}" for v, t in zip(videos, list(range(12)) * 2)],
      video_ids=videos, frame_indices=np.tile(np.arange(12), 2),
      degraded=flags, events=np.where(flags, "noise", "none").tolist())


def test_transient_degraded_frames_scored_apart_and_filters_repair_them():
  config = registry.get("tracking_det1d_smoke")
  predictions = _predictions()
  row = bench.scores_row(config, predictions)
  # The 10 px jump on x and y is 14.1 % of the inter-ocular distance.
  assert row["nrmse_degraded"] == pytest.approx(100 * np.sqrt(200) / 100,
                                                abs=0.2)
  assert row["nrmse_clean"] < 2.0 and row["frames"] == 24
  assert row["nrmse_by_event"]["noise"] == row["nrmse_degraded"]
  tuned = bench.tune_filters(config, predictions)
  assert tuned["ema"]["alpha"] in bench.EMA_ALPHAS
  for name in ("ema", "one_euro"):
    filtered = bench.scores_row(config, bench._filtered(  # pylint: disable=protected-access
        predictions, name, bench._filter_args(tuned[name])))  # pylint: disable=protected-access
    # A still face: averaging over frames shrinks both the noise and the
    # one-frame jump.
    assert filtered["nrmse_degraded"] < row["nrmse_degraded"]
    assert filtered["jitter"] < row["jitter"]
    assert tuned[name]["validation_nrmse"] == pytest.approx(
        filtered["nrmse"], abs=1e-3)


def test_comparisons_are_paired_by_seed():
  runs = {"detector": {"0": 5.0, "1": 6.0, "2": 7.0},
          "tracker_lambda0.3": {"0": 4.0, "1": 5.5, "2": 6.0, "3": 1.0}}
  cells = {f"transient/{m}": {"runs": {s: {"nrmse": v} for s, v in r.items()}}
           for m, r in runs.items()}
  found = [c for c in bench.comparisons(cells)
           if c["other"] == "tracker_lambda0.3"]
  assert len(found) == 1  # one metric, one video, seeds 0-2 shared
  paired = found[0]["paired"]
  assert paired["seeds"] == [0, 1, 2]
  assert paired["difference"] == pytest.approx(np.mean([1.0, 0.5, 1.0]))
  assert found[0]["verdict"].startswith("tracker_lambda0.3 lower")


def test_update_report_replaces_only_the_block_between_its_markers():
  results = {"cells": {"transient/detector": {
      "runs": {"0": {}}, "nrmse": {"mean": 3.5, "std": None, "n": 1}}},
             "comparisons": []}
  text = (f"intro\n{bench.REPORT_BEGIN}\nold\n{bench.REPORT_END}\noutro\n")
  new = bench.update_report(text, results)
  assert new.startswith(f"intro\n{bench.REPORT_BEGIN}\n| cell |")
  assert new.endswith(f"{bench.REPORT_END}\noutro\n") and "old" not in new
  assert "| transient/detector | 1 |" in new
  with pytest.raises(ValueError, match="no block"):
    bench.update_report("no markers", results)
