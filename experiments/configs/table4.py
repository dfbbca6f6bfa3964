"""Table 4: the tracker on 300-VW S1-S3 and Talking Face.

Following the paper (and [36]), the detector inside the tracker trains on the
union of 300-VW train frames and 300-W train; the tracker then trains on 300-VW
clips starting from it. Talking Face is scored on the 7 common points.

  python -m experiments.train_detector --config=table4_300vw_detector \
      --workdir=runs/table4_300vw_detector --data_dir=$TFDS_DIR --evaluate=false
  python -m experiments.train_tracker --config=table4_300vw \
      --workdir=runs/table4_300vw --data_dir=$TFDS_DIR \
      --set=tracker.detector_workdir=runs/table4_300vw_detector
  python -m experiments.evaluate --workdir=runs/table4_300vw
"""

from experiments.configs import base

DETECTOR = "table4_300vw_detector"
DETECTOR_LENGTH = 768


def _detector():
  config = base.paper_300vw_detector()
  config.description = "Table 4, detector for the tracker: 300-VW + 300-W"
  return config


def _300vw():
  config = base.paper_300vw_tracker(DETECTOR)
  config.description = "Table 4, tracker, 300-VW S1-S3, L = 768, lambda = 0.3"
  return config


def _talking_face():
  config = base.paper_300vw_tracker(DETECTOR, eval_splits=("test",))
  config.data.eval_dataset = "talking_face"
  config.data.eval_subset = "common7"
  config.description = "Table 4, tracker trained on 300-VW, Talking Face"
  return config


CONFIGS = base.with_smoke_variants({
    DETECTOR: _detector,
    "table4_300vw": _300vw,
    "table4_tf": _talking_face,
})
