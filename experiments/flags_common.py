"""Flags shared by the experiment binaries, and the config they resolve to."""

from absl import flags

from experiments import configs as registry
from landmark1d.runs import common
from landmark1d.runs import schema

CONFIG = flags.DEFINE_string("config", None, "Named experiment config "
                             "(python -m experiments.list_configs).")
OVERRIDES = flags.DEFINE_multi_string(
    "set", [], "Config override 'section.field=value', repeatable, e.g. "
    "--set=train.steps=500 --set=model.heatmap_length=256.")
WORKDIR = flags.DEFINE_string("workdir", None, "Run directory (checkpoints, "
                              "summaries, results).", required=True)
DATA_DIR = flags.DEFINE_string("data_dir", None, "tfds data_dir (default: "
                               "tfds's ~/tensorflow_datasets).")
MANUAL_DIR = flags.DEFINE_string("manual_dir", None, "Manually downloaded "
                                 "files of a real dataset.")


def resolve_config(from_workdir: bool = False) -> schema.ExperimentConfig:
  """The config named by --config (or the workdir's), with --set overrides.

  Args:
    from_workdir: when --config is absent, read `<workdir>/config.json`.
  """
  if CONFIG.value:
    config = registry.get(CONFIG.value)
  elif from_workdir:
    config = common.load_config(WORKDIR.value)
  else:
    raise flags.ValidationError("--config is required (python -m "
                                "experiments.list_configs lists them)")
  return schema.override(config, list(OVERRIDES.value)
                         + _data_overrides()).validate()


def _data_overrides() -> list[str]:
  overrides = []
  if DATA_DIR.value:
    overrides.append(f"data.data_dir={DATA_DIR.value}")
  if MANUAL_DIR.value:
    overrides.append(f"data.manual_dir={MANUAL_DIR.value}")
  return overrides


def resolve_named(name: str) -> schema.ExperimentConfig:
  """Another named config with this run's --data_dir / --manual_dir (not its
  --set overrides), e.g. a tracker's detector."""
  return schema.override(registry.get(name), _data_overrides()).validate()
