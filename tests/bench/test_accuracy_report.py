"""bench/accuracy_report.py: the cells table in the order the claims read."""

from bench import accuracy_report


def test_cells_table_reads_curves_then_sweeps_whatever_the_training_order():
  def row(head, l_over_f, gamma=0.3, lam=None):
    return {"head": head, "L_over_F": l_over_f, "gamma": gamma,
            "lambda": lam, "floor_argmax_percent": 1.0,
            "runs": {"0": {"steps": 8000}}}
  trained_order = {
      "accuracy_det1d_L16": row("1d", 0.25),
      "accuracy_det1d_L192": row("1d", 3),
      "accuracy_det2d_L64": row("2d", 1),
      "accuracy_trk1d_lambda0.3": row("1d", 3, lam=0.3),
      "accuracy_det1d_gamma1.0": row("1d", 3, gamma=1.0),
      "synthetic_det1d": row("1d", 3),
      "accuracy_det2d_L16": row("2d", 0.25),
      "accuracy_trk1d_lambda0.0": row("1d", 3, lam=0.0),
      "accuracy_det1d_gamma0.0": row("1d", 3, gamma=0.0),
      "accuracy_det1d_L64": row("1d", 1),
  }
  table = accuracy_report.markdown({"cells": trained_order, "claims": {}})
  rows = [line.split(" | ")[0].lstrip("| ") for line in table.splitlines()
          if line.startswith("| accuracy_") or line.startswith("| synthetic")]
  assert rows == ["accuracy_det1d_L16", "accuracy_det1d_L64",
                  "accuracy_det1d_L192", "accuracy_det2d_L16",
                  "accuracy_det2d_L64", "accuracy_det1d_gamma0.0",
                  "accuracy_det1d_gamma1.0", "accuracy_trk1d_lambda0.0",
                  "accuracy_trk1d_lambda0.3", "synthetic_det1d"]
