"""Training cost on an accelerator, through Keras 3's JAX backend.

The paper's cost claim is about GPU memory: 2D heatmaps at L = 256 ran out
of its 32 GiB V100, 1D heatmaps at L = 768 fit. `cost_1d_vs_2d` measures
TensorFlow on the CPU; this benchmark measures the allocator of the device
JAX runs on, so it can run where no TensorFlow is installed (the GPU machine
the device tool lends has none). The models and the eq. 11 / eq. 14 losses
are `keras.ops` code shared by every backend; the step is
`jax_step.train_step` (stateless call + Adam 1e-4) under `jax.jit`.

Each measurement runs in a fresh process, so the allocator's
`peak_bytes_in_use` is that configuration's alone (preallocation off). A row
reports that peak, XLA's own plan for the step (`memory_analysis`), trace
and compile seconds, the median step time and images per second, in float32
and in mixed bfloat16. Then the paper's setting: rows again with the
allocator capped at 32 GiB (`XLA_CLIENT_MEM_FRACTION`), each "fits" or "OOM",
and the largest batch that fits in 32 GiB for 1D at L = 768 and 2D at
L = 64 / 128 / 256 (bisection between a batch that fits and one that does
not, each trial a capped process, the first guess from the measured peak).

Jobs run in order of importance within `--budget_s` of wall time; a job not
started (or killed) when the budget runs out is recorded as "not run (time
budget)". `--jobs=N` compiles N configurations at once; the timed steps
always run one at a time (a lock file), so step times are not shared.
On a CPU there is no allocator limit to cap and JAX reports no allocator
statistics, so memory is XLA's plan only and capped jobs are not run.

  KERAS_BACKEND=jax python -m bench.device_cost --mode=reduced --out=/tmp/d
  bash bench/device_check.sh    # the GPU run, see its header
"""

from __future__ import annotations

import fcntl
import json
import os
import resource
import shutil
import statistics
import sys
import tempfile
import time

from absl import app
from absl import flags
import numpy as np

from bench import cli
from bench import cost_fit
from bench import device_jobs
from bench import machine

NAME = "device_cost"
GIB = 1024 ** 3
CAP_BYTES = device_jobs.CAP_BYTES
PRECISIONS = ("float32", "mixed_bfloat16")
MODES = {
    # The paper's model (Section 5.1): F = 256, batch 10, 4 stacks x 256;
    # trackers on 2 clips of 3 frames, as in cost_1d_vs_2d.
    "full": dict(input_size=256, batch=10, num_stacks=4, channels=256,
                 depth=4, num_landmarks=68, warmup_steps=2, train_steps=5,
                 clip=(2, 3), lengths_1d=(64, 128, 256, 384, 512, 768),
                 lengths_2d=(64, 128, 256, 384, 512),
                 tracker_lengths=(64, 128),
                 max_batch=(("1d", 768), ("2d", 256), ("2d", 128),
                            ("2d", 64))),
    # Seconds per process on a CPU; the same code path.
    "reduced": dict(input_size=32, batch=2, num_stacks=1, channels=16,
                    depth=1, num_landmarks=68, warmup_steps=1,
                    train_steps=2, clip=(1, 2), lengths_1d=(16, 24),
                    lengths_2d=(8, 16), tracker_lengths=(16,),
                    max_batch=(("1d", 24), ("2d", 16))),
}
# The order jobs start in: the rows behind the paper's claim first (1D at
# its largest L, 2D at 256, where the paper ran out of memory, and at
# FAN's 64 and 128), their 32 GiB verdicts (the batch searches follow
# them), the same rows in bfloat16, then the other rows.
KEY_ROWS = (("1d", 768), ("2d", 256), ("2d", 64), ("2d", 128))


# ----------------------------------------------------------------------------
# Jobs: one configuration, precision, batch and memory limit each.


def job_name(job: dict) -> str:
  kind = "tracker" if job["tracker"] else "detector"
  name = f"{kind}_{job['head']}_L{job['L']}_{job['precision']}"
  if job["batch"] != job["mode_batch"]:
    name += f"_batch{job['batch']}"
  return name + ("_cap32GiB" if job["capped"] else "")


