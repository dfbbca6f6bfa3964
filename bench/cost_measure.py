"""Measuring one cost row in a fresh process: memory, time, FLOPs.

`run_child(row)` starts `python -m bench.cost_measure '<row JSON>'`; the
child builds the detector (or tracker), runs training steps (Adam, the
eq. 11 / eq. 14 loss through `loop.gradient_step`, targets of the right
shape) and inference calls, counts FLOPs and prints one JSON line. In its
own process the peak resident memory (VmHWM on CPU) or the GPU allocator's
peak is that model's alone.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time

from bench import machine


def _status_bytes(field: str) -> int:
  """A memory field of this process (VmRSS, VmHWM) in bytes."""
  return machine.proc_bytes("/proc/self/status", field)


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
    row: one entry of `cost_1d_vs_2d.rows_for` (head, L, tracker and the
      mode's settings).

  Returns:
    The measured values (bytes, seconds, counts) as a JSON-ready dict.
  """
  import keras  # pylint: disable=g-import-not-at-top
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  from landmark1d import models  # pylint: disable=g-import-not-at-top
  from landmark1d.models import cost  # pylint: disable=g-import-not-at-top
  from landmark1d.training import loop  # pylint: disable=g-import-not-at-top
  from landmark1d.training import losses  # pylint: disable=g-import-not-at-top
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
  result["load_average_1_5_15"] = machine.load_average()
  return result


def run_child(row: dict) -> dict:
  """`measure(row)` in a fresh process, with `measured` and its seconds."""
  env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
  start = time.time()
  proc = subprocess.run(
      [sys.executable, "-m", "bench.cost_measure", json.dumps(row)],
      capture_output=True, text=True, env=env, check=False,
      cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
  lines = [l for l in proc.stdout.splitlines() if l.startswith("{")]
  if proc.returncode != 0 or not lines:
    reason = ("killed (out of memory?)" if proc.returncode < 0
              else " ".join(proc.stderr.strip().splitlines()[-3:]))
    return {"measured": False, "error": f"exit {proc.returncode}: {reason}"}
  return dict(json.loads(lines[-1]), measured=True,
              child_seconds=time.time() - start)


if __name__ == "__main__":
  print(json.dumps(measure(json.loads(sys.argv[1]))), flush=True)
