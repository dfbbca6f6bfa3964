"""bench/device_jobs.py: the batch search, the allocator settings, the scheduler.

The scheduler runs stand-in children here (a few lines of Python that answer
like a GPU job would), so its deadline, its order and the searches are
tested without JAX.
"""

import sys
import time

import pytest

from bench import device_cost
from bench import device_jobs

GIB = 1024 ** 3


def _oracle(fixed, per_image, cap):
  return lambda b: fixed + per_image * b <= cap


@pytest.mark.parametrize("fixed,per_image,start_fits", [
    (2.0, 1.0, True),     # largest batch 30
    (1.5, 3.3, False),    # largest batch 9: batch 10 is already OOM
    (10.0, 0.37, True),   # largest batch 59
])
def test_batch_search_ends_at_the_largest_batch_under_a_linear_memory(
    fixed, per_image, start_fits):
  cap = 32.0
  want = int((cap - fixed) // per_image)
  fits = _oracle(fixed, per_image, cap)
  assert fits(10) == start_fits
  search = {"fits": [10] if start_fits else [], "oom": [] if start_fits
            else [10], "peaks": {"10": fixed + 10 * per_image},
            "limit_bytes": cap}
  trials = 0
  while (batch := device_jobs.next_trial(search)) is not None:
    trials += 1
    assert batch not in search["fits"] + search["oom"]
    if fits(batch):
      search["fits"].append(batch)
      search["peaks"][str(batch)] = fixed + per_image * batch
    else:
      search["oom"].append(batch)
  assert max(search["fits"]) == want and min(search["oom"]) == want + 1
  assert trials <= 3  # the measured peaks predict it; bisection is the rest


def test_capped_job_sets_the_fraction_that_gives_32_gib():
  job = device_cost.make_job("full", "2d", 256, capped=True)
  env = device_jobs.child_env(job, "jax", None, device_bytes=140 * GIB)
  assert float(env["XLA_CLIENT_MEM_FRACTION"]) * 140 == pytest.approx(32)
  assert env["XLA_PYTHON_CLIENT_PREALLOCATE"] == "false"
  assert "XLA_PYTHON_CLIENT_MEM_FRACTION" not in env  # jaxlib refuses both
  assert job["name"] == "detector_2d_L256_float32_cap32GiB"


# A stand-in GPU job: 2 GiB + 1 GiB per image on a 140 GiB device, killed by
# the 32 GiB cap when it needs more; sleeps when told to.
FAKE_CHILD = """
import json, os, sys, time
job = json.loads(sys.argv[1][len("--child="):])
time.sleep(float(os.environ.get("FAKE_SLEEP", "0")))
fraction = float(os.environ["XLA_CLIENT_MEM_FRACTION"])
limit = fraction * 140 * 2 ** 30
peak = (2 + job["batch"]) * 2 ** 30
row = {"platform": "gpu", "device_bytes_limit": limit}
row.update({"status": "measured", "device_peak_bytes": peak} if peak <= limit
           else {"status": "OOM"})
print(json.dumps(row))
"""


def _scheduler(tmp_path, deadline_s, rows_seen):
  return device_jobs.Scheduler(
      [sys.executable, "-c", FAKE_CHILD], "jax", jobs=2,
      deadline=time.time() + deadline_s, cache_dir=str(tmp_path),
      earlier={}, on_row=lambda rows: rows_seen.append(len(rows)),
      log=lambda _: None)


def test_scheduler_runs_verdicts_then_the_search_to_the_largest_batch(
    tmp_path):
  jobs = [device_cost.make_job("full", "1d", 768),
          device_cost.make_job("full", "1d", 768, capped=True)]
  rows_seen = []
  rows = _scheduler(tmp_path, 120, rows_seen).run(
      jobs, [("1d", 768)],
      lambda head, length, batch: device_cost.make_job(
          "full", head, length, capped=True, batch=batch), batch=10)
  by_name = {r["name"]: r for r in rows}
  assert by_name["detector_1d_L768_float32"]["device_peak_bytes"] == 12 * GIB
  # The capped job saw a 32 GiB limit, derived from the uncapped job's.
  assert by_name["detector_1d_L768_float32_cap32GiB"][
      "status"] == "measured"
  state = device_jobs.search_state(rows, "1d", 768, 10)
  assert max(state["fits"]) == 30 and min(state["oom"]) == 31
  assert rows_seen == list(range(1, len(rows) + 1))  # saved after each row


def test_deadline_kills_running_jobs_and_skips_the_rest(tmp_path,
                                                        monkeypatch):
  monkeypatch.setenv("FAKE_SLEEP", "30")
  jobs = [device_cost.make_job("full", "1d", l) for l in (64, 128, 256)]
  started = time.time()
  rows = _scheduler(tmp_path, 1.5, []).run(jobs, [], None, batch=10)
  assert time.time() - started < 15
  assert [r["status"] for r in rows] == [device_jobs.BUDGET] * 3
  killed = [r for r in rows if "killed" in r.get("reason", "")]
  assert len(killed) == 2  # two ran at once; the third never started