def make_job(mode: str, head: str, length: int, tracker: bool = False,
             precision: str = "float32", capped: bool = False,
             batch: int | None = None) -> dict:
  s = MODES[mode]
  job = {k: v for k, v in s.items() if not k.startswith(("lengths",
                                                         "tracker_",
                                                         "max_batch"))}
  job.update(head=head, L=length, tracker=tracker, precision=precision,
             capped=capped, mode_batch=s["batch"],
             batch=batch or s["batch"])
  job["name"] = job_name(job)
  return job


def plan(mode: str) -> list:
  """Every fixed job of a mode, most important first.

  Args:
    mode: a key of `MODES`.

  Returns:
    Job dicts; the batch searches add their trials as they go.
  """
  if mode not in MODES:
    raise ValueError(f"mode must be one of {sorted(MODES)}, got {mode!r}")
  s = MODES[mode]
  rows = ([("1d", l, False) for l in s["lengths_1d"]]
          + [("2d", l, False) for l in s["lengths_2d"]]
          + [(h, l, True) for h in ("1d", "2d") for l in s["tracker_lengths"]])
  key = [r for r in rows if (r[0], r[1]) in KEY_ROWS and not r[2]]
  rest = [r for r in rows if r not in key]
  f32, bf16 = PRECISIONS

  def jobs(group, precision, capped=False):
    return [make_job(mode, *r, precision=precision, capped=capped)
            for r in group]
  return (jobs(key, f32) + jobs(key, f32, True) + jobs(key, bf16)
          + jobs(rest, f32) + jobs(rest, f32, True) + jobs(key, bf16, True)
          + jobs(rest, bf16) + jobs(rest, bf16, True))


# ----------------------------------------------------------------------------
# Child: one job in this process.


def _memory_stats():
  import jax  # pylint: disable=g-import-not-at-top
  stats = jax.devices()[0].memory_stats()
  return {k: int(v) for k, v in stats.items()} if stats else None


def _xla_memory(compiled) -> dict | None:
  analysis = compiled.memory_analysis()
  if analysis is None:
    return None
  fields = ("argument_size_in_bytes", "output_size_in_bytes",
            "alias_size_in_bytes", "temp_size_in_bytes",
            "generated_code_size_in_bytes")
  out = {f: int(getattr(analysis, f)) for f in fields}
  # Arguments and outputs that share a buffer (the donated state) once.
  out["total_bytes"] = (out["argument_size_in_bytes"]
                        + out["output_size_in_bytes"]
                        - out["alias_size_in_bytes"]
                        + out["temp_size_in_bytes"])
  return out


def _inputs(job: dict) -> tuple[dict, int]:
  """A batch of the job's shape (values do not change the cost), images."""
  n, f, length = job["num_landmarks"], job["input_size"], job["L"]
  prefix = list(job["clip"]) if job["tracker"] else [job["batch"]]
  rng = np.random.default_rng(0)
  batch = {"image": rng.random((*prefix, f, f, 3), np.float32),
           "mask": np.ones((*prefix, n), np.float32)}
  if job["head"] == "1d":
    batch["hx"] = np.zeros((*prefix, n, length), np.float32)
    batch["hy"] = np.zeros((*prefix, n, length), np.float32)
  else:
    batch["heatmap"] = np.zeros((*prefix, n, length, length), np.float32)
  return batch, int(np.prod(prefix))


def _is_oom(error: Exception) -> bool:
  text = str(error).lower()
  return "resource_exhausted" in text or "out of memory" in text


