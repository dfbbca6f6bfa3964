"""Trains a 1D or 2D tracker (Section 4.2, Tables 1, 2, 4); see train.py.

Start from a trained detector with --set=tracker.detector_workdir=<dir>.

  python -m experiments.train_tracker --config=synthetic_trk1d --workdir=runs/trk1d
"""

from absl import app

from experiments import train

if __name__ == "__main__":
  app.run(train.main_for("tracker"))
