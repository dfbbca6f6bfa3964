"""The paper's experiments in miniature on the synthetic faces (CPU).

Trains and evaluates the named synthetic configs (experiments/configs/
synthetic.py: F = 64, a 1-stack 64-channel hourglass) through the library,
one workdir per run, and collects test NRMSE (and jitter for trackers):

- 1D at L = 16 ... 192 against 2D at L = 16 ... 64: Table 1's 1D vs 2D and
  Figure 3's error against L/F (argmax decoding, eq. 7);
- gamma 0 (co-attention off: eq. 10 adds nothing), 0.3 and 1 (Figure 3's
  gamma sweep);
- the 1D tracker with lambda = 0.3 against lambda = 0 (Table 2), NRMSE and
  frame-to-frame jitter.

A run whose `eval/summary.json` exists is not redone, so a killed benchmark
resumes where it stopped (and each run resumes from its checkpoints). A
workdir trained with other settings is an error, never silently reused.
Configs that differ only in name (synthetic_det1d_L192 is gamma = 0.3) are
trained once and reported under each name.

  python -m bench.accuracy_synthetic --mode=full --out=docs/bench \
      --workdir=runs/accuracy --data_dir=runs/tensorflow_datasets
  # add runs beside a benchmark that is still running (distinct workdirs):
  python -m bench.accuracy_synthetic --mode=full --out=runs/extra \
      --runs=synthetic_det1d_L128 --workdir=runs/accuracy
"""

from __future__ import annotations

import json
import os

from absl import app
from absl import flags

from bench import cli
from experiments import configs as registry
from landmark1d import configs
from landmark1d import experiment

NAME = "accuracy_synthetic"
DETECTOR_STEPS = 800  # the README main job's length (3 steps/s on 2 cores)
RUNS = {
    # 2 cores run one of these in 4-7 minutes (alone); the other named
    # configs (L = 96, 160, gamma 0.1 ... 0.9) run the same way.
    "full": ["synthetic_det1d_L16", "synthetic_det1d_L32",
             "synthetic_det1d_L64", "synthetic_det1d_L128",
             "synthetic_det1d_L192", "synthetic_det2d_L16",
             "synthetic_det2d_L32", "synthetic_det2d_L64",
             "synthetic_det1d_gamma0.0", "synthetic_det1d_gamma0.3",
             "synthetic_det1d_gamma1.0", "synthetic_trk1d",
             "synthetic_trk1d_lambda0",
             # After 800 steps the 2D head is still on the all-zero plateau
             # of the L2 loss; `name@steps` trains it on (its own workdir;
             # copy the 800-step checkpoints there to resume from them).
             "synthetic_det2d_L32@2400"],
    "reduced": ["synthetic_det1d_L16_smoke", "synthetic_det2d_L16_smoke",
                "synthetic_trk1d_smoke"],
}


def resolve(name: str, data_dir: str, overrides=()) -> configs.ExperimentConfig:
  """The named config with the benchmark's settings, then `overrides`.

  `config@steps` is the config trained for `steps` steps instead.
  """
  name, _, steps = name.partition("@")
  config = registry.get(name)
  settings = [f"data.data_dir={os.path.abspath(data_dir)}"]
  if name.endswith("_smoke"):
    # The mini builds (64 px, a few dozen images) are seconds to make.
    video = experiment.is_tracker(config)
    settings.append("data.dataset=synthetic_faces/"
                    + ("mini_video" if video else "mini"))
  elif steps or not experiment.is_tracker(config):
    settings.append(f"train.steps={steps or DETECTOR_STEPS}")
  if experiment.is_tracker(config):
    # The runs measured so far trained their trackers from random detectors.
    settings.append("tracker.from_scratch=true")
  return configs.override(config, [*settings, *overrides]).validate()


def _trained_settings(config: configs.ExperimentConfig) -> dict:
  """What makes two runs the same run: all but the name, text and data_dir."""
  values = config.to_dict()
  del values["name"], values["description"]
  values["data"] = dict(values["data"], data_dir=None)
  return json.loads(json.dumps(values))  # tuples -> lists, as config.json


