"""The paper's accuracy claims in miniature on the synthetic faces (CPU).

Cells (the `accuracy_*` configs of experiments/configs/synthetic.py: F = 64,
a 1-stack 64-channel hourglass, 20 000 training stills, Adam 1e-3 on a cosine
decay over a fixed step count chosen from validation curves, BUILD_NOTES.md):

- 1D detector at L/F = 0.25, 0.5, 1, 2, 3 (L = 16 ... 192) and the 2D detector
  at L/F = 0.25, 0.5, 1: Table 1's claims (a) error falls as L grows and (b)
  1D at least as accurate as 2D at equal L;
- gamma 0 and 1 beside the L/F = 3 cell's 0.3: Figure 3's claim (c);
- the 1D tracker with lambda 0 and 0.3, each starting from the same seed's
  L/F = 3 detector: Table 2's claim (d);
- the L/F = 3 detector on the mobile backbone (ours, for CPU serving): (e)
  its error against the hourglass's.

Every cell is trained with each seed of `SEEDS` (weights, batch order and
augmentation; the data, backbone (but in (e)), augmentation ranges, steps and evaluation
are the cells' common settings). This module holds the cells and runs them;
the parts live beside it: `cell_runs` trains one (cell, seed) run,
`accuracy_scores` scores it (test NRMSE with argmax and DARK decoding of the
same heatmaps) and a cell's seed-independent references (argmax floor, mean
shape, cost), `accuracy_claims` summarises seeds and states each claim as a
difference with a 95 % interval (bench/seed_statistics.py),
`accuracy_report` draws the figure and writes the tables.

Resumable at (cell, seed) granularity: results are read back from
`<out>/accuracy_synthetic.json` (commit it, and another session completes the
set), a finished (cell, seed) is never trained again, and a cell whose
recorded or workdir settings differ from its config's is an error, never
silently reused. A tracker needs its detector's checkpoint in `--workdir`;
when it is missing (another machine), the detector is trained again there
(deterministic ops: the same weights on the same machine) and its score on
the video frames is recorded beside the tracker's.

  python -m bench.accuracy_synthetic --mode=full --out=docs/bench \\
      --workdir=runs/accuracy --data_dir=runs/tensorflow_datasets
  python -m bench.accuracy_synthetic --mode=full --out=docs/bench \\
      --cells=accuracy_det1d_L16      # one cell (all seeds), then commit
  python -m bench.accuracy_synthetic --out=docs/bench \\
      --update_docs=docs/reproduction.md   # the report's tables from the JSON
"""

from __future__ import annotations

import os

from absl import flags
from absl import logging

from bench import accuracy_claims
from bench import accuracy_report
from bench import accuracy_scores
from bench import cell_runs
from bench import cli
from experiments import configs as registry
from experiments import runbook
from landmark1d.runs import common
from landmark1d.runs import schema

NAME = "accuracy_synthetic"
SEEDS = {"full": (0, 1, 2), "reduced": (0, 1)}
# In the order they run: what settles claims (a), (b), (c), (d) first.
CELLS = {
    "full": ["accuracy_det1d_L16", "accuracy_det1d_L192",
             "accuracy_det1d_L64", "accuracy_det1d_L32",
             "accuracy_det1d_L128", "accuracy_det2d_L16",
             "accuracy_det2d_L32", "accuracy_det2d_L64",
             "accuracy_det1d_gamma0.0", "accuracy_det1d_gamma1.0",
             "accuracy_trk1d_lambda0.3", "accuracy_trk1d_lambda0.0",
             # The README main job, for the spread of its quoted number.
             "synthetic_det1d",
             # The L/F = 3 cell on the mobile backbone (issue 27).
             "accuracy_det1d_mobile"],
    "reduced": ["accuracy_det1d_L192_smoke", "accuracy_det2d_L16_smoke",
                "accuracy_trk1d_lambda0.3_smoke"],
}
# Cells that are not the benchmark's own: the main job's step count
# (experiments/quickstart.py's --steps default).
STEPS = {"synthetic_det1d": 800}


def resolve(cell: str, seed: int, data_dir: str,
            workdir: str) -> schema.ExperimentConfig:
  """The cell's config for `seed` (a tracker's detector run under `workdir`)."""
  settings = [f"train.steps={STEPS[cell]}"] if cell in STEPS else []
  if cell.endswith("_smoke"):  # the mini builds are seconds to make
    tracker = common.is_tracker(registry.get(cell))
    settings.append("data.dataset=synthetic_faces/"
                    + ("mini_video" if tracker else "mini"))
  return cell_runs.resolve(cell, seed, data_dir, workdir, settings)


