"""Table 1: NRMSE vs heatmap resolution L for 1D and 2D detectors and trackers.

Detectors train on 300-W train and are scored on common / challenging / full;
trackers train on 300-VW and are scored on S1 / S2 / S3, each starting from a
detector of the same head and L trained on 300-VW + 300-W (Sec. 5.1):
`table1_300vw_det{1d,2d}_L<n>`, and `table4_300vw_detector` at 1D L = 768.
F = 256, so L/F runs from 0.25 to 3.

  python -m experiments.train_detector --config=table1_det1d_L768 \
      --workdir=runs/table1_det1d_L768 --data_dir=$TFDS_DIR
  python -m experiments.train_detector --config=table1_300vw_det1d_L256 \
      --workdir=runs/table1_300vw_det1d_L256 --data_dir=$TFDS_DIR --evaluate=false
  python -m experiments.train_tracker --config=table1_trk1d_L256 \
      --workdir=runs/table1_trk1d_L256 --data_dir=$TFDS_DIR \
      --set=tracker.detector_workdir=runs/table1_300vw_det1d_L256

`python -m experiments.plan --table=1` prints the whole sequence. Smoke
variants (`<name>_smoke`) shrink the model and steps to seconds.
"""

import functools

from experiments.configs import base
from experiments.configs import table4

LENGTHS_1D = (64, 128, 256, 384, 512, 640, 768)
LENGTHS_2D = (64, 128, 256)  # The paper's 2D runs hit OOM at 256 on 32 GB.
HEADS = (("1d", LENGTHS_1D), ("2d", LENGTHS_2D))


def tracker_detector_name(head: str, length: int) -> str:
  """The 300-VW + 300-W detector config the Table 1 tracker starts from."""
  if (head, length) == ("1d", table4.DETECTOR_LENGTH):
    return table4.DETECTOR  # the same run as Table 4's
  return f"table1_300vw_det{head}_L{length}"


def _at(make_base, head, length, description):
  """`make_base`'s config with this head and L."""
  def make():
    config = make_base()
    config.model.head = head
    config.model.heatmap_length = length
    config.description = description
    return config
  return make


def _detector(head, length):
  return _at(base.paper_300w_detector, head, length,
             f"Table 1 detector, {head.upper()} heatmaps, L = {length} "
             f"(L/F = {length / 256:g}), 300-W")


def _vw_detector(head, length):
  return _at(base.paper_300vw_detector, head, length,
             f"Table 1, detector inside the {head.upper()} tracker, "
             f"L = {length}: 300-VW + 300-W")


def _tracker(head, length):
  return _at(functools.partial(base.paper_300vw_tracker,
                               tracker_detector_name(head, length)),
             head, length, f"Table 1 tracker, {head.upper()} heatmaps, "
             f"L = {length}, 300-VW S1-S3")


CONFIGS = base.with_smoke_variants({
    **{f"table1_det{h}_L{n}": _detector(h, n)
       for h, lengths in HEADS for n in lengths},
    **{tracker_detector_name(h, n): _vw_detector(h, n)
       for h, lengths in HEADS for n in lengths
       if tracker_detector_name(h, n) != table4.DETECTOR},
    **{f"table1_trk{h}_L{n}": _tracker(h, n)
       for h, lengths in HEADS for n in lengths},
})
