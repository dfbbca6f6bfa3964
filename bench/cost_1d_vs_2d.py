"""Cost of 1D against 2D heatmaps per L: memory, time, FLOPs, output size.

Each configuration runs in its own fresh process, so that the process's peak
resident memory (VmHWM, CPU) or the GPU allocator's peak is that model's
alone. The child builds the detector (or tracker), runs training steps
(Adam, the eq. 11 / eq. 14 loss on targets of the right shape) and inference
calls, and prints one JSON line. Rows measured in one run sit side by side,
so the 2D / 1D ratios compare like with like.

Memory grows with L through the head: the 1D head's activations are
proportional to L, the 2D head's to L^2 (its last layers run at L x L). A
least-squares line per head, memory = a + b x with x = L (1D) or L^2 (2D),
projects the memory of lengths not measured, and the L at which a 2D
training step at batch 10 needs 32 GB (the paper ran out of memory with 2D
heatmaps at L = 256 on its 32 GB GPUs).

  python -m bench.cost_1d_vs_2d --mode=full --out=docs/bench
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time

from absl import app
from absl import flags
import numpy as np

from bench import cli

NAME = "cost_1d_vs_2d"
GB = 1024 ** 3
PAPER_GPU_BYTES = 32 * GB
MODES = {
    # The paper's model (Section 5.1): F = 256, batch 10, 4 stacks x 256.
    # FLOPs of these come from `python -m experiments.model_summary` (the
    # profiler takes minutes on the 4-stack graphs).
    "full": dict(input_size=256, batch=10, num_stacks=4, channels=256,
                 depth=4, train_steps=1, latency_calls=2, clip=(2, 3),
                 flops=False, lengths_1d=(64, 768), lengths_2d=(64, 128),
                 tracker_lengths=(64, 128), projected_lengths=(
                     64, 128, 256, 384, 512, 640, 768)),
    "reduced": dict(input_size=64, batch=2, num_stacks=1, channels=32,
                    depth=2, train_steps=1, latency_calls=1, clip=(1, 2),
                    flops=True,
                    lengths_1d=(16, 32), lengths_2d=(16, 32),
                    tracker_lengths=(16,), projected_lengths=(16, 32, 64)),
}


# ----------------------------------------------------------------------------
# Child: one configuration.


def _status_kb(field: str) -> int:
  with open("/proc/self/status", encoding="ascii") as f:
    for line in f:
      if line.startswith(field + ":"):
        return int(line.split()[1])
  return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _targets(head: str, shape_prefix, n: int, length: int):
  """Targets of the right shape (values do not change cost)."""
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  mask = tf.ones([*shape_prefix, n])
  if head == "1d":
    hx = tf.zeros([*shape_prefix, n, length])
    return {"hx": hx, "hy": hx, "mask": mask}
  return {"heatmap": tf.zeros([*shape_prefix, n, length, length]),
          "mask": mask}


def measure(row: dict) -> dict:
  """Builds and times one configuration in this process; returns its cost."""
  import keras  # pylint: disable=g-import-not-at-top
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  from landmark1d import losses  # pylint: disable=g-import-not-at-top
  from landmark1d import model_summary  # pylint: disable=g-import-not-at-top
  from landmark1d import models  # pylint: disable=g-import-not-at-top
  from landmark1d import training  # pylint: disable=g-import-not-at-top
  f, n, length, head = row["input_size"], 68, row["L"], row["head"]
  detector = models.build_detector(
      head, num_landmarks=n, heatmap_length=length, input_size=f,
      num_stacks=row["num_stacks"], channels=row["channels"],
      hourglass_depth=row["depth"])
  result = {"parameters": detector.count_params(),
            "output_values": model_summary.output_values(head, n, length)}
  if row["tracker"]:
    model = models.build_tracker(detector)
    clips, frames = row["clip"]
    images = tf.random.uniform([clips, frames, f, f, 3])
    batch = _targets(head, [clips, frames], n, length)
    result["parameters"] = model.count_params()
  else:
    model = detector
    images = tf.random.uniform([row["batch"], f, f, 3])
    batch = _targets(head, [row["batch"]], n, length)
    if row["flops"]:
      result["gflops_per_image"] = model_summary.count_flops(
          model, (1, f, f, 3)) / 1e9
  batch["image"] = images
  step = tf.function(training.gradient_step(
      model, keras.optimizers.Adam(1e-4), losses.for_head(head),
      len(images)))
  train_step = lambda: step(batch)

  gpu = bool(tf.config.list_physical_devices("GPU"))
  result["rss_after_build_bytes"] = _status_kb("VmRSS") * 1024
  train_step()  # trace and first step
  if gpu:
    tf.config.experimental.reset_memory_stats("GPU:0")
  times = []
  for _ in range(row["train_steps"]):
    start = time.perf_counter()
    float(train_step())
    times.append(time.perf_counter() - start)
  result["train_step_seconds"] = float(np.median(times))
  result["peak_rss_bytes"] = _status_kb("VmHWM") * 1024
  # What training adds on top of the runtime and the weights.
  result["training_extra_bytes"] = (result["peak_rss_bytes"]
                                    - result["rss_after_build_bytes"])
  if gpu:
    result["gpu_peak_bytes"] = int(
        tf.config.experimental.get_memory_info("GPU:0")["peak"])
  if not row["tracker"]:
    one = images[:1]
    infer = tf.function(lambda x: model(x, training=False))
    infer(one)
    times = []
    for _ in range(row["latency_calls"]):
      start = time.perf_counter()
      tf.nest.map_structure(lambda t: t.numpy(), infer(one))
      times.append(time.perf_counter() - start)
    result["latency_batch1_seconds"] = float(np.median(times))
  return result


# ----------------------------------------------------------------------------
# Parent: the table, fits and plot.


# What describes a row's configuration (the rest of a row is its results).
SETTING_KEYS = ("input_size", "batch", "num_stacks", "channels", "depth",
                "train_steps", "latency_calls", "clip", "flops")
ROW_KEYS = ("head", "L", "tracker")


def rows_for(mode: str) -> list:
  """The configurations of a mode, trackers last."""
  s = MODES[mode]
  common = {k: s[k] for k in SETTING_KEYS}
  rows = [dict(common, head="1d", L=n, tracker=False)
          for n in s["lengths_1d"]]
  rows += [dict(common, head="2d", L=n, tracker=False)
           for n in s["lengths_2d"]]
  rows += [dict(common, head=h, L=n, tracker=True)
           for n in s["tracker_lengths"] for h in ("1d", "2d")]
  return rows


def fit_line(xs, ys) -> tuple[float, float]:
  """Least-squares `(a, b)` of y = a + b x."""
  b, a = np.polyfit(np.asarray(xs, float), np.asarray(ys, float), 1)
  return float(a), float(b)


def growth(head: str, length):
  """The variable memory is linear in: L (1D) or L^2 (2D)."""
  return np.asarray(length, float) ** (1 if head == "1d" else 2)


def available_bytes() -> int:
  with open("/proc/meminfo", encoding="ascii") as f:
    for line in f:
      if line.startswith("MemAvailable:"):
        return int(line.split()[1]) * 1024
  return 0


def _run_child(row: dict) -> dict:
  env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
  proc = subprocess.run(
      [sys.executable, "-m", "bench.cost_1d_vs_2d",
       f"--child={json.dumps(row)}"], capture_output=True, text=True,
      env=env, cwd=os.path.dirname(os.path.dirname(os.path.abspath(
          __file__))))
  lines = [l for l in proc.stdout.splitlines() if l.startswith("{")]
  if proc.returncode != 0 or not lines:
    reason = ("killed (out of memory?)" if proc.returncode < 0
              else proc.stderr.strip().splitlines()[-1:])
    return {"error": f"exit {proc.returncode}: {reason}"}
  return json.loads(lines[-1])


def _projected(rows, head, tracker, length):
  """Peak memory at `length` from the line through the measured rows."""
  points = [(r["L"], r["peak_rss_bytes"]) for r in rows
            if r["head"] == head and r["tracker"] == tracker
            and "peak_rss_bytes" in r]
  if len(points) < 2:
    return None
  a, b = fit_line(growth(head, [p[0] for p in points]), [p[1] for p in points])
  return a + b * float(growth(head, length))


def _measured_rows(out: str) -> dict:
  """Rows an earlier run wrote to `out`, keyed by their configuration."""
  path = os.path.join(out, f"{NAME}.json")
  if not os.path.exists(path):
    return {}
  with open(path, encoding="utf-8") as f:
    rows = json.load(f)["rows"]
  measured = {}
  for row in rows:
    if "peak_rss_bytes" in row:
      config = {k: row[k] for k in SETTING_KEYS + ROW_KEYS}
      measured[json.dumps(config, sort_keys=True)] = row
  return measured


def run(mode: str, out: str) -> dict:
  """Measures every configuration of `mode`; writes JSON and PNG."""
  done = _measured_rows(out)
  rows = []
  for row in rows_for(mode):
    key = json.dumps(row, sort_keys=True)
    if key in done:  # measured by an earlier, killed run of the same mode
      rows.append(done[key])
      continue
    estimate = _projected(rows, row["head"], row["tracker"], row["L"])
    if estimate is not None and estimate > 0.8 * available_bytes():
      row.update(skipped=f"projected {estimate / GB:.1f} GB exceeds 80 % of "
                 f"the {available_bytes() / GB:.1f} GB available")
    else:
      print(f"== {row['head']} L={row['L']}"
            f"{' tracker' if row['tracker'] else ''}", flush=True)
      row.update(_run_child(row))
      print(json.dumps(row), flush=True)
    rows.append(row)
    # Kept after every row: a killed benchmark keeps what it measured.
    cli.write_json({"mode": mode, "rows": rows}, out, NAME)
  results = {"mode": mode, "settings": MODES[mode], "cpu_count": os.cpu_count(),
             "rows": rows, "fits": {}, "ratios_2d_over_1d": {}}
  for head in ("1d", "2d"):
    points = [(r["L"], r["peak_rss_bytes"]) for r in rows
              if r["head"] == head and not r["tracker"]
              and "peak_rss_bytes" in r]
    if len(points) >= 2:
      a, b = fit_line(growth(head, [p[0] for p in points]),
                      [p[1] for p in points])
      results["fits"][head] = {
          "memory_bytes": f"{a:.4g} + {b:.4g} * L^{1 if head == '1d' else 2}",
          "a": a, "b": b}
  if "2d" in results["fits"]:
    fit = results["fits"]["2d"]
    results["fits"]["2d"]["L_at_32GB"] = float(np.sqrt(
        max(PAPER_GPU_BYTES - fit["a"], 0) / fit["b"]))
  if len(results["fits"]) == 2:
    projected = {}
    for length in MODES[mode]["projected_lengths"]:
      one, two = (results["fits"][h]["a"] + results["fits"][h]["b"]
                  * float(growth(h, length)) for h in ("1d", "2d"))
      projected[str(length)] = {"1d_bytes": one, "2d_bytes": two,
                                "ratio_2d_over_1d": two / one}
    results["projected_peak_memory"] = projected
  detectors = {(r["head"], r["L"]): r for r in rows
               if not r["tracker"] and "peak_rss_bytes" in r}
  for (head, length), two in detectors.items():
    one = detectors.get(("1d", length))
    if head == "2d" and one:
      results["ratios_2d_over_1d"][str(length)] = {
          key: two[key] / one[key] for key in (
              "peak_rss_bytes", "training_extra_bytes", "train_step_seconds",
              "latency_batch1_seconds", "output_values", "gflops_per_image")
          if key in one and key in two}
  s = MODES[mode]
  best_1d = detectors.get(("1d", max(s["lengths_1d"])))
  low_2d = detectors.get(("2d", min(s["lengths_2d"])))
  if best_1d and low_2d:
    results["targets"] = {
        "memory_1d_Lmax_over_2d_Lmin": best_1d["peak_rss_bytes"]
                                       / low_2d["peak_rss_bytes"],
        "memory_target": 1.3,
        "latency_1d_Lmax_over_2d_Lmin": best_1d["latency_batch1_seconds"]
                                        / low_2d["latency_batch1_seconds"],
        "latency_target": 1.2,
        "L_1d": best_1d["L"], "L_2d": low_2d["L"]}
  cli.write_json(results, out, NAME)
  plot(results, os.path.join(out, f"{NAME}.png"))
  return results


def plot(results: dict, path: str):
  """Peak memory vs L (measured, fitted, 32 GB line) and step time vs L."""
  import matplotlib  # pylint: disable=g-import-not-at-top
  matplotlib.use("Agg")
  from matplotlib import pyplot as plt  # pylint: disable=g-import-not-at-top
  fig, (mem, speed) = plt.subplots(1, 2, figsize=(11, 4))
  rows = [r for r in results["rows"] if "peak_rss_bytes" in r]
  for head, colour in (("1d", "tab:blue"), ("2d", "tab:red")):
    for tracker, marker in ((False, "o"), (True, "^")):
      pts = sorted((r["L"], r["peak_rss_bytes"] / GB,
                    r["train_step_seconds"]) for r in rows
                   if r["head"] == head and r["tracker"] == tracker)
      if not pts:
        continue
      label = f"{head.upper()} {'tracker' if tracker else 'detector'}"
      ls, gbs, secs = zip(*pts)
      mem.plot(ls, gbs, marker, color=colour, label=label,
               fillstyle="none" if tracker else "full")
      speed.plot(ls, secs, marker + "-", color=colour, label=label,
                 fillstyle="none" if tracker else "full")
    fit = results["fits"].get(head)
    if fit:
      top = max(768, fit.get("L_at_32GB", 0) * 1.1)
      grid = np.linspace(16, top, 200)
      mem.plot(grid, (fit["a"] + fit["b"] * growth(head, grid)) / GB, ":",
               color=colour, label=f"{head.upper()} fit")
  mem.axhline(PAPER_GPU_BYTES / GB, color="gray", linestyle="--",
              label="32 GB (paper's GPU)")
  mem.set(xlabel="heatmap length L", ylabel="peak training memory (GB)",
          yscale="log", title="one training step, peak RSS")
  speed.set(xlabel="heatmap length L", ylabel="seconds / training step",
            title="training step time")
  mem.legend(fontsize=7)
  speed.legend(fontsize=7)
  fig.tight_layout()
  fig.savefig(path, dpi=120)
  plt.close(fig)


def main(argv):
  del argv
  if cli.FLAGS.child:
    print(json.dumps(measure(json.loads(cli.FLAGS.child))), flush=True)
    return
  results = run(cli.FLAGS.mode, cli.FLAGS.out)
  print(json.dumps({k: results[k] for k in ("fits", "ratios_2d_over_1d")
                    if k in results}, indent=1))
  print(json.dumps(results.get("targets"), indent=1))


if __name__ == "__main__":
  cli.define_flags()
  flags.DEFINE_string("child", None, "Internal: one configuration as JSON, "
                      "measured in this process.")
  app.run(main)