def _run_seed(cell, seed, data_dir, workdir) -> dict:
  config = resolve(cell, seed, data_dir, workdir)
  where = cell_runs.run_dir(workdir, cell, seed)
  if common.is_tracker(config):
    detector = resolve(config.tracker.detector_config, seed, data_dir,
                       workdir)
    return accuracy_scores.run_tracker(config, where, detector)
  return accuracy_scores.run_detector(config, where)


def _describe(config: schema.ExperimentConfig) -> dict:
  m, tracker = config.model, common.is_tracker(config)
  return {"head": m.head, "L": m.heatmap_length, "F": config.data.crop_size,
          "L_over_F": m.heatmap_length / config.data.crop_size,
          "gamma": m.coattention_gamma,
          "lambda": config.tracker.fusion_lambda if tracker else None,
          "description": config.description}


def _write(results: dict, out: str):
  results["claims"] = accuracy_claims.claims(results["cells"])
  results["trends"] = accuracy_claims.trends(results["cells"])
  cli.write_json(results, out, NAME)


def run(mode: str, out: str, workdir: str, data_dir: str,
        cells=None) -> dict:
  """Trains and scores the (cell, seed) runs not yet in `<out>`'s JSON.

  Args:
    mode: "reduced" (smoke configs, seconds each) or "full".
    out: folder of `accuracy_synthetic.{json,png}`, read back to resume.
    workdir: parent of the runs' workdirs (`<cell>/seed<k>`).
    data_dir: tfds data_dir.
    cells: a subset of `CELLS[mode]` (default: all), run in the mode's order.

  Raises:
    cli.UsageError: unknown cells, results of another mode in `out`, or a
      recorded result or workdir trained with other settings than the
      cell's config.
  """
  unknown = sorted(set(cells or ()) - set(CELLS[mode]))
  if unknown:
    raise cli.UsageError(f"cells {unknown} are not in mode {mode!r}; its cells "
                     f"are {CELLS[mode]}")
  results = cell_runs.load_results(out, NAME, mode)
  results["seeds"] = list(SEEDS[mode])
  for cell in [c for c in CELLS[mode] if not cells or c in cells]:
    config = resolve(cell, 0, data_dir, workdir)
    wanted = cell_runs.cell_settings(config)
    entry = results["cells"].get(cell)
    if entry is None:
      entry = results["cells"][cell] = {
          **_describe(config), **accuracy_scores.cell_references(config),
          "settings": wanted, "runs": {}}
    cell_runs.check_same(entry["settings"], wanted, f"cell {cell} in {out}")
    entry["settings"] = wanted  # written back in the current layout
    if "cost" not in entry and not common.is_tracker(config):
      entry["cost"] = accuracy_scores.cell_cost(config)
    for seed in SEEDS[mode]:
      if str(seed) in entry["runs"]:
        continue  # finished: never trained again
      entry["runs"][str(seed)] = _run_seed(cell, seed, data_dir, workdir)
      accuracy_claims.summarise_cell(entry)
      _write(results, out)  # after every run: a kill loses at most one
  _write(results, out)
  accuracy_report.plot(results, os.path.join(out, f"{NAME}.png"))
  return results


# docs/reproduction.md's generated block (a test checks it is current).
REPORT_BEGIN, REPORT_END = cli.report_markers(NAME)


def update_report(text: str, results: dict) -> str:
  """`text` with its block between REPORT_BEGIN and REPORT_END set to the
  cells, claims and trends tables (ValueError when the markers are
  missing)."""
  return runbook.replace_block(text, REPORT_BEGIN, REPORT_END,
                               accuracy_report.markdown(results))


def main(argv):
  del argv
  logging.set_verbosity(logging.WARNING)  # tfds is chatty at INFO
  f = cli.FLAGS
  if f.update_docs:
    results = cli.stored_results(f.out, NAME)
    cli.rewrite_document(f.update_docs,
                         lambda text: update_report(text, results))
    accuracy_report.plot(results, os.path.join(f.out, f"{NAME}.png"))
    return
  print(accuracy_report.markdown(run(f.mode, f.out, f.workdir, f.data_dir,
                                     f.cells)))


if __name__ == "__main__":
  cli.define_flags()
  cli.define_run_flags("runs/accuracy")
  flags.DEFINE_list("cells", None,
                    "Only these cells of --mode (default: all of them).")
  cli.define_update_docs_flag("tables and the figure")
  cli.run(main)
