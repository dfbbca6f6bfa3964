"""Tracking on synthetic video: eq. 13's memory against per-frame detection and filters.

Issue 25's experiment (cells: experiments/configs/tracking.py). Per seed, one
1D detector (L = 192, F = 64) trained on stills with the transient video's mix
of degradations; then, on each kind of video (`current`: degradations drawn
once per clip, the negative control; `transient`: about a quarter of the frames
degraded in events of 1-3 frames), every method is scored on exactly the same
test frames and crops:

- `detector`: the detector alone, frame by frame (crops from each frame's
  ground-truth box, as the evaluate binary does);
- `ema`, `one_euro`: the practitioner's filters on the detector's image-pixel
  landmarks, parameters chosen on the validation clips (lowest NRMSE over all
  validation frames), the same for every frame of the test clips;
- `tracker_lambda{0.0,0.3,0.6}`: the 1D tracker with a frozen detector (the
  main arm), and `..._finetune`: the whole tracker at 1e-4;
- `cli_detector`, `cli_one_euro`, `cli_tracker_lambda0.3`: the CLI's own mode
  (each crop from the previous frame's landmarks through the SavedModel and
  `serving.predictor.FaceTracker`, the first from the ground-truth box).

Each row keeps NRMSE over all, degraded and clean frames, over the frames after
the first `SKIP_FIRST` of each clip, and jitter. Methods are compared paired by
seed (bench/seed_statistics.py). Before any tracker trains, a pre-check asks
whether the test bed holds anything a memory could repair: the tuned EMA must
lower the detector's error on the degraded validation frames of the transient
clips; if it does not, the run stops (fix the generator first).

Resumable: every finished (cell, seed) is written to `<out>/tracking_synthetic.json`
at once (commit it, and another session goes on); workdirs resume training.

  python -m bench.tracking_synthetic --mode=full --out=docs/bench \\
      --workdir=runs/tracking --data_dir=runs/tensorflow_datasets
  python -m bench.tracking_synthetic --mode=full --seeds=0,1 --phase=main
"""

from __future__ import annotations

import itertools
import os

from absl import flags
from absl import logging

from bench import cell_runs
from bench import cli
from bench import seed_statistics as stats
from experiments import configs as registry
from experiments import runbook
from experiments.configs import tracking as cells_lib
from landmark1d.eval import scoring
from landmark1d.geometry import temporal_filters
from landmark1d.runs import common
from landmark1d.runs import evaluate
from landmark1d.runs import export
from landmark1d.runs import follow
from landmark1d.runs import schema

NAME = "tracking_synthetic"
SEEDS = {"full": (0, 1, 2, 3, 4), "reduced": (0, 1)}
# The reduced mode's stand-ins: seconds to build.
MINI = {"synthetic_faces/images_transient": "synthetic_faces/mini_transient",
        "synthetic_faces/video_200": "synthetic_faces/mini_video",
        "synthetic_faces/video_transient":
            "synthetic_faces/mini_video_transient"}
