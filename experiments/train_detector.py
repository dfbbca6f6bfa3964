"""Trains a 1D or 2D detector (Section 4.1, Table 1 / 3 rows); see train_common.py.

  python -m experiments.train_detector --config=synthetic_det1d --workdir=runs/det1d
"""

from experiments import cli
from experiments import train_common

if __name__ == "__main__":
  cli.run(train_common.main_for("detector"))
