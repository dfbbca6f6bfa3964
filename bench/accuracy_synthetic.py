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
resumes where it stopped (and each run resumes from its checkpoints).

  python -m bench.accuracy_synthetic --mode=full --out=docs/bench \
      --workdir=runs/accuracy --data_dir=runs/tensorflow_datasets
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

_WORKDIR = flags.DEFINE_string("workdir", "runs/accuracy",
                               "Parent folder of the runs' workdirs.")
_DATA_DIR = flags.DEFINE_string("data_dir", "runs/tensorflow_datasets",
                                "tfds data_dir for the synthetic sets.")

NAME = "accuracy_synthetic"
DETECTOR_STEPS = 800  # the README main job's length (3 steps/s on 2 cores)
RUNS = {
    # 2 cores run one of these in 4-7 minutes; the other named configs
    # (L = 96 ... 160, 2D L = 16, gamma 0.1 ... 1.0) run the same way.
    "full": ["synthetic_det1d_L16", "synthetic_det1d_L32",
             "synthetic_det1d_L64", "synthetic_det1d_L192",
             "synthetic_det2d_L32", "synthetic_det2d_L64",
             "synthetic_det1d_gamma0.0", "synthetic_trk1d",
             "synthetic_trk1d_lambda0",
             # After 800 steps the 2D head is still on the all-zero plateau
             # of the L2 loss; this one trains on (resuming the 800-step run
             # when its checkpoints are copied to the new workdir).
             "synthetic_det2d_L32@2400"],
    "reduced": ["synthetic_det1d_L16_smoke", "synthetic_det2d_L16_smoke",
                "synthetic_trk1d_smoke"],
}


def run_config(name: str, workdir: str, data_dir: str) -> dict:
  """Trains and evaluates one named config unless already done.

  `name@steps` trains the config for `steps` steps instead of the default.

  Returns:
    The run's row: config name, head, L, L/F, gamma, lambda, steps, seed,
    test NRMSE (%), mean-shape NRMSE (%), jitter (%, trackers).
  """
  config_name, _, steps = name.partition("@")
  config = registry.get(config_name)
  overrides = [f"data.data_dir={os.path.abspath(data_dir)}"]
  if name.endswith("_smoke"):
    # The mini builds (64 px, a few dozen images) are seconds to make.
    video = experiment.is_tracker(config)
    overrides.append("data.dataset=synthetic_faces/"
                     + ("mini_video" if video else "mini"))
  elif steps or not experiment.is_tracker(config):
    overrides.append(f"train.steps={steps or DETECTOR_STEPS}")
  config = configs.override(config, overrides).validate()
  summary_path = os.path.join(workdir, "eval", "summary.json")
  if not os.path.exists(summary_path):
    print(f"== {name}: training {config.train.steps} steps in {workdir}",
          flush=True)
    experiment.train(config, workdir, log=lambda _: None)
    experiment.evaluate(config, workdir, log=lambda _: None)
  with open(summary_path, encoding="utf-8") as f:
    test = json.load(f)["test"]
  model = config.model
  return {
      "config": name, "head": model.head, "L": model.heatmap_length,
      "L_over_F": model.heatmap_length / config.data.crop_size,
      "gamma": model.coattention_gamma,
      "lambda": (config.tracker.fusion_lambda if config.tracker.enabled
                 else None),
      "steps": config.train.steps, "seed": config.train.seed,
      "nrmse_percent": test["nrmse_percent"],
      "baseline_nrmse_percent": test["baseline_nrmse_percent"],
      "jitter_percent": test.get("jitter_percent"),
  }


def plot(rows: list, path: str):
  """Three panels: NRMSE vs L/F (1D, 2D); gamma sweep; tracker lambda."""
  import matplotlib  # pylint: disable=g-import-not-at-top
  matplotlib.use("Agg")
  from matplotlib import pyplot as plt  # pylint: disable=g-import-not-at-top
  fig, axes = plt.subplots(1, 3, figsize=(13, 3.8))
  detectors = [r for r in rows if r["lambda"] is None]
  for head, marker in (("1d", "o-"), ("2d", "s--")):
    points = sorted((r["L_over_F"], r["nrmse_percent"]) for r in detectors
                    if r["head"] == head and "@" not in r["config"] and (
                        head == "2d" or r["gamma"] == 0.3))
    if points:
      axes[0].plot(*zip(*points), marker, label=f"{head.upper()} heatmaps")
  for r in detectors:
    if "@" in r["config"]:
      axes[0].plot(r["L_over_F"], r["nrmse_percent"], "k*",
                   label=f"{r['head'].upper()}, {r['steps']} steps")
  axes[0].set(xlabel="L / F", ylabel="test NRMSE (%)",
              title="error vs heatmap length (argmax)")
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
  axes[2].bar([i - 0.2 for i in x], [r["nrmse_percent"] for r in trackers],
              0.4, label="NRMSE (%)")
  axes[2].bar([i + 0.2 for i in x],
              [r["jitter_percent"] or 0.0 for r in trackers], 0.4,
              label="jitter (%)")
  axes[2].set_xticks(list(x), labels)
  axes[2].set(title="1D tracker, temporal fusion (eq. 13)")
  axes[2].legend()
  fig.tight_layout()
  fig.savefig(path, dpi=120)
  plt.close(fig)


def run(mode: str, out: str, workdir: str, data_dir: str) -> dict:
  """Runs (or reuses) every run of `mode`; writes JSON and PNG to `out`."""
  rows = []
  for name in RUNS[mode]:
    rows.append(run_config(name, os.path.join(workdir, name), data_dir))
    # Written after every run so that a killed benchmark keeps its rows.
    cli.write_json({"mode": mode, "rows": rows}, out, NAME)
  results = {"mode": mode, "rows": rows,
             "detector_steps": DETECTOR_STEPS if mode == "full" else None,
             "decoder": "argmax (eq. 7)", "split": "test"}
  cli.write_json(results, out, NAME)
  plot(rows, os.path.join(out, f"{NAME}.png"))
  return results


def main(argv):
  del argv
  results = run(cli.FLAGS.mode, cli.FLAGS.out, _WORKDIR.value,
                _DATA_DIR.value)
  for r in results["rows"]:
    jitter = (f", jitter {r['jitter_percent']:.2f}%"
              if r["jitter_percent"] is not None else "")
    print(f"{r['config']:28s} NRMSE {r['nrmse_percent']:6.2f}% (mean shape "
          f"{r['baseline_nrmse_percent']:.2f}%){jitter}")


if __name__ == "__main__":
  app.run(main)
