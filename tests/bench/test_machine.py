"""bench/machine.py: the machine record every benchmark writes."""

import os

import numpy as np

from bench import machine


def test_record_has_the_machine_its_packages_and_the_load(monkeypatch):
  monkeypatch.setenv("XLA_FLAGS", "--xla_dump_to=/tmp/x")
  at_start = machine.load_average()
  found = machine.record(at_start, gpus=["H200"])
  assert found["cpu_count"] == os.cpu_count()
  assert 1 <= found["cpus_usable"] <= found["cpu_count"]
  with open("/proc/meminfo", encoding="ascii") as f:
    total_kb = int(next(l for l in f if l.startswith("MemTotal:")).split()[1])
  assert found["memory_total_bytes"] == total_kb * 1024
  assert found["versions"]["numpy"] == np.__version__
  assert found["environment"]["XLA_FLAGS"] == "--xla_dump_to=/tmp/x"
  assert found["load_average_1_5_15_at_start"] == at_start
  assert len(found["load_average_1_5_15_at_end"]) == 3
  assert found["gpus"] == ["H200"]
