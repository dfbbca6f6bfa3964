"""Evaluates a trained workdir: NRMSE / AUC / FR tables, CED plots, jitter.

  python -m experiments.evaluate --workdir=runs/det1d [--decoder=dark]
  # a row that trains the same weights as another (Table 3's +DARK row):
  python -m experiments.evaluate --config=table3_300w_dark \
      --workdir=runs/table3_300w_dark --model_workdir=runs/table3_300w
"""

from absl import logging
from absl import flags

from experiments import cli
from experiments import flags_common
from landmark1d.geometry import heatmaps
from landmark1d.runs import evaluate

_DECODER = flags.DEFINE_enum("decoder", None, heatmaps.DECODERS_1D,
                             "Heatmap decoder (default: the config's).")
_SPLITS = flags.DEFINE_list("splits", None, "Splits (default: the config's).")
_MODEL_WORKDIR = flags.DEFINE_string(
    "model_workdir", None, "Score the model trained in this workdir (default: "
    "--workdir); it must have been trained with the same settings as "
    "--config. Results go to --workdir.")


def main(argv):
  del argv
  logging.set_verbosity(logging.WARNING)  # tfds is chatty at INFO
  config = flags_common.resolve_config(from_workdir=True)
  evaluate.run(config, flags_common.WORKDIR.value,
               decoder=_DECODER.value, splits=_SPLITS.value,
               model_workdir=_MODEL_WORKDIR.value)


if __name__ == "__main__":
  cli.run(main)