def _check_workdir_matches(config: configs.ExperimentConfig, workdir: str):
  """ValueError unless `workdir` is new or was trained with these settings."""
  if not os.path.exists(os.path.join(workdir, "config.json")):
    return
  stored = _trained_settings(experiment.load_config(workdir))
  wanted = _trained_settings(config)
  differ = sorted(
      f"{section}.{field}: workdir {stored[section][field]!r}, wanted "
      f"{wanted[section][field]!r}" for section in wanted
      if isinstance(wanted[section], dict) for field in wanted[section]
      if stored[section].get(field) != wanted[section][field])
  if differ:
    raise ValueError(
        f"{workdir} was trained with other settings than {config.name!r} "
        f"({'; '.join(differ)}); use another --workdir or remove it")


def run_config(config: configs.ExperimentConfig, workdir: str) -> dict:
  """Trains and evaluates one config in `workdir` unless already done.

  Returns:
    The run's row: config name, workdir, head, L, F, L/F, gamma, lambda,
    steps, batch size, seed, test NRMSE (%), mean-shape NRMSE (%), jitter
    (%, trackers), test images.
  """
  _check_workdir_matches(config, workdir)
  summary_path = os.path.join(workdir, "eval", "summary.json")
  if not os.path.exists(summary_path):
    print(f"== {config.name}: training {config.train.steps} steps in "
          f"{workdir}", flush=True)
    experiment.train(config, workdir, log=lambda _: None)
    experiment.evaluate(config, workdir, log=lambda _: None)
  with open(summary_path, encoding="utf-8") as f:
    test = json.load(f)["test"]
  model = config.model
  return {
      "config": config.name, "workdir": os.path.basename(workdir),
      "head": model.head, "L": model.heatmap_length,
      "F": config.data.crop_size,
      "L_over_F": model.heatmap_length / config.data.crop_size,
      "gamma": model.coattention_gamma,
      "lambda": (config.tracker.fusion_lambda if config.tracker.enabled
                 else None),
      "steps": config.train.steps, "batch_size": config.train.batch_size,
      "seed": config.train.seed,
      "nrmse_percent": test["nrmse_percent"],
      "baseline_nrmse_percent": test["baseline_nrmse_percent"],
      "jitter_percent": test.get("jitter_percent"),
      "test_images": test["images"],
  }


def plot(rows: list, path: str):
  """Three panels: NRMSE vs L/F (1D, 2D); gamma sweep; tracker lambda."""
  import matplotlib  # pylint: disable=g-import-not-at-top
  matplotlib.use("Agg")
  from matplotlib import pyplot as plt  # pylint: disable=g-import-not-at-top
  fig, axes = plt.subplots(1, 3, figsize=(13, 3.8))
  detectors = [r for r in rows if r["lambda"] is None]
  for head, marker in (("1d", "o-"), ("2d", "s--")):
    points = sorted({(r["L_over_F"], r["nrmse_percent"]) for r in detectors
                     if r["head"] == head and "@" not in r["workdir"] and (
                         head == "2d" or r["gamma"] == 0.3)})
    if points:
      axes[0].plot(*zip(*points), marker, label=f"{head.upper()} heatmaps")
  for r in detectors:
    if "@" in r["workdir"]:  # a run trained longer than the others
      axes[0].plot(r["L_over_F"], r["nrmse_percent"], "k*",
                   label=f"{r['head'].upper()}, {r['steps']} steps")
  axes[0].set(xlabel="L / F", ylabel="test NRMSE (%)",
              title="error vs heatmap length (argmax)")
  if detectors:
    axes[0].axhline(detectors[0]["baseline_nrmse_percent"], color="gray",
                    ls=":", label="mean shape")
    axes[0].legend()
  gammas = sorted({(r["gamma"], r["nrmse_percent"]) for r in detectors
                   if r["head"] == "1d" and r["L_over_F"] == 3})
  if gammas:
    axes[1].plot(*zip(*gammas), "o-")
  axes[1].set(xlabel="gamma (0: co-attention off)", ylabel="test NRMSE (%)",
              title="co-attention weight, 1D L/F = 3")
  trackers = sorted((r for r in rows if r["lambda"] is not None),
                    key=lambda r: r["lambda"])
  labels = [f"lambda {r['lambda']:g}" for r in trackers]
  x = range(len(trackers))
  for shift, key, label in ((-0.2, "nrmse_percent", "NRMSE (%)"),
                            (0.2, "jitter_percent", "jitter (%)")):
    values = [r[key] or 0.0 for r in trackers]
    bars = axes[2].bar([i + shift for i in x], values, 0.4, label=label)
    axes[2].bar_label(bars, fmt="%.2f", fontsize=7)
  axes[2].set_xticks(list(x), labels)
  axes[2].set(title="1D tracker, temporal fusion (eq. 13)")
  axes[2].legend()
  fig.tight_layout()
  fig.savefig(path, dpi=120)
  plt.close(fig)


