"""The experiment binaries; importing this package quiets TensorFlow's start-up.

TensorFlow's C++ start-up lines (oneDNN, the CUDA stub, CPU features) bury
what a binary prints. `TF_CPP_MIN_LOG_LEVEL` defaults to 2 here (INFO and
WARNING off, ERROR kept), read when TensorFlow is imported, so it is set
before; the lines that TensorFlow logs before it initialises absl logging
ignore that variable and are dropped from the import's stderr while the level
hides INFO. A user's own `TF_CPP_MIN_LOG_LEVEL` wins (0 shows everything).
oneDNN stays on (`TF_ENABLE_ONEDNN_OPTS` may change rounding; its line is
dropped with the others). On another Keras backend nothing is imported: the
benchmarks import this package too, and the device benchmark runs on JAX
where TensorFlow is not installed.
"""

import os
import re
import sys
import tempfile

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

# absl's banner before `absl::InitializeLog()`, and its INFO lines
# (`I0000 00:00:1796461897.455215   11508 port.cc:153] ...`).
_EARLY_INFO = re.compile(r"WARNING: All log messages before absl::"
                         r"InitializeLog\(\)|I\d{4} ")


def _import_tensorflow_quietly():
  """Imports TensorFlow with its early INFO lines removed from stderr."""
  level = os.environ["TF_CPP_MIN_LOG_LEVEL"].strip()
  if ("tensorflow" in sys.modules or level not in ("1", "2", "3")
      or os.environ.get("KERAS_BACKEND", "tensorflow") != "tensorflow"):
    return
  sys.stderr.flush()
  saved = os.dup(2)
  with tempfile.TemporaryFile() as captured:
    os.dup2(captured.fileno(), 2)
    try:
      import tensorflow  # pylint: disable=g-import-not-at-top,unused-import
    finally:
      sys.stderr.flush()
      os.dup2(saved, 2)
      os.close(saved)
      captured.seek(0)
      for line in captured.read().decode(errors="replace").splitlines(True):
        if not _EARLY_INFO.match(line):
          sys.stderr.write(line)


_import_tensorflow_quietly()
