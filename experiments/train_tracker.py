"""Trains a 1D or 2D tracker (Section 4.2, Tables 1, 2, 4); see train_common.py.

A tracker starts from a finished run of its config's detector
(`tracker.detector_config`): pass --set=tracker.detector_workdir=<dir>, or
--set=tracker.from_scratch=true to train it from a random detector.

  python -m experiments.train_detector --config=synthetic_det1d \
      --workdir=runs/synthetic_det1d
  python -m experiments.train_tracker --config=synthetic_trk1d --workdir=runs/trk1d \
      --set=tracker.detector_workdir=runs/synthetic_det1d
"""

from experiments import cli
from experiments import train_common

if __name__ == "__main__":
  cli.run(train_common.main_for("tracker"))