def measure_jax(job: dict, lock_path: str | None) -> dict:
  """Builds, compiles and times one job on the JAX backend.

  Args:
    job: a job dict (`make_job`).
    lock_path: a file whose exclusive lock is held while steps are timed.

  Returns:
    A JSON-ready dict; `status` is "measured" or "OOM".
  """
  import jax  # pylint: disable=g-import-not-at-top
  import keras  # pylint: disable=g-import-not-at-top
  from landmark1d import models  # pylint: disable=g-import-not-at-top
  from landmark1d.training import jax_step  # pylint: disable=g-import-not-at-top
  from landmark1d.training import losses  # pylint: disable=g-import-not-at-top
  keras.config.set_dtype_policy(job["precision"])
  device = jax.devices()[0]
  result = {"device_kind": device.device_kind, "platform": device.platform}
  started = time.perf_counter()
  detector = models.build_detector(
      job["head"], num_landmarks=job["num_landmarks"],
      heatmap_length=job["L"], input_size=job["input_size"],
      num_stacks=job["num_stacks"], channels=job["channels"],
      hourglass_depth=job["depth"])
  model = models.build_tracker(detector) if job["tracker"] else detector
  result["parameters"] = model.count_params()
  # Values per image on the last stack (Section 3.2: 2 N L against N L^2).
  result["output_values"] = int(sum(
      np.prod(o.shape[2:]) for o in keras.tree.flatten(model.output)))
  optimizer = keras.optimizers.Adam(1e-4)  # Section 4.1.3
  batch, images = _inputs(job)
  result["images_per_step"] = images
  step = jax.jit(jax_step.train_step(
      model, optimizer, losses.for_head(job["head"]), len(batch["image"])),
                 donate_argnums=0)
  try:
    state = jax.device_put(jax_step.initial_state(model, optimizer))
    batch = jax.device_put(batch)
    result["build_seconds"] = time.perf_counter() - started
    result["memory_after_build"] = _memory_stats()
    start = time.perf_counter()
    lowered = step.lower(state, batch)
    result["trace_seconds"] = time.perf_counter() - start
    start = time.perf_counter()
    compiled = lowered.compile()
    result["compile_seconds"] = time.perf_counter() - start
    result["xla_memory"] = _xla_memory(compiled)
    costs = compiled.cost_analysis()
    costs = costs[0] if isinstance(costs, list) else costs
    result["xla_flops_per_step"] = float((costs or {}).get("flops", 0)) or None
    result["memory_after_compile"] = _memory_stats()
    with open(lock_path or os.devnull, "a", encoding="ascii") as lock:
      if lock_path:
        start = time.perf_counter()
        fcntl.flock(lock, fcntl.LOCK_EX)
        result["waited_for_device_seconds"] = time.perf_counter() - start
      for _ in range(job["warmup_steps"]):
        loss, state = compiled(state, batch)
        float(loss)
      times = []
      for _ in range(job["train_steps"]):
        start = time.perf_counter()
        loss, state = compiled(state, batch)
        float(loss)  # waits for the device
        times.append(time.perf_counter() - start)
      result["memory_after_steps"] = _memory_stats()
  except Exception as e:  # pylint: disable=broad-except
    if not _is_oom(e):
      raise
    first = next((l for l in str(e).splitlines() if l.strip()), "")
    return dict(result, status="OOM", error=first[:400],
                memory_at_oom=_memory_stats())
  result["loss_finite"] = bool(np.isfinite(float(loss)))
  result["train_step_seconds"] = float(statistics.median(times))
  result["train_step_seconds_each"] = times
  result["images_per_second"] = images / result["train_step_seconds"]
  stats = result["memory_after_steps"]
  if stats:
    result["device_peak_bytes"] = stats.get("peak_bytes_in_use")
    result["device_bytes_limit"] = stats.get("bytes_limit")
  else:
    result["device_peak_bytes"] = None
    result["device_memory_note"] = (
        f"the {device.platform} backend reports no allocator statistics "
        "(memory_stats() is None); xla_memory is the compiler's plan")
  # ru_maxrss is in kB on Linux.
  result["host_peak_rss_bytes"] = (
      resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)
  return dict(result, status="measured")


RUNNERS = {"jax": measure_jax}


# ----------------------------------------------------------------------------
# Parent: jobs (run by `device_jobs`), summary, plot.


def _earlier_rows(mode: str, out: str) -> dict:
  """Finished jobs (measured or OOM) of an earlier run of `mode` in `out`."""
  earlier = cli.read_json(out, NAME) or {}
  if earlier.get("mode") != mode or earlier.get("settings") != json.loads(
      json.dumps(MODES[mode])):
    return {}
  return {r["name"]: r for r in earlier["rows"]
          if r.get("status") in ("measured", "OOM")}


