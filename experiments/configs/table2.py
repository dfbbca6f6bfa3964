"""Table 2: the tracker with (lambda = 0.3) and without (lambda = 0) temporal fusion.

300-VW S1-S3 and Talking Face (trained on 300-VW, scored on the 7 common points).

  python -m experiments.train_tracker --config=table2_300vw_lambda0 \
      --workdir=runs/table2_300vw_lambda0 \
      --data_dir=$TFDS_DIR \
      --set=tracker.detector_workdir=runs/table4_300vw_detector
  python -m experiments.evaluate --workdir=runs/table2_300vw_lambda0
"""

from experiments.configs import base
from experiments.configs import table4


def _tracker(lam, talking_face):
  def make():
    config = base.paper_300vw_tracker(table4.DETECTOR)
    config.tracker.fusion_lambda = lam
    if talking_face:
      config.data.eval_dataset = "talking_face"
      config.data.eval_splits = ("test",)
      config.data.eval_subset = "common7"
    where = "Talking Face" if talking_face else "300-VW S1-S3"
    config.description = f"Table 2, lambda = {lam}, {where}"
    return config
  return make


CONFIGS = base.with_smoke_variants({
    "table2_300vw_lambda0": _tracker(0.0, False),
    "table2_300vw_lambda03": _tracker(0.3, False),
    "table2_tf_lambda0": _tracker(0.0, True),
    "table2_tf_lambda03": _tracker(0.3, True),
})
