"""Named experiment configs, one module per paper experiment.

A module here is a config module iff it defines `CONFIGS`, a mapping from
experiment name to a function returning a fresh
`landmark1d.runs.schema.ExperimentConfig`; others (`base`, any helper) are
skipped, so adding a config is adding a module or a `CONFIGS` entry.
`get(name)` finds a name in any config module; `names()` lists them all.
"""

import importlib
import pkgutil

from landmark1d.runs import schema


def _modules():
  for info in pkgutil.iter_modules(__path__):
    module = importlib.import_module(f"{__name__}.{info.name}")
    if hasattr(module, "CONFIGS"):
      yield module


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
    raise schema.ConfigError(
        f"unknown experiment config {name!r}. Known names include "
        f"{close or sorted(factories)[:10]}; `python -m "
        "experiments.list_configs` lists all.")
  config = factories[name]()
  config.name = name
  return config.validate()
