"""The binaries' one path for a user's mistake: a plain line, no traceback.

Every binary ends in `cli.run(main)` instead of `app.run(main)`. A bad flag
value, config name, `--set` override, dataset or workdir raises one of
`USER_ERRORS` with a message naming what was wrong and what was expected;
`run` prints that message as `error: ...` on stderr and exits with status 1.
`--verbosity=1` prints the traceback above it too. Any other exception is a
bug and keeps its traceback.
"""

import functools
import sys
import traceback

from absl import app
from absl import flags

from landmark1d.runs import common
from landmark1d.runs import datasets
from landmark1d.runs import schema
from landmark1d.serving import face_detection
from landmark1d.serving import media
from landmark1d.serving import predictor
from landmark1d.training import loop

USER_ERRORS = (
    flags.Error,  # absl's flag validation, e.g. a required --config
    app.UsageError,
    schema.ConfigError,  # unknown config, field, type or value
    datasets.DatasetError,  # unknown dataset or split, no manual download
    common.DetectorRunError,
    loop.DamagedCheckpointError,  # a run whose checkpoints all fail to read
    predictor.InputError,
    media.MediaError,  # an input file that is not there or does not decode
    face_detection.FaceDetectorUnavailable,
    FileNotFoundError,  # a workdir, checkpoint or model that is not there
)


def plain_errors(main, errors: tuple = USER_ERRORS):
  """`main` with `errors` turned into `error: <message>` and exit 1."""
  @functools.wraps(main)
  def wrapped(argv):
    verbose = flags.FLAGS.verbosity >= 1  # read before main lowers it
    try:
      return main(argv)
    except errors as e:
      if verbose:
        traceback.print_exc()
      sys.exit(f"error: {e}")
  return wrapped


def run(main, errors: tuple = USER_ERRORS):
  """`app.run(main)` through `plain_errors`; the benchmarks (bench/cli.py)
  add their own error type to `errors`."""
  app.run(plain_errors(main, errors))