def run(mode: str, out: str, *, backend: str = "jax", jobs: int = 1,
        budget_s: float = 1e9, resume: bool = False,
        cache_dir: str | None = None, names=None, log=print) -> dict:
  """Runs a mode's jobs and batch searches; writes JSON and PNG.

  Args:
    mode: "full" or "reduced".
    out: folder for `device_cost.json` and `.png`.
    backend: a key of `RUNNERS`.
    jobs: processes at once (compiles overlap; timed steps do not).
    budget_s: wall-clock seconds; jobs not started in time are recorded as
      "not run (time budget)" and running ones are killed at the end.
    resume: reuse finished jobs of an earlier run of `mode` in `out`.
    cache_dir: XLA's persistent compilation cache, shared by the jobs
      (a capped job reuses its uncapped twin's executable); None: a
      temporary folder.
    names: optional job names to run, in this order (default: all).
    log: progress lines.

  Returns:
    The results dict written to the JSON file.
  """
  if backend not in RUNNERS:
    raise ValueError(f"backend must be one of {sorted(RUNNERS)}, got "
                     f"{backend!r}")
  queue = plan(mode)
  if names:
    known = {j["name"]: j for j in queue}
    unknown = sorted(set(names) - set(known))
    if unknown:
      raise ValueError(f"unknown jobs {unknown}; {mode} mode has "
                       f"{sorted(known)}")
    queue = [known[n] for n in dict.fromkeys(names)]
  started, load_at_start = time.time(), machine.load_average()
  own_cache = cache_dir is None
  cache_dir = cache_dir or tempfile.mkdtemp(prefix="device_cost_cache")
  settings = MODES[mode]
  scheduler = device_jobs.Scheduler(
      [sys.executable, "-m", "bench.device_cost", f"--backend={backend}"],
      backend, jobs, started + budget_s, cache_dir,
      _earlier_rows(mode, out) if resume else {},
      lambda rows: cli.write_json(
          {"mode": mode, "settings": settings, "rows": rows}, out, NAME),
      log)
  try:
    rows = scheduler.run(
        queue, [] if names else settings["max_batch"],
        lambda head, length, batch: make_job(mode, head, length,
                                             capped=True, batch=batch),
        settings["batch"])
  finally:
    if own_cache:
      shutil.rmtree(cache_dir, ignore_errors=True)
  results = summarize(mode, rows, started, load_at_start)
  cli.write_json(results, out, NAME)
  plot(results, os.path.join(out, f"{NAME}.png"))
  return results


def summarize(mode: str, rows, started: float, load_at_start=None) -> dict:
  """The JSON: machine, rows, 32 GiB verdicts, batch searches, fits."""
  verdicts = {}
  for r in rows:
    if r["capped"] and r["batch"] == r["mode_batch"]:
      base = r["name"][:-len("_cap32GiB")]
      verdicts[base] = {"measured": "fits", "OOM": "OOM"}.get(
          r["status"], r["status"])
  searches = {}
  for head, length in MODES[mode]["max_batch"]:
    state = device_jobs.search_state(rows, head, length,
                                     MODES[mode]["batch"])
    lo = max(state["fits"], default=None)
    hi = min(state["oom"], default=None)
    done = lo is not None and hi is not None and hi == lo + 1
    searches[f"detector_{head}_L{length}_float32"] = {
        "largest_batch_that_fits": lo if done else None,
        "fits_at": sorted(state["fits"]), "oom_at": sorted(state["oom"]),
        "bounds": None if done else [lo, hi], "trials": state["trials"]}
  fits = {}
  for precision in PRECISIONS:
    for head in ("1d", "2d"):
      points = sorted((r["L"], r["device_peak_bytes"]) for r in rows
                      if r.get("device_peak_bytes") and not r["capped"]
                      and not r["tracker"] and r["head"] == head
                      and r["precision"] == precision
                      and r["batch"] == r["mode_batch"])
      if len({p[0] for p in points}) >= 2:
        fit = cost_fit.fit_memory(head, *zip(*points))
        fit["L_at_32GiB"] = cost_fit.length_at(fit, head, CAP_BYTES)
        fits[f"detector_{head}_{precision}"] = fit
  first = next((r for r in rows if r.get("device_kind")), {})
  return {
      "mode": mode, "settings": MODES[mode],
      "machine": machine.record(
          load_at_start, device_kind=first.get("device_kind"),
          platform=first.get("platform"),
          device_bytes=device_jobs.device_bytes(rows)),
      "memory_key": "device_peak_bytes (the allocator's peak_bytes_in_use)",
      "cap_bytes": CAP_BYTES, "seconds": time.time() - started,
      "rows": rows, "verdicts_at_32GiB": verdicts,
      "largest_batch_at_32GiB": searches, "memory_fits": fits}


