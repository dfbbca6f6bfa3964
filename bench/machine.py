"""The machine a benchmark ran on: one record, the same in every benchmark.

Every benchmark's JSON carries `"machine": record(...)`: CPUs (all and
usable), memory, OS, Python, the versions of the numerical packages that
are installed (read from their metadata, so recording them imports no
TensorFlow or JAX), the environment variables that change what XLA and
Keras do, and the load average when the benchmark started and ended: the
machine is often shared, and times are only as steady as its load.
Device details a benchmark measures itself (GPU names, JAX's device kind)
are passed in.
"""

from __future__ import annotations

from importlib import metadata
import os
import platform

PACKAGES = ("tensorflow", "keras", "jax", "jaxlib", "numpy",
            "ai-edge-litert")
ENVIRONMENT = ("KERAS_BACKEND", "XLA_FLAGS", "TF_ENABLE_ONEDNN_OPTS",
               "CUDA_VISIBLE_DEVICES")


def proc_bytes(path: str, field: str) -> int:
  """A kB field of a /proc file (VmHWM, MemAvailable, ...) in bytes."""
  with open(path, encoding="ascii") as f:
    for line in f:
      if line.startswith(field + ":"):
        return int(line.split()[1]) * 1024
  raise RuntimeError(f"{path} has no {field}")


def load_average() -> list[float]:
  """The 1, 5 and 15 minute load averages."""
  return list(os.getloadavg())


def _version(package: str) -> str | None:
  try:
    return metadata.version(package)
  except metadata.PackageNotFoundError:
    return None


def record(load_at_start: list[float] | None = None, **device) -> dict:
  """The machine's description, with the load now and at the start.

  Args:
    load_at_start: `load_average()` when the benchmark started.
    **device: what the benchmark measured about its device (e.g. GPU
      names, the accelerator's kind and memory).

  Returns:
    A JSON-ready dict.
  """
  return {"cpu_count": os.cpu_count(),
          "cpus_usable": len(os.sched_getaffinity(0)),
          "memory_total_bytes": proc_bytes("/proc/meminfo", "MemTotal"),
          "os": platform.platform(),
          "python": platform.python_version(),
          "versions": {p: _version(p) for p in PACKAGES},
          "environment": {k: os.environ[k] for k in ENVIRONMENT
                          if k in os.environ},
          "load_average_1_5_15_at_start": load_at_start,
          "load_average_1_5_15_at_end": load_average(),
          **device}
