"""Running the device benchmark's jobs: one process each, within a budget.

`bench/device_cost.py` decides what to measure; this module runs it. A job
is a dict naming a configuration, a precision, a batch and whether the
allocator is capped at 32 GiB. Each runs in its own process, `jobs` at once:
their compiles overlap, their timed steps take turns through a lock file.
Jobs start in the order given until the wall-clock deadline; a job that
would not finish in time (by the median duration so far) is recorded as
"not run (time budget)", and so is one still running at the deadline, which
is killed. The largest-batch searches add capped trials as their results
come in (`next_trial`).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import time
from typing import Callable

from bench import cost_fit

CAP_BYTES = cost_fit.PAPER_GPU_BYTES  # the paper's V100: 32 GiB
# Uncapped jobs may use this share of the device (JAX's default is 0.75).
UNCAPPED_FRACTION = 0.95
BUDGET = "not run (time budget)"


def next_trial(search: dict) -> int | None:
  """The next batch to try in a largest-batch search, or None when done.

  Args:
    search: `{"fits": [batches], "oom": [batches], "peaks": {batch: bytes},
      "limit_bytes": cap}`; peaks are the uncapped or capped peaks measured
      so far.

  Returns:
    A batch between the largest that fits and the smallest that does not:
    the line through the two largest measured peaks predicts it when it
    lies strictly inside, else the midpoint; None once they are adjacent.
  """
  lo = max(search["fits"], default=0)
  hi = min(search["oom"], default=None)
  if hi is not None and hi <= lo + 1:
    return None
  points = sorted((int(b), p) for b, p in search["peaks"].items() if p)
  guess = None
  if len(points) >= 2:
    (b0, p0), (b1, p1) = points[-2], points[-1]
    if p1 > p0 and b1 > b0:
      per_image = (p1 - p0) / (b1 - b0)
      guess = b1 + int((search["limit_bytes"] - p1) // per_image)
  elif points:
    # One point: memory proportional to the batch is an upper bound on
    # the growth, so the guess errs low.
    b1, p1 = points[-1]
    guess = int(b1 * search["limit_bytes"] // p1)
  if hi is None:
    return max(guess if guess is not None else 2 * lo, lo + 1)
  if guess is None or not lo < guess < hi:
    guess = (lo + hi) // 2
  return guess


def search_state(rows, head: str, length: int, batch: int) -> dict:
  """What the float32 detector jobs of one configuration found so far.

  Args:
    rows: finished job rows.
    head, length: the configuration searched.
    batch: the mode's batch, whose uncapped peak seeds the first guess.

  Returns:
    `next_trial`'s input plus `trials` (capped job names) and `unfinished`
    (a trial ended without a verdict: out of time, or an error).
  """
  search = {"fits": [], "oom": [], "peaks": {}, "limit_bytes": CAP_BYTES,
            "trials": [], "unfinished": False}
  for r in rows:
    if (r["head"], r["L"], r["tracker"], r["precision"]) != (
        head, length, False, "float32"):
      continue
    if not r["capped"]:
      if r.get("device_peak_bytes") and r["batch"] == batch:
        search["peaks"][str(batch)] = r["device_peak_bytes"]
      continue
    search["trials"].append(r["name"])
    if r["status"] == "measured":
      search["fits"].append(r["batch"])
      search["peaks"][str(r["batch"])] = r.get("device_peak_bytes")
    elif r["status"] == "OOM":
      search["oom"].append(r["batch"])
    else:
      search["unfinished"] = True
  return search


def child_env(job: dict, backend: str, cache_dir: str | None,
              device_bytes: int | None) -> dict:
  """The environment of a job's process: backend, allocator, cache."""
  env = dict(os.environ, KERAS_BACKEND=backend, TF_CPP_MIN_LOG_LEVEL="3",
             XLA_PYTHON_CLIENT_PREALLOCATE="false")
  # jaxlib refuses both names at once; the new one is set below.
  env.pop("XLA_PYTHON_CLIENT_MEM_FRACTION", None)
  fraction = UNCAPPED_FRACTION
  if job["capped"]:
    fraction = CAP_BYTES / device_bytes
  env["XLA_CLIENT_MEM_FRACTION"] = repr(fraction)
  if cache_dir:
    # Every program, the small initialisers too; with this cache JAX also
    # turns on XLA's per-fusion GPU autotuning cache, in the same folder.
    env.update(JAX_COMPILATION_CACHE_DIR=cache_dir,
               JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS="0")
  return env


def device_bytes(rows) -> int | None:
  """Total device memory, from an uncapped job's limit and fraction."""
  for row in rows:
    limit = row.get("device_bytes_limit")
    if limit and not row["capped"]:
      return int(limit / UNCAPPED_FRACTION)
  return None


def _same_search(job: dict, head: str, length: int) -> bool:
  return (job["head"], job["L"], job["capped"], job["tracker"],
          job["precision"]) == (head, length, True, False, "float32")