def plot(results: dict, path: str):
  """Peak device memory (or XLA's plan) and images/s against L."""
  import matplotlib  # pylint: disable=g-import-not-at-top
  matplotlib.use("Agg")
  from matplotlib import pyplot as plt  # pylint: disable=g-import-not-at-top
  fig, (mem, speed) = plt.subplots(1, 2, figsize=(12, 4.5))
  rows = [r for r in results["rows"] if not r["capped"]
          and r["batch"] == r["mode_batch"] and not r["tracker"]]
  on_device = any(r.get("device_peak_bytes") for r in rows)
  for head, colour in (("1d", "tab:blue"), ("2d", "tab:red")):
    for precision, style in zip(PRECISIONS, ("o-", "s--")):
      mine = [r for r in rows if r["head"] == head
              and r["precision"] == precision]
      label = f"{head.upper()} {precision}"
      pts = sorted((r["L"], (r["device_peak_bytes"] if on_device else
                             (r.get("xla_memory") or {}).get("total_bytes"))
                    or 0) for r in mine if r["status"] == "measured")
      if pts:
        mem.plot([p[0] for p in pts], [p[1] / GIB for p in pts], style,
                 color=colour, label=label)
      pts = sorted((r["L"], r["images_per_second"]) for r in mine
                   if r["status"] == "measured")
      if pts:
        speed.plot(*zip(*pts), style, color=colour, label=label)
      for r in results["rows"]:
        if (r["capped"] and r["status"] == "OOM" and r["head"] == head
            and not r["tracker"] and r["precision"] == precision
            and r["batch"] == r["mode_batch"]):
          mem.annotate("OOM at 32 GiB", (r["L"], CAP_BYTES / GIB),
                       fontsize=7, color=colour)
  mem.axhline(CAP_BYTES / GIB, color="gray", linestyle="--",
              label="32 GiB (paper's V100)")
  mem.set_yscale("log")  # MiB on a CPU test, tens of GiB on the GPU
  s = results["settings"]
  device = results["machine"].get("device_kind") or "?"
  mem.set(xlabel="heatmap length L",
          ylabel=("peak device memory (GiB)" if on_device
                  else "XLA's planned memory (GiB)"),
          title=f"one training step, batch {s['batch']}, F = "
                f"{s['input_size']}, {s['num_stacks']} x {s['channels']} "
                f"({device})")
  speed.set(xlabel="heatmap length L", ylabel="images / s (training)",
            title=f"training throughput ({device}, JAX/XLA)")
  mem.legend(fontsize=7)
  speed.legend(fontsize=7)
  fig.tight_layout()
  fig.savefig(path, dpi=120)
  plt.close(fig)


def main(argv):
  del argv
  f = flags.FLAGS
  if f.child:
    print(json.dumps(RUNNERS[f.backend](json.loads(f.child), f.lock)),
          flush=True)
    return
  results = run(f.mode, f.out, backend=f.backend, jobs=f.jobs,
                budget_s=f.budget_s, resume=f.resume, cache_dir=f.cache_dir,
                names=f.jobs_to_run)
  print(json.dumps({k: results[k] for k in (
      "verdicts_at_32GiB", "largest_batch_at_32GiB")}, indent=1))
  problem = no_job_ran(results["rows"])
  if problem:
    raise SystemExit(problem)


def no_job_ran(rows: list) -> str | None:
  """The exit message when no job was measured or ran out of memory (e.g.
  every child failed to import jax), else None."""
  if any(r.get("status") in ("measured", "OOM") for r in rows):
    return None
  errors = sorted({str(r.get("error", r.get("status")))[:200] for r in rows})
  return (f"device_cost: no job ran ({len(rows)} jobs; errors: "
          f"{'; '.join(errors)}); the JAX backend needs "
          "`pip install -e '.[jax]'`")


if __name__ == "__main__":
  cli.define_flags()
  flags.DEFINE_enum("backend", "jax", sorted(RUNNERS),
                    "Keras backend the jobs run on.")
  flags.DEFINE_integer("jobs", 1, "Processes at once (compiles overlap).")
  flags.DEFINE_float("budget_s", 1e9, "Wall-clock budget in seconds.")
  flags.DEFINE_bool("resume", False, "Keep finished jobs of an earlier run "
                    "of the same mode in --out.")
  flags.DEFINE_string("cache_dir", None, "XLA persistent compilation cache "
                      "folder (default: a temporary one).")
  flags.DEFINE_list("jobs_to_run", None, "Job names to run, in order "
                    "(default: the mode's plan and batch searches).")
  flags.DEFINE_string("child", None, "Internal: one job as JSON.")
  flags.DEFINE_string("lock", None, "Internal: the timed-steps lock file.")
  app.run(main)
