"""Exports a trained workdir as a SavedModel (and optionally TFLite).

  python -m experiments.export --workdir=runs/det1d --out=runs/det1d/saved_model
"""

from absl import app
from absl import logging
from absl import flags

from experiments import flags_common
from landmark1d import experiment
from landmark1d import heatmaps

_OUT = flags.DEFINE_string("out", None, "SavedModel directory (default: "
                           "<workdir>/saved_model).")
_DECODER = flags.DEFINE_enum("decoder", None, heatmaps.DECODERS_1D,
                             "Decoder baked into the signatures.")


def main(argv):
  del argv
  logging.set_verbosity(logging.WARNING)  # tfds is chatty at INFO
  config = flags_common.resolve_config(from_workdir=True)
  workdir = flags_common.WORKDIR.value
  path = experiment.export(config, workdir,
                           _OUT.value or f"{workdir}/saved_model",
                           decoder=_DECODER.value)
  print(f"SavedModel written to {path}")


if __name__ == "__main__":
  app.run(main)