class Scheduler:
  """Starts job processes in order, `jobs` at once, until a deadline.

  Args:
    command: the child's command line; `--child=<job JSON>` and
      `--lock=<file>` are appended.
    backend: `KERAS_BACKEND` of the children.
    jobs: processes at once.
    deadline: `time.time()` after which nothing starts and the running
      processes are killed.
    cache_dir: XLA's persistent compilation cache, shared by the children.
    earlier: finished rows of an earlier run, by job name, reused as such.
    on_row: called with every row list after a row is added (to save it).
    log: progress lines.
  """

  def __init__(self, command, backend, jobs, deadline, cache_dir, earlier,
               on_row: Callable[[list], None], log: Callable[[str], None]):
    self.command, self.backend, self.jobs = command, backend, jobs
    self.deadline, self.cache_dir, self.earlier = deadline, cache_dir, earlier
    self.on_row, self.log = on_row, log
    os.makedirs(cache_dir, exist_ok=True)
    self.lock_path = os.path.join(cache_dir, "device_jobs.lock")
    self.rows, self.running = [], []
    # Seconds of finished processes, uncapped and capped apart: a capped
    # job whose twin ran loads its executable from the cache.
    self.durations = {False: [], True: []}
    self.cpu = None  # known after the first job

  def _estimate(self, job: dict) -> float:
    # Until a job has finished, no estimate: the first ones always start.
    seen = self.durations[job["capped"]] or self.durations[not job["capped"]]
    return statistics.median(seen) if seen else 0.0

  def start(self, job: dict) -> bool:
    """Starts `job`, or records it; False: it waits for the device's size."""
    if job["name"] in self.earlier:
      self.finish(job, dict(self.earlier[job["name"]], reused=True))
      return True
    if job["capped"] and self.cpu:
      self.finish(job, {"status": "not run", "reason": (
          "no allocator limit on a CPU: XLA_CLIENT_MEM_FRACTION applies to "
          "GPU memory")})
      return True
    size = device_bytes(self.rows)
    if job["capped"] and size is None:
      if self.running:
        return False  # an uncapped job will report the device's size
      self.finish(job, {"status": "not run", "reason": (
          "the device's size is unknown: no uncapped job reported its "
          "allocator limit")})
      return True
    left = self.deadline - time.time()
    if left <= 0 or left < self._estimate(job):
      self.finish(job, {"status": BUDGET})
      return True
    proc = subprocess.Popen(
        [*self.command, f"--child={json.dumps(job)}",
         f"--lock={self.lock_path}"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=child_env(job, self.backend, self.cache_dir, size),
        cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    self.log(f"== {job['name']} started ({len(self.running) + 1} running)")
    self.running.append((job, proc, time.time()))
    return True

  def poll(self):
    """Collects finished processes; kills those past the deadline."""
    for entry in list(self.running):
      job, proc, started = entry
      late = time.time() > self.deadline
      if late and proc.poll() is None:
        proc.kill()
      # communicate() also drains the pipes of a process still running.
      try:
        stdout, stderr = proc.communicate(timeout=0.05)
      except subprocess.TimeoutExpired:
        continue
      self.running.remove(entry)
      seconds = time.time() - started
      lines = [l for l in stdout.splitlines() if l.startswith("{")]
      if late and proc.returncode < 0:
        row = {"status": BUDGET,
               "reason": f"killed at the deadline after {seconds:.0f} s"}
      elif proc.returncode != 0 or not lines:
        tail = " ".join(stderr.strip().splitlines()[-3:])
        row = {"status": "error", "error": f"exit {proc.returncode}: {tail}"}
      else:
        row = json.loads(lines[-1])
        self.durations[job["capped"]].append(seconds)
      self.finish(job, dict(row, process_seconds=seconds))

  def finish(self, job: dict, row: dict):
    row = dict(job, **row)
    if row.get("platform"):
      self.cpu = row["platform"] == "cpu"
    self.rows.append(row)
    self.log(json.dumps({k: row.get(k) for k in (
        "name", "status", "device_peak_bytes", "compile_seconds",
        "train_step_seconds", "images_per_second", "process_seconds")}))
    self.on_row(self.rows)

  def run(self, queue: list, searches: list,
          trial_job: Callable[[str, int, int], dict], batch: int) -> list:
    """Runs `queue` in order and the searches' trials before the rest.

    Args:
      queue: job dicts, most important first.
      searches: `(head, L)` configurations whose largest batch under the
        cap is searched once their capped jobs in `queue` have finished.
      trial_job: `(head, L, batch) -> job`, a capped float32 detector job.
      batch: the mode's batch.

    Returns:
      The rows, one per job, in the order they finished.
    """
    queue, searches = list(queue), list(searches)
    try:
      while queue or self.running or searches:
        self.poll()
        for head, length in list(searches):
          if any(_same_search(j, head, length) for j in queue) or any(
              _same_search(j, head, length) for j, _, _ in self.running):
            continue  # a verdict or trial of this search is on its way
          state = search_state(self.rows, head, length, batch)
          trial = (next_trial(state) if state["fits"] or state["oom"]
                   else None)
          if trial is None or self.cpu or state["unfinished"]:
            searches.remove((head, length))
          else:
            queue.insert(0, trial_job(head, length, trial))
        while queue and len(self.running) < self.jobs:
          if not self.start(queue[0]):
            break
          queue.pop(0)
        if time.time() > self.deadline and not self.running:
          for job in queue:
            self.finish(job, {"status": BUDGET})
          queue, searches = [], []
        time.sleep(0.2)
    finally:
      for _, proc, _ in self.running:
        proc.kill()
    return self.rows
