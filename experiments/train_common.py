"""Shared main of train_detector.py and train_tracker.py (resumes from --workdir).

  python -m experiments.train_detector --config=synthetic_det1d --workdir=runs/det1d
  # bit-identical weights for the same seed on the same machine:
  python -m experiments.train_detector --config=synthetic_det1d --workdir=runs/a \
      --deterministic --set=train.seed=1
  python -m experiments.train_detector --config=table1_det1d_L768 --workdir=runs/t1 \
      --data_dir=$TFDS --strategy=mirrored --mixed_precision
  # k-fold selection of gamma (Section 5.1):
  python -m experiments.train_detector --config=... --workdir=runs/cv \
      --cross_validate=gamma --cv_values=0.1,0.2,...,1.0 --cv_folds=10
  # of lambda: the tracker's detector is trained on every fold's training part
  python -m experiments.train_tracker --config=table4_300vw --workdir=runs/cvl \
      --cross_validate=lambda
"""

from absl import app
from absl import logging
from absl import flags

from experiments import flags_common
from landmark1d.runs import common
from landmark1d.runs import cross_validation
from landmark1d.runs import evaluate
from landmark1d.runs import schema
from landmark1d.runs import train
from landmark1d.training import loop

_STRATEGY = flags.DEFINE_enum("strategy", "default", loop.STRATEGIES,
                              "tf.distribute strategy.")
_CPU_REPLICAS = flags.DEFINE_integer("cpu_replicas", 0, "With "
                                     "--strategy=mirrored and no GPU: split "
                                     "the CPU into this many replicas.")
_MIXED = flags.DEFINE_bool("mixed_precision", False, "mixed_float16 policy.")
_JIT = flags.DEFINE_bool("jit_compile", False, "XLA-compile the train step.")
_EVALUATE = flags.DEFINE_bool("evaluate", True, "Evaluate after training.")
_DETERMINISTIC = flags.DEFINE_bool(
    "deterministic", False, "TF's deterministic ops: the same seed on the "
    "same machine gives bit-identical weights (= --set=train.deterministic="
    "true; recorded in config.json).")
_CV = flags.DEFINE_enum("cross_validate", None, ["gamma", "lambda"],
                        "Select this hyper-parameter by k-fold CV instead.")
_CV_VALUES = flags.DEFINE_list("cv_values", [f"{0.1 * i:.1f}" for i in
                                             range(1, 11)], "CV candidates.")
_CV_FOLDS = flags.DEFINE_integer("cv_folds", 10, "CV folds.")


def main_for(kind: str):
  """The absl main of a binary that trains `kind` ("detector" / "tracker")."""
  def main(argv):
    del argv
    logging.set_verbosity(logging.WARNING)  # tfds is chatty at INFO
    config = flags_common.resolve_config()
    if common.is_tracker(config) != (kind == "tracker"):
      raise app.UsageError(
          f"config {config.name!r} is a "
          f"{'tracker' if common.is_tracker(config) else 'detector'} "
          f"config; use experiments/train_"
          f"{'tracker' if common.is_tracker(config) else 'detector'}.py")
    run(config)
  return main


def run(config):
  if _DETERMINISTIC.value:
    config = schema.override(config, ["train.deterministic=true"])
  kwargs = dict(strategy=_STRATEGY.value, cpu_replicas=_CPU_REPLICAS.value,
                mixed_precision=_MIXED.value, jit_compile=_JIT.value)
  workdir = flags_common.WORKDIR.value
  if _CV.value:
    t = config.tracker
    detector = (flags_common.resolve_named(t.detector_config)
                if t.enabled and t.detector_config and not t.from_scratch
                else None)
    result = cross_validation.run(
        config, workdir, parameter=_CV.value,
        values=[float(v) for v in _CV_VALUES.value], folds=_CV_FOLDS.value,
        detector=detector, **kwargs)
    print(f"best {_CV.value}: {result['best']:g}")
    return
  train.run(config, workdir, **kwargs)
  if _EVALUATE.value and loop.is_chief_process():
    evaluate.run(config, workdir)
