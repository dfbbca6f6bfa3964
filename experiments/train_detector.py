"""Trains a 1D or 2D detector (Section 4.1, Table 1 / 3 rows); see train.py.

  python -m experiments.train_detector --config=synthetic_det1d --workdir=runs/det1d
"""

from absl import app

from experiments import train

if __name__ == "__main__":
  app.run(train.main_for("detector"))
