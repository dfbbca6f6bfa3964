"""Cost of 1D against 2D heatmaps per L: memory, time, FLOPs, output size.

Each configuration runs in its own fresh process, so that the process's peak
resident memory (VmHWM on CPU) or the GPU allocator's peak is that model's
alone. The child builds the detector (or tracker), runs training steps
(Adam, the eq. 11 / eq. 14 loss through `loop.gradient_step`, targets of
the right shape) and inference calls, counts FLOPs, and prints one JSON
line. Rows measured in one run sit side by side, so the 2D / 1D ratios
compare like with like even on a machine shared with other jobs.

Memory grows with L through the head: the 1D head's activations are
proportional to L, the 2D head's to L^2 (its up-sampling convolutions run at
up to L x L). A least-squares line per head, memory = a + b x with x = L (1D)
or L^2 (2D), projects the memory of lengths not measured, and the L at which
a 2D training step at batch 10 needs 32 GiB (the paper ran out of memory
with 2D heatmaps at L = 256 on its 32 GB GPUs). A configuration the line
puts above the memory this machine has free is not run; its row says so and
carries the projection instead.

  python -m bench.cost_1d_vs_2d --mode=full --out=docs/bench
  python -m bench.cost_1d_vs_2d --mode=reduced --configs=detector_2d_L16,detector_1d_L64
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import time

from absl import app
from absl import flags
import numpy as np

from bench import cli

NAME = "cost_1d_vs_2d"
GIB = 1024 ** 3
PAPER_GPU_BYTES = 32 * GIB
# A configuration is run only when its projected peak fits in this share of
# MemAvailable: the machine is shared, and an OOM kill would take the row's
# neighbours with it.
SAFE_SHARE = 0.8
MODES = {
    # The paper's model (Section 5.1): F = 256, batch 10, 4 stacks x 256.
    # Trackers train on 2 clips of T = 3 frames (6 frames per step).
    "full": dict(input_size=256, batch=10, num_stacks=4, channels=256,
                 depth=4, num_landmarks=68, warmup_steps=1, train_steps=2,
                 latency_calls=3, clip=(2, 3), flops=True,
                 lengths_1d=(64, 128, 256, 384, 512, 768),
                 lengths_2d=(64, 128, 256), tracker_lengths=(64, 128)),
    # Tiny models for tests: seconds per row, same code path.
    "reduced": dict(input_size=64, batch=2, num_stacks=1, channels=32,
                    depth=2, num_landmarks=68, warmup_steps=1, train_steps=1,
                    latency_calls=1, clip=(1, 2), flops=True,
                    lengths_1d=(16, 32, 64), lengths_2d=(16, 32, 64),
                    tracker_lengths=(16,)),
}
# Comparisons the issue asks for (reported; nothing here is asserted).
MEMORY_TARGET = 1.3   # 1D at the largest L vs 2D at the smallest L.
LATENCY_TARGET = 1.2  # the same pair, inference at batch 1.


# ----------------------------------------------------------------------------
# Child: one configuration.


def _proc_bytes(path: str, field: str) -> int:
  """A kB field of a /proc file (VmHWM, MemAvailable, ...) in bytes."""
  with open(path, encoding="ascii") as f:
    for line in f:
      if line.startswith(field + ":"):
        return int(line.split()[1]) * 1024
  raise RuntimeError(f"{path} has no {field}")


def _status_bytes(field: str) -> int:
  """A memory field of this process (VmRSS, VmHWM) in bytes."""
  return _proc_bytes("/proc/self/status", field)


def _reset_peak_rss() -> bool:
  """Sets VmHWM back to the current RSS (Linux `clear_refs` value 5)."""
  try:
    with open("/proc/self/clear_refs", "w", encoding="ascii") as f:
      f.write("5")
    return True
  except OSError:
    return False


def _targets(head: str, prefix, num_landmarks: int, length: int):
  """Targets of the right shape; their values do not change the cost."""
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  mask = tf.ones([*prefix, num_landmarks])
  if head == "1d":
    hx = tf.zeros([*prefix, num_landmarks, length])
    return {"hx": hx, "hy": hx, "mask": mask}
  return {"heatmap": tf.zeros([*prefix, num_landmarks, length, length]),
          "mask": mask}


def _device_info(tf) -> dict:
  gpus = tf.config.list_physical_devices("GPU")
  info = {"tensorflow": tf.__version__, "gpus": []}
  for gpu in gpus:
    details = tf.config.experimental.get_device_details(gpu)
    info["gpus"].append(details.get("device_name", gpu.name))
  return info


def _median_seconds(fn, calls: int) -> tuple[float, list]:
  times = []
  for _ in range(calls):
    start = time.perf_counter()
    fn()
    times.append(time.perf_counter() - start)
  return float(statistics.median(times)), times


def measure(row: dict) -> dict:
  """Builds, trains and times one configuration in this process.

  Args:
    row: one entry of `rows_for` (head, L, tracker and the mode's settings).

  Returns:
    The measured values (bytes, seconds, counts) as a JSON-ready dict.
  """
  import keras  # pylint: disable=g-import-not-at-top
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  from landmark1d import models  # pylint: disable=g-import-not-at-top
  from landmark1d.models import cost  # pylint: disable=g-import-not-at-top
  from landmark1d.train import loop  # pylint: disable=g-import-not-at-top
  from landmark1d.train import losses  # pylint: disable=g-import-not-at-top
  result = {"device": _device_info(tf), "load_average_1_5_15": None,
            "rss_after_imports_bytes": _status_bytes("VmRSS")}
  f, n, length, head = (row["input_size"], row["num_landmarks"], row["L"],
                        row["head"])
  detector = models.build_detector(
      head, num_landmarks=n, heatmap_length=length, input_size=f,
      num_stacks=row["num_stacks"], channels=row["channels"],
      hourglass_depth=row["depth"])
  result["output_values"] = cost.output_values(head, n, length)
  if row["tracker"]:
    model = models.build_tracker(detector)
    clips, frames = row["clip"]
    prefix = [clips, frames]
    images = tf.random.uniform([clips, frames, f, f, 3])
  else:
    model = detector
    prefix = [row["batch"]]
    images = tf.random.uniform([row["batch"], f, f, 3])
  result["parameters"] = model.count_params()
  batch = _targets(head, prefix, n, length)
  batch["image"] = images
  step = tf.function(loop.gradient_step(
      model, keras.optimizers.Adam(1e-4), losses.for_head(head),
      len(images)))
  gpu = bool(tf.config.list_physical_devices("GPU"))

  # The baseline is the runtime, the weights and the inputs: what training
  # adds on top of it is the step's own memory.
  result["rss_after_build_bytes"] = _status_bytes("VmRSS")
  for _ in range(row["warmup_steps"]):  # the first one traces the graph
    float(step(batch))
  result["peak_rss_with_warmup_bytes"] = _status_bytes("VmHWM")
  steady_reset = _reset_peak_rss()
  if gpu:
    tf.config.experimental.reset_memory_stats("GPU:0")
  seconds, times = _median_seconds(lambda: float(step(batch)),
                                   row["train_steps"])
  result["train_step_seconds"] = seconds
  result["train_step_seconds_each"] = times
  result["peak_rss_bytes"] = max(_status_bytes("VmHWM"),
                                 result["peak_rss_with_warmup_bytes"])
  result["steady_step_peak_rss_bytes"] = (
      _status_bytes("VmHWM") if steady_reset else None)
  result["training_extra_bytes"] = (result["peak_rss_bytes"]
                                    - result["rss_after_build_bytes"])
  if gpu:
    result["gpu_peak_bytes"] = int(
        tf.config.experimental.get_memory_info("GPU:0")["peak"])

  if not row["tracker"]:
    infer = tf.function(lambda x: model(x, training=False))
    result["latency_seconds"] = {}
    for size in sorted({1, row["batch"]}):
      x = images[:size]
      tf.nest.map_structure(lambda t: t.numpy(), infer(x))  # trace
      seconds, _ = _median_seconds(
          lambda x=x: tf.nest.map_structure(lambda t: t.numpy(), infer(x)),
          row["latency_calls"])
      result["latency_seconds"][str(size)] = seconds
    if row["flops"]:  # after the memory readings: the profiler allocates
      result["gflops_per_image"] = cost.count_flops(
          model, (1, f, f, 3)) / 1e9
  # Other jobs share the machine: times are only as steady as this.
  result["load_average_1_5_15"] = list(os.getloadavg())
  return result


# ----------------------------------------------------------------------------
# Parent: rows, projection, table and plot.


def row_name(head: str, length: int, tracker: bool) -> str:
  return f"{'tracker' if tracker else 'detector'}_{head}_L{length}"


def rows_for(mode: str, names=None) -> list:
  """The configurations of a mode, by L within each kind, trackers last.

  Args:
    mode: a key of `MODES`.
    names: optional row names to run, in this order (`row_name`); others
      are dropped.

  Returns:
    A list of row dicts.

  Raises:
    ValueError: for an unknown mode or row name.
  """
  if mode not in MODES:
    raise ValueError(f"mode must be one of {sorted(MODES)}, got {mode!r}")
  s = MODES[mode]
  common = {k: v for k, v in s.items() if not k.startswith(("lengths",
                                                            "tracker_"))}
  rows = [dict(common, head="1d", L=n, tracker=False)
          for n in s["lengths_1d"]]
  rows += [dict(common, head="2d", L=n, tracker=False)
           for n in s["lengths_2d"]]
  rows += [dict(common, head=h, L=n, tracker=True)
           for h in ("1d", "2d") for n in s["tracker_lengths"]]
  for row in rows:
    row["name"] = row_name(row["head"], row["L"], row["tracker"])
  if names:
    known = [r["name"] for r in rows]
    unknown = sorted(set(names) - set(known))
    if unknown:
      raise ValueError(f"--configs: unknown rows {unknown}; {mode} mode has "
                       f"{known}")
    # In the order asked for: the rows that matter most can go first.
    by_name = {r["name"]: r for r in rows}
    rows = [by_name[n] for n in dict.fromkeys(names)]
  return rows


def fit_line(xs, ys) -> tuple[float, float]:
  """Least-squares `(a, b)` of y = a + b x."""
  b, a = np.polyfit(np.asarray(xs, float), np.asarray(ys, float), 1)
  return float(a), float(b)


def exponent(head: str) -> int:
  """Memory is linear in L^exponent: 1 for 1D heads, 2 for 2D heads."""
  if head not in ("1d", "2d"):
    raise ValueError(f"head must be '1d' or '2d', got {head!r}")
  return 1 if head == "1d" else 2


def growth(head: str, length):
  """The variable memory is linear in: L (1D) or L^2 (2D)."""
  return np.asarray(length, float) ** exponent(head)


def fit_memory(head: str, lengths, memory) -> dict:
  """memory = a + b L^p by least squares (p = `exponent(head)`)."""
  a, b = fit_line(growth(head, lengths), memory)
  return {"a": a, "b": b, "x": "L" if exponent(head) == 1 else "L^2",
          "points": [[int(l), float(m)] for l, m in zip(lengths, memory)]}


def project(fit: dict, head: str, length) -> float:
  """The fitted memory at `length`."""
  return float(fit["a"] + fit["b"] * growth(head, length))


def length_at(fit: dict, head: str, budget: float) -> float | None:
  """The L at which the fitted memory reaches `budget` (None if never)."""
  if fit["b"] <= 0:
    return None
  room = budget - fit["a"]
  return float(max(room, 0.0) / fit["b"]) ** (1.0 / exponent(head))


def memory_key(rows) -> str:
  """GPU peak when the rows were measured on a GPU, else peak RSS."""
  if any("gpu_peak_bytes" in r for r in rows):
    return "gpu_peak_bytes"
  return "peak_rss_bytes"


def _fit_rows(rows, head, tracker, key):
  points = sorted((r["L"], r[key]) for r in rows if r["head"] == head
                  and r["tracker"] == tracker and r.get(key))
  if len({p[0] for p in points}) < 2:
    return None
  return fit_memory(head, [p[0] for p in points], [p[1] for p in points])


def available_bytes() -> int:
  return _proc_bytes("/proc/meminfo", "MemAvailable")


def _run_child(row: dict) -> dict:
  env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
  start = time.time()
  proc = subprocess.run(
      [sys.executable, "-m", "bench.cost_1d_vs_2d",
       f"--child={json.dumps(row)}"], capture_output=True, text=True,
      env=env, cwd=os.path.dirname(os.path.dirname(os.path.abspath(
          __file__))), check=False)
  lines = [l for l in proc.stdout.splitlines() if l.startswith("{")]
  if proc.returncode != 0 or not lines:
    reason = ("killed (out of memory?)" if proc.returncode < 0
              else " ".join(proc.stderr.strip().splitlines()[-3:]))
    return {"measured": False, "error": f"exit {proc.returncode}: {reason}"}
  return dict(json.loads(lines[-1]), measured=True,
              child_seconds=time.time() - start)


def _ratio(two: dict, one: dict, key: str):
  if two.get(key) and one.get(key):
    return two[key] / one[key]
  return None


def ratios_2d_over_1d(rows, tracker: bool) -> dict:
  """2D / 1D of every measured quantity, at each L both heads ran."""
  by = {(r["head"], r["L"]): r for r in rows
        if r["tracker"] == tracker and r.get("measured")}
  out = {}
  for (head, length), two in sorted(by.items()):
    one = by.get(("1d", length))
    if head != "2d" or one is None:
      continue
    entry = {k: _ratio(two, one, k) for k in (
        "peak_rss_bytes", "training_extra_bytes", "steady_step_peak_rss_bytes",
        "gpu_peak_bytes", "train_step_seconds", "parameters",
        "output_values", "gflops_per_image")}
    for size in two.get("latency_seconds", {}):
      entry[f"latency_batch{size}_seconds"] = _ratio(
          two["latency_seconds"], one.get("latency_seconds", {}), size)
    out[str(length)] = {k: v for k, v in entry.items() if v is not None}
  return out


def targets(rows, settings: dict, key: str) -> dict:
  """The issue's comparisons, with pass / fail where it sets a limit."""
  by = {(r["head"], r["L"]): r for r in rows
        if not r["tracker"] and r.get("measured")}
  l1, l2 = max(settings["lengths_1d"]), min(settings["lengths_2d"])
  one, two = by.get(("1d", l1)), by.get(("2d", l2))
  out = {}
  if one and two:
    value = one[key] / two[key]
    out["memory_1d_over_2d"] = {
        "what": f"peak training memory ({key}), 1D at L = {l1} / 2D at "
                f"L = {l2}", "value": value, "limit": MEMORY_TARGET,
        "pass": value <= MEMORY_TARGET,
        "training_extra_ratio": _ratio(one, two, "training_extra_bytes")}
    value = one["latency_seconds"]["1"] / two["latency_seconds"]["1"]
    out["latency_1d_over_2d"] = {
        "what": f"CPU inference latency at batch 1, 1D at L = {l1} / 2D at "
                f"L = {l2}", "value": value, "limit": LATENCY_TARGET,
        "pass": value <= LATENCY_TARGET}
  l_top = max(settings["lengths_2d"])
  one, two = by.get(("1d", l_top)), by.get(("2d", l_top))
  if one and two:
    out["memory_2d_over_1d_at_top_L"] = {
        "what": f"peak training memory ({key}), 2D / 1D at L = {l_top} "
                "(reported, no limit)", "value": two[key] / one[key],
        "training_extra_ratio": _ratio(two, one, "training_extra_bytes")}
  return out


def projection(rows, settings: dict, key: str) -> dict:
  """Memory lines per head, memory at every L, and the 32 GiB length."""
  lengths = sorted(set(settings["lengths_1d"]) | set(settings["lengths_2d"]))
  out = {"method": (
      f"least squares of {key} = a + b L (1D) or a + b L^2 (2D) over the "
      "measured detector rows of each head (trackers separately); a is the "
      "runtime, weights and inputs, b the head's activations and their "
      "gradients, which grow with the heatmap size (2 N L vs N L^2 per "
      "stack). Projected values at unmeasured L are extrapolations."),
         "memory_key": key, "budget_bytes": PAPER_GPU_BYTES, "fits": {},
         "projected_bytes": {}, "L_at_budget": {}}
  for tracker in (False, True):
    for head in ("1d", "2d"):
      fit = _fit_rows(rows, head, tracker, key)
      if fit is None:
        continue
      name = f"{'tracker' if tracker else 'detector'}_{head}"
      out["fits"][name] = fit
      if not tracker:
        out["projected_bytes"][name] = {
            str(l): project(fit, head, l) for l in lengths}
      out["L_at_budget"][name] = length_at(fit, head, PAPER_GPU_BYTES)
  return out


def _earlier_rows(mode: str, out: str) -> dict:
  """Measured rows of an earlier run of `mode` in `out`, by name."""
  path = os.path.join(out, f"{NAME}.json")
  if not os.path.exists(path):
    return {}
  with open(path, encoding="utf-8") as f:
    earlier = json.load(f)
  if earlier.get("mode") != mode:
    return {}
  # As JSON stores them (tuples as lists): a row measured under other
  # settings than the mode's current ones is measured again.
  current = {r["name"]: json.loads(json.dumps(r)) for r in rows_for(mode)}
  return {r["name"]: r for r in earlier["rows"] if r.get("measured")
          and r.get("name") in current
          and all(r.get(k) == v for k, v in current[r["name"]].items())}


def run(mode: str, out: str, names=None, resume: bool = False) -> dict:
  """Measures the configurations of `mode`; writes JSON and PNG.

  Args:
    mode: "full" or "reduced" (`MODES`).
    out: folder for `cost_1d_vs_2d.json` and `.png`.
    names: optional row names to run, in order (default: all of `mode`).
    resume: reuse the measured rows of an earlier run of `mode` in `out`.

  Returns:
    The results dict written to the JSON file.
  """
  todo = rows_for(mode, names)
  settings = MODES[mode]
  earlier = _earlier_rows(mode, out) if resume else {}
  rows, started = [], time.time()
  load_before = os.getloadavg()
  for row in todo:
    if row["name"] in earlier:
      rows.append(dict(earlier[row["name"]], reused=True))
      continue
    done = [r for r in rows if r.get("measured")]
    fit = _fit_rows(done, row["head"], row["tracker"], "peak_rss_bytes")
    free = available_bytes()
    estimate = project(fit, row["head"], row["L"]) if fit else None
    if estimate is not None and estimate > SAFE_SHARE * free:
      row.update(measured=False, projected_peak_rss_bytes=estimate,
                 skipped=f"projected peak {estimate / GIB:.1f} GiB exceeds "
                 f"{SAFE_SHARE:.0%} of the {free / GIB:.1f} GiB available")
    else:
      print(f"== {row['name']} ({free / GIB:.1f} GiB available)", flush=True)
      row.update(_run_child(row))
      print(json.dumps({k: v for k, v in row.items() if k not in settings}),
            flush=True)
    rows.append(row)
    # Kept after every row: a killed benchmark keeps what it measured.
    cli.write_json({"mode": mode, "rows": rows}, out, NAME)
  measured = [r for r in rows if r.get("measured")]
  key = memory_key(measured)
  device = next((r["device"] for r in measured), {})
  results = {
      "mode": mode, "settings": settings,
      "machine": {"cpu_count": os.cpu_count(),
                  "cpus_usable": len(os.sched_getaffinity(0)),
                  "memory_total_bytes": _proc_bytes("/proc/meminfo",
                                                   "MemTotal"),
                  "platform": platform.platform(),
                  "python": platform.python_version(),
                  "load_average_1_5_15_at_start": list(load_before),
                  "load_average_1_5_15_at_end": list(os.getloadavg()),
                  **device},
      "memory_key": key,
      "seconds": time.time() - started,
      "rows": rows,
      "ratios_2d_over_1d": ratios_2d_over_1d(rows, tracker=False),
      "tracker_ratios_2d_over_1d": ratios_2d_over_1d(rows, tracker=True),
      "projection": projection(measured, settings, key),
      "targets": targets(rows, settings, key)}
  cli.write_json(results, out, NAME)
  plot(results, os.path.join(out, f"{NAME}.png"))
  return results


def plot(results: dict, path: str):
  """Peak memory vs L (measured, fitted, 32 GiB line) and step time vs L."""
  import matplotlib  # pylint: disable=g-import-not-at-top
  matplotlib.use("Agg")
  from matplotlib import pyplot as plt  # pylint: disable=g-import-not-at-top
  key = results["memory_key"]
  fig, (mem, speed) = plt.subplots(1, 2, figsize=(12, 4.5))
  rows = [r for r in results["rows"] if r.get("measured")]
  top = max([r["L"] for r in results["rows"]] + [16])
  fits = results["projection"]["fits"]
  # Wide enough to show where 2D reaches 32 GiB, never so wide that the
  # measured points (and 1D's far-away crossing) squeeze into one corner.
  at_2d = results["projection"]["L_at_budget"].get("detector_2d") or top
  x_max = 1.05 * max(top, min(at_2d, 2 * top))
  for head, colour in (("1d", "tab:blue"), ("2d", "tab:red")):
    for tracker, marker in ((False, "o"), (True, "^")):
      kind = "tracker" if tracker else "detector"
      pts = sorted((r["L"], r[key] / GIB, r["train_step_seconds"])
                   for r in rows if r["head"] == head
                   and r["tracker"] == tracker)
      label = f"{head.upper()} {kind}"
      if pts:
        ls, gibs, secs = zip(*pts)
        mem.plot(ls, gibs, marker, color=colour, label=f"{label}, measured",
                 fillstyle="none" if tracker else "full")
        speed.plot(ls, secs, marker + "-", color=colour, label=label,
                   fillstyle="none" if tracker else "full")
      skipped = [(r["L"], r["projected_peak_rss_bytes"] / GIB)
                 for r in results["rows"] if r["head"] == head
                 and r["tracker"] == tracker and "skipped" in r]
      if skipped:
        mem.plot(*zip(*skipped), "x", color=colour, markersize=9,
                 label=f"{label}, projected (not run)")
      fit = fits.get(f"{kind}_{head}")
      if fit and not tracker:
        at = results["projection"]["L_at_budget"].get(f"{kind}_{head}")
        grid = np.linspace(min(p[0] for p in fit["points"]) / 2, x_max, 300)
        mem.plot(grid, [project(fit, head, g) / GIB for g in grid], ":",
                 color=colour,
                 label=f"{head.upper()} fit: a + b {fit['x']}")
        if at and at <= x_max:
          mem.axvline(at, color=colour, linewidth=0.6, alpha=0.5)
          mem.annotate(f"{head.upper()} reaches 32 GiB at L = {at:.0f}",
                       (at, PAPER_GPU_BYTES / GIB), fontsize=7,
                       xytext=(-150, 8), textcoords="offset points")
  mem.axhline(PAPER_GPU_BYTES / GIB, color="gray", linestyle="--",
              label="32 GiB (paper's GPU)")
  settings = results["settings"]
  mem.set_xlim(0, x_max)
  mem.set(xlabel="heatmap length L", ylabel=f"{key} (GiB)",
          title=f"one training step, batch {settings['batch']}, "
                f"F = {settings['input_size']}, {settings['num_stacks']} "
                f"stack(s) x {settings['channels']}")
  speed.set(xlabel="heatmap length L", ylabel="seconds / training step",
            title=f"training step time ({results['machine']['cpu_count']} "
                  "CPU cores, shared)")
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
  results = run(cli.FLAGS.mode, cli.FLAGS.out, cli.FLAGS.configs,
                cli.FLAGS.resume)
  print(json.dumps({k: results[k] for k in (
      "ratios_2d_over_1d", "tracker_ratios_2d_over_1d", "targets")},
                   indent=1))
  print(json.dumps(results["projection"]["L_at_budget"], indent=1))


if __name__ == "__main__":
  cli.define_flags()
  flags.DEFINE_string("child", None, "Internal: one configuration as JSON, "
                      "measured in this process.")
  flags.DEFINE_list("configs", None, "Rows to run, by name (e.g. "
                    "detector_1d_L768, tracker_2d_L64); default: every row "
                    "of --mode.")
  flags.DEFINE_bool("resume", False, "Keep the measured rows of an earlier "
                    "run of the same mode in --out and run only the others.")
  app.run(main)