SKIP_FIRST = 4  # frames a memory gets to build up before it is judged alone
FRAME_RATE = 25.0  # One Euro's cutoffs are in Hz at this rate
EMA_ALPHAS = (0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
ONE_EURO_GRID = tuple(itertools.product((0.3, 1.0, 3.0, 10.0),  # min_cutoff
                                        (0.0, 0.003, 0.01, 0.03, 0.1)))  # beta
CLI_LAMBDA = 0.3
PHASES = ("main", "finetune")
METRICS = ("nrmse", "nrmse_degraded", "nrmse_clean", "nrmse_after_first",
           "jitter")


def methods(phase: str) -> list[str]:
  """The methods a phase adds per (seed, video), in the order they run."""
  if phase == "main":
    return (["detector", "ema", "one_euro"]
            + [f"tracker_lambda{lam}" for lam in cells_lib.LAMBDAS]
            + ["cli_detector", "cli_one_euro",
               f"cli_tracker_lambda{CLI_LAMBDA}"])
  return [f"tracker_lambda{lam}_finetune" for lam in cells_lib.LAMBDAS]


def _config_name(method: str, video: str, smoke: bool) -> str:
  """The registered config whose run a method's row comes from."""
  name = cells_lib.DETECTOR
  if "tracker_lambda" in method:
    lam = float(method.split("lambda")[1].split("_")[0])
    name = cells_lib.tracker_name(video, lam, method.endswith("_finetune"))
  return name + ("_smoke" if smoke else "")


def resolve(name: str, seed: int, data_dir: str, workdir: str,
            smoke: bool, video: str | None = None) -> schema.ExperimentConfig:
  """A cell's config for `seed`; `video` re-targets a detector at its clips."""
  dataset = (cells_lib.VIDEOS[video] if video
             else registry.get(name).data.dataset)
  return cell_runs.resolve(name, seed, data_dir, workdir, [
      f"data.dataset={MINI[dataset] if smoke else dataset}"])


def scores_row(config: schema.ExperimentConfig,
               predictions: scoring.Predictions) -> dict:
  """NRMSE over all / degraded / clean / later frames and jitter (percent)."""
  scores = evaluate.score(config, predictions, skip_first=SKIP_FIRST)
  rows = scores.frame_rows or {}
  row = {"nrmse": scores.summary.nrmse, "jitter": scores.jitter,
         "frames": int(len(predictions.landmarks)),
         "nrmse_degraded": rows.get("degraded", {}).get("nrmse"),
         "nrmse_clean": rows.get("clean", {}).get("nrmse"),
         "nrmse_after_first": rows.get("all_after_skip", {}).get("nrmse"),
         "nrmse_by_event": {k: v["nrmse"] for k, v in
                            (scores.event_rows or {}).items()}}
  row["nrmse_by_event"] = _rounded(row["nrmse_by_event"])
  return _rounded(row)


def _rounded(values: dict) -> dict:
  return {k: (round(v, 4) if isinstance(v, float) else v)
          for k, v in values.items()}


def _filtered(predictions: scoring.Predictions, name: str,
              params: dict) -> scoring.Predictions:
  return scoring.map_videos(predictions, lambda track: (
      temporal_filters.filter_sequence(
          track, temporal_filters.make_filter(name, **params))))


def tune_filters(config, validation: scoring.Predictions) -> dict:
  """The EMA alpha and One Euro (min_cutoff, beta) of lowest validation NRMSE.

  Returns:
    `{"ema": {"alpha": ...}, "one_euro": {...}}`, each with the validation
    NRMSE (%) it reached under "validation_nrmse".
  """
  candidates = {
      "ema": [{"alpha": a} for a in EMA_ALPHAS],
      "one_euro": [{"min_cutoff": c, "beta": b, "frequency": FRAME_RATE}
                   for c, b in ONE_EURO_GRID]}
  best = {}
  for name, grid in candidates.items():
    scored = [(evaluate.score(config, _filtered(validation, name, p))
               .summary.nrmse, p) for p in grid]
    nrmse, params = min(scored, key=lambda s: s[0])
    best[name] = {**params, "validation_nrmse": round(nrmse, 4)}
  return best


class _Seed:
  """One seed's runs: the detector, its predictions, tuned filters, exports."""

  def __init__(self, seed, data_dir, workdir, smoke):
    self.seed, self.data_dir, self.workdir, self.smoke = (
        seed, data_dir, workdir, smoke)
    self._cache = {}

  def config(self, name, video=None):
    return resolve(name, self.seed, self.data_dir, self.workdir, self.smoke,
                   video)

  def run_dir(self, config) -> str:
    base = config.name
    return cell_runs.run_dir(self.workdir, base, self.seed)

  def detector_row(self) -> dict:
    config = self.config(_config_name("detector", "", self.smoke))
    row, model = cell_runs.trained_detector(config, self.run_dir(config))
    stills = evaluate.collect(config, config.data.eval_splits[0], {
        "model": evaluate.detector_predictor(model, config, "argmax")})
    row["stills_nrmse"] = round(
        evaluate.score(config, stills["model"]).summary.nrmse, 4)
    return row

  def detector_predictions(self, video: str, split: str):
    key = ("detector", video, split)
    if key not in self._cache:
      name = _config_name("detector", video, self.smoke)
      config = self.config(name, video)
      model = self._cache.setdefault(("model",), common.restore(
          config, self.run_dir(self.config(name))))
      self._cache[key] = (config, evaluate.collect(config, split, {
          "model": evaluate.detector_predictor(model, config, "argmax")
      })["model"])
    return self._cache[key]

  def filters(self, video: str) -> dict:
    key = ("filters", video)
    if key not in self._cache:
      config, validation = self.detector_predictions(video, "validation")
      self._cache[key] = tune_filters(config, validation)
    return self._cache[key]

  def tracker_row(self, method: str, video: str) -> dict:
    config = self.config(_config_name(method, video, self.smoke))
    where = self.run_dir(config)
    row = cell_runs.trained_tracker(
        config, where, self.config(config.tracker.detector_config))
    model = common.restore(config, where)
    test = evaluate.collect(config, "test", {
        "model": evaluate.tracker_predictor(model, config, "argmax")})
    return {**row, **scores_row(config, test["model"])}

  def export(self, config, workdir: str) -> str:
    path = os.path.join(workdir, "saved_model")
    if not os.path.exists(os.path.join(path, "saved_model.pb")):
      export.run(config, workdir, path)
    return path

  def cli_row(self, method: str, video: str) -> dict:
    if method in ("cli_detector", "cli_one_euro"):
      name = _config_name("detector", video, self.smoke)
      config = self.config(name, video)
      saved = self.export(config, self.run_dir(self.config(name)))
    else:
      config = self.config(_config_name(method[len("cli_"):], video,
                                        self.smoke))
      saved = self.export(config, self.run_dir(config))
    predictions = follow.follow(config, saved, "test")
    row = {}
    if method == "cli_one_euro":
      params = self.filters(video)["one_euro"]
      predictions = _filtered(predictions, "one_euro", _filter_args(params))
      row["filter"] = params
    return {**row, **scores_row(config, predictions)}

  def row(self, method: str, video: str) -> dict:
    if method.startswith("cli_"):
      return self.cli_row(method, video)
    if method.startswith("tracker_"):
      return self.tracker_row(method, video)
    config, test = self.detector_predictions(video, "test")
    if method == "detector":
      return scores_row(config, test)
    params = self.filters(video)[method]
    return {"filter": params, **scores_row(
        config, _filtered(test, method, _filter_args(params)))}


def _filter_args(params: dict) -> dict:
  return {k: v for k, v in params.items() if k != "validation_nrmse"}


def precheck(seed: _Seed) -> dict:
  """Does the tuned EMA lower the detector's error on degraded frames?

  On the transient clips' validation split, with seed 0's detector. A test
  bed where even a moving average cannot repair the degraded frames holds
  nothing for eq. 13's memory either.
  """
  config, validation = seed.detector_predictions("transient", "validation")
  params = _filter_args(seed.filters("transient")["ema"])
  detector = scores_row(config, validation)
  ema = scores_row(config, _filtered(validation, "ema", params))
  return {"split": "validation", "seed": seed.seed, "ema": params,
          "detector_nrmse_degraded": detector["nrmse_degraded"],
          "ema_nrmse_degraded": ema["nrmse_degraded"],
          "detector_nrmse_clean": detector["nrmse_clean"],
          "ema_nrmse_clean": ema["nrmse_clean"],
          "passed": ema["nrmse_degraded"] < detector["nrmse_degraded"]}


def _summarise(cell: dict):
  runs = cell["runs"].values()
  for key in METRICS:
    values = [r[key] for r in runs if r.get(key) is not None]
    if values:
      cell[key] = stats.summary(values)


# (reference, other, what the reference's lower error would mean): the
# difference reported is reference - other, so positive favours `other`.
COMPARISONS = (
    ("detector", "tracker_lambda0.3"), ("one_euro", "tracker_lambda0.3"),
    ("tracker_lambda0.0", "tracker_lambda0.3"),
    ("tracker_lambda0.0", "tracker_lambda0.6"),
    ("detector", "one_euro"), ("detector", "ema"),
    ("detector", "tracker_lambda0.3_finetune"),
    ("tracker_lambda0.0_finetune", "tracker_lambda0.3_finetune"),
    ("cli_detector", "cli_tracker_lambda0.3"),
    ("cli_detector", "cli_one_euro"),
    ("cli_one_euro", "cli_tracker_lambda0.3"),
)


def comparisons(cells: dict) -> list[dict]:
  """Paired (by seed) differences reference - other for every video and metric."""
  out = []
  for video in cells_lib.VIDEOS:
    for reference, other in COMPARISONS:
      a = cells.get(f"{video}/{reference}", {}).get("runs", {})
      b = cells.get(f"{video}/{other}", {}).get("runs", {})
      for metric in METRICS:
        ra = {int(s): r[metric] for s, r in a.items()
              if r.get(metric) is not None}
        rb = {int(s): r[metric] for s, r in b.items()
              if r.get(metric) is not None}
        paired = stats.paired(ra, rb)
        if paired is None:
          continue
        out.append({"name": f"{video}/{reference}-{other}/{metric}",
                    "video": video, "reference": reference, "other": other,
                    "metric": metric, "paired": paired,
                    "verdict": stats.verdict(
                        paired, f"{other} lower", f"{reference} lower")})
  return out


def _write(results: dict, out: str):
  results["comparisons"] = comparisons(results["cells"])
  cli.write_json(results, out, NAME)


def _record(results, out, key, settings, seed, make_row):
  """Runs `make_row` unless (key, seed) is recorded; writes at once."""
  cell = results["cells"].setdefault(key, {"settings": settings, "runs": {}})
  cell_runs.check_same(cell["settings"], settings, f"cell {key} in {out}")
  if str(seed) in cell["runs"]:
    return
  cell["runs"][str(seed)] = make_row()
  _summarise(cell)
  _write(results, out)


def run(mode: str, out: str, workdir: str, data_dir: str, seeds=None,
        phases=PHASES, skip_precheck: bool = False) -> dict:
  """Trains and scores what `<out>`'s JSON lacks, phase by phase, seed by seed.

  Raises:
    SystemExit: the pre-check failed (the message says what it measured).
    ValueError: a recorded cell or a workdir holds other settings.
  """
  smoke = mode == "reduced"
  results = cell_runs.load_results(out, NAME, mode)
  seeds = list(seeds or SEEDS[mode])
  # Sessions run different seeds; the JSON lists every seed asked of it.
  results.update(seeds=sorted(set(results.get("seeds", [])) | set(seeds)),
                 skip_first=SKIP_FIRST, frame_rate=FRAME_RATE,
                 ema_alphas=list(EMA_ALPHAS),
                 one_euro_grid=[list(p) for p in ONE_EURO_GRID])
  for phase in phases:
    for seed in seeds:
      runs = _Seed(seed, data_dir, workdir, smoke)
      detector = runs.config(_config_name("detector", "", smoke))
      _record(results, out, "stills/detector",
              cell_runs.cell_settings(detector), seed, runs.detector_row)
      if "precheck" not in results and not skip_precheck:
        results["precheck"] = precheck(runs)
        _write(results, out)
      if not skip_precheck and not results["precheck"]["passed"]:
        raise SystemExit(
            f"pre-check failed: on degraded validation frames the tuned EMA "
            f"scores {results['precheck']['ema_nrmse_degraded']} % against "
            f"the detector's {results['precheck']['detector_nrmse_degraded']}"
            " %: the transient video holds nothing a memory could repair")
      for video, method in itertools.product(cells_lib.VIDEOS,
                                             methods(phase)):
        config = runs.config(_config_name(method, video, smoke),
                             None if "tracker_lambda" in method else video)
        _record(results, out, f"{video}/{method}",
                cell_runs.cell_settings(config), seed,
                lambda: runs.row(method, video))
  _write(results, out)
  plot(results, os.path.join(out, f"{NAME}.png"))
  return results


def plot(results: dict, path: str):
  """Error against jitter, one point per method (mean +- std over seeds)."""
  import matplotlib  # pylint: disable=g-import-not-at-top
  matplotlib.use("Agg")
  from matplotlib import pyplot as plt  # pylint: disable=g-import-not-at-top
  fig, axes = plt.subplots(1, 2, figsize=(12, 4.8))
  held = {s for cell in results["cells"].values() for s in cell["runs"]}
  for ax, video, key in ((axes[0], "transient", "nrmse_degraded"),
                         (axes[1], "current", "nrmse")):
    for name, cell in results["cells"].items():
      if not name.startswith(video + "/") or key not in cell:
        continue
      x, y = cell["jitter"], cell[key]
      ax.errorbar(x["mean"], y["mean"], xerr=x["std"] or 0.0,
                  yerr=y["std"] or 0.0, fmt="o", capsize=3)
      ax.annotate(name.split("/", 1)[1], (x["mean"], y["mean"]),
                  fontsize=7, xytext=(4, 4), textcoords="offset points")
    what = "degraded frames" if key == "nrmse_degraded" else "all frames"
    ax.set(xlabel="jitter (% of inter-ocular distance per frame)",
           ylabel=f"test NRMSE on {what} (%)",
           title=f"{video} clips ({len(held)} seeds)")
  fig.tight_layout()
  fig.savefig(path, dpi=120)
  plt.close(fig)


def markdown(results: dict, comparison_metrics=METRICS) -> str:
  """The methods table per video and the paired comparisons (of
  `comparison_metrics` only)."""
  lines = [f"| cell | seeds | NRMSE all (%) | degraded | clean | after first "
           f"{SKIP_FIRST} | jitter (%) |",
           "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
  for name, c in results["cells"].items():
    lines.append(f"| {name} | {len(c['runs'])} | " + " | ".join(
        stats.summary_text(c.get(k)) for k in METRICS) + " |")
  lines += ["", "| video | reference - other | metric | paired difference "
            "(points) | 95 % interval | verdict |",
            "| --- | --- | --- | ---: | --- | --- |"]
  for c in results.get("comparisons", []):
    if c["metric"] not in comparison_metrics:
      continue
    p = c["paired"]
    bounds = "" if p["low"] is None else f"[{p['low']:+.2f}, {p['high']:+.2f}]"
    lines.append(f"| {c['video']} | {c['reference']} - {c['other']} | "
                 f"{c['metric']} | {p['difference']:+.2f} | {bounds} | "
                 f"{c['verdict']} |")
  return "\n".join(lines)


# docs/reproduction.md's generated block (a test checks it is current).
REPORT_BEGIN, REPORT_END = cli.report_markers(NAME)
REPORT_METRICS = ("nrmse", "nrmse_degraded", "nrmse_clean", "jitter")


def update_report(text: str, results: dict) -> str:
  """`text` with its block between REPORT_BEGIN and REPORT_END set to the
  results' tables (ValueError when the markers are missing)."""
  return runbook.replace_block(text, REPORT_BEGIN, REPORT_END,
                               markdown(results, REPORT_METRICS))


def main(argv):
  del argv
  logging.set_verbosity(logging.WARNING)
  f = cli.FLAGS
  if f.update_docs:
    results = cli.stored_results(f.out, NAME)
    _write(results, f.out)  # the comparisons as this version computes them
    cli.rewrite_document(f.update_docs,
                         lambda text: update_report(text, results))
    plot(results, os.path.join(f.out, f"{NAME}.png"))
    return
  seeds = [int(s) for s in f.seeds] if f.seeds else None
  print(markdown(run(f.mode, f.out, f.workdir, f.data_dir, seeds,
                     f.phase or PHASES, f.skip_precheck)))


if __name__ == "__main__":
  cli.define_flags()
  cli.define_run_flags("runs/tracking")
  flags.DEFINE_list("seeds", None, "Only these seeds (default: the mode's).")
  flags.DEFINE_multi_enum("phase", None, PHASES,
                          "Only these phases (default: main, then finetune).")
  cli.define_update_docs_flag("tables and the figure")
  flags.DEFINE_bool("skip_precheck", False,
                    "Train trackers even when the pre-check fails.")
  cli.run(main)
