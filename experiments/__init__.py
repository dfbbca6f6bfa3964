"""The experiment binaries; importing this package quiets TensorFlow's start-up.

TensorFlow's C++ start-up lines (oneDNN, the CUDA stub, CPU features) bury
what a binary prints. `TF_CPP_MIN_LOG_LEVEL` defaults to 2 here (INFO and
WARNING off, ERROR kept), read when TensorFlow is imported, so it is set
before; the lines that TensorFlow logs before it initialises absl logging
ignore that variable and are dropped from stderr while TensorFlow's import
runs, if the level hides INFO. A user's own `TF_CPP_MIN_LOG_LEVEL` wins (0
shows everything). oneDNN stays on (`TF_ENABLE_ONEDNN_OPTS` may change
rounding; its line is dropped with the others).

Nothing is imported here: a finder placed first on `sys.meta_path` wraps
TensorFlow's first import, whoever asks for it (Keras, a binary). So the
benchmarks, which import this package too, stay free of TensorFlow where they
do not use it: the device benchmark runs on JAX where it is not installed.
"""

import contextlib
import importlib.abc
import importlib.util
import os
import re
import sys
import tempfile

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

# absl's banner before `absl::InitializeLog()`, and its INFO lines
# (`I0000 00:00:1796461897.455215   11508 port.cc:153] ...`).
_EARLY_INFO = re.compile(r"WARNING: All log messages before absl::"
                         r"InitializeLog\(\)|I\d{4} ")


@contextlib.contextmanager
def _early_info_dropped():
  """Captures fd 2 while the body runs; writes back all but `_EARLY_INFO`."""
  sys.stderr.flush()
  saved = os.dup(2)
  with tempfile.TemporaryFile() as captured:
    os.dup2(captured.fileno(), 2)
    try:
      yield
    finally:
      sys.stderr.flush()
      os.dup2(saved, 2)
      os.close(saved)
      captured.seek(0)
      for line in captured.read().decode(errors="replace").splitlines(True):
        if not _EARLY_INFO.match(line):
          sys.stderr.write(line)


class _QuietLoader(importlib.abc.Loader):
  """TensorFlow's own loader, its `exec_module` inside `_early_info_dropped`."""

  def __init__(self, loader):
    self._loader = loader

  def __getattr__(self, name):  # resource readers, get_code, ...
    return getattr(self._loader, name)

  def create_module(self, spec):
    return self._loader.create_module(spec)

  def exec_module(self, module):
    with _early_info_dropped():
      self._loader.exec_module(module)


class _QuietTensorFlowFinder(importlib.abc.MetaPathFinder):
  """Finds `tensorflow` once, through the other finders, with a quiet loader."""

  def find_spec(self, name, path=None, target=None):
    del path, target
    if name != "tensorflow":
      return None
    sys.meta_path.remove(self)
    spec = importlib.util.find_spec(name)
    if spec is not None and spec.loader is not None:
      spec.loader = _QuietLoader(spec.loader)
    return spec


if ("tensorflow" not in sys.modules and
    os.environ["TF_CPP_MIN_LOG_LEVEL"].strip() in ("1", "2", "3") and
    not any(isinstance(f, _QuietTensorFlowFinder) for f in sys.meta_path)):
  sys.meta_path.insert(0, _QuietTensorFlowFinder())
