"""Named experiment configs, one module per paper experiment.

Each module defines `CONFIGS`, a mapping from experiment name to a function
returning a fresh `landmark1d.runs.schema.ExperimentConfig`. `get(name)` finds a
name in any module here; `names()` lists them all.
"""

import importlib
import pkgutil

from landmark1d.runs import schema


def _modules():
  for info in pkgutil.iter_modules(__path__):
    if not info.name.startswith("_") and info.name != "base":
      yield importlib.import_module(f"{__name__}.{info.name}")


def registry() -> dict:
  found = {}
  for module in _modules():
    for name, factory in module.CONFIGS.items():
      if name in found:
        raise ValueError(f"experiment {name!r} defined twice "
                         f"({module.__name__})")
      found[name] = factory
  return found


def names() -> list:
  return sorted(registry())


def get(name: str) -> schema.ExperimentConfig:
  """A validated copy of the named experiment's config."""
  factories = registry()
  if name not in factories:
    close = [n for n in factories if name.split("_")[0] in n][:10]
    raise ValueError(f"unknown experiment config {name!r}. Known names "
                     f"include {close or sorted(factories)[:10]}; "
                     "`python -m experiments.list_configs` lists all.")
  config = factories[name]()
  config.name = name
  return config.validate()