def workdir_names(resolved: dict) -> dict:
  """`{run name: workdir name}` for `{run name: config}` in the mode's order.

  Runs with the same settings share the workdir of the first of them, whichever
  subset is asked for, so a resumed or partial benchmark finds it.
  """
  first, names = {}, {}
  for name, config in resolved.items():
    key = json.dumps(_trained_settings(config), sort_keys=True)
    names[name] = first.setdefault(key, name)
  return names


def run(mode: str, out: str, workdir: str, data_dir: str, names=None,
        overrides=()) -> dict:
  """Runs (or reuses) the runs of `mode`; writes JSON and PNG to `out`.

  Args:
    mode: "reduced" or "full".
    out: folder for `accuracy_synthetic.{json,png}`.
    workdir: parent of the runs' workdirs.
    data_dir: tfds data_dir.
    names: a subset of `RUNS[mode]` (default: all).
    overrides: `section.field=value` strings applied to every run.
  """
  unknown = sorted(set(names or ()) - set(RUNS[mode]))
  if unknown:
    raise ValueError(f"runs {unknown} are not in mode {mode!r}; its runs are "
                     f"{RUNS[mode]}")
  resolved = {n: resolve(n, data_dir, overrides) for n in RUNS[mode]}
  home = workdir_names(resolved)
  results = {"mode": mode, "overrides": list(overrides),
             "detector_steps": None if mode == "reduced" else DETECTOR_STEPS,
             "decoder": "argmax (eq. 7)", "split": "test", "rows": []}
  for name in [n for n in RUNS[mode] if not names or n in names]:
    results["rows"].append(
        run_config(resolved[name], os.path.join(workdir, home[name])))
    # Written after every run so that a killed benchmark keeps its rows.
    cli.write_json(results, out, NAME)
  cli.write_json(results, out, NAME)
  plot(results["rows"], os.path.join(out, f"{NAME}.png"))
  return results


def main(argv):
  del argv
  f = cli.FLAGS
  results = run(f.mode, f.out, f.workdir, f.data_dir, f.runs, f.override)
  for r in results["rows"]:
    jitter = (f", jitter {r['jitter_percent']:.2f}%"
              if r["jitter_percent"] is not None else "")
    print(f"{r['config']:28s} NRMSE {r['nrmse_percent']:6.2f}% (mean shape "
          f"{r['baseline_nrmse_percent']:.2f}%){jitter}")


if __name__ == "__main__":
  cli.define_flags()
  flags.DEFINE_string("workdir", "runs/accuracy",
                      "Parent folder of the runs' workdirs.")
  flags.DEFINE_string("data_dir", "runs/tensorflow_datasets",
                      "tfds data_dir for the synthetic sets.")
  flags.DEFINE_list("runs", None,
                    "Only these runs of --mode (default: all of them).")
  flags.DEFINE_multi_string(
      "override", [], "'section.field=value' applied to every run after the "
      "benchmark's own settings, e.g. --override=train.steps=400; recorded in "
      "the JSON.")
  app.run(main)
