"""Table 1: NRMSE vs heatmap resolution L for 1D and 2D detectors and trackers.

Detectors train on 300-W train and are scored on common / challenging / full;
trackers train on 300-VW (their detector on 300-VW + 300-W, see table4.py) and
are scored on S1 / S2 / S3. F = 256, so L/F runs from 0.25 to 3.

  python -m experiments.train_detector --config=table1_det1d_L768 \
      --workdir=runs/table1_det1d_L768 --data_dir=$TFDS_DIR
  python -m experiments.evaluate --workdir=runs/table1_det1d_L768
  python -m experiments.train_tracker --config=table1_trk1d_L768 \
      --workdir=runs/table1_trk1d_L768 \
      --set=tracker.detector_workdir=runs/table4_300vw_detector

Smoke variants (`<name>_smoke`) shrink the model and steps to seconds.
"""

from experiments.configs import base

LENGTHS_1D = (64, 128, 256, 384, 512, 640, 768)
LENGTHS_2D = (64, 128, 256)  # The paper's 2D runs hit OOM at 256 on 32 GB.


def _detector(head, length):
  def make():
    config = base.paper_300w_detector()
    config.model.head = head
    config.model.heatmap_length = length
    config.description = (f"Table 1 detector, {head.upper()} heatmaps, "
                          f"L = {length} (L/F = {length / 256:g}), 300-W")
    return config
  return make


def _tracker(head, length):
  def make():
    config = base.paper_300vw_tracker()
    config.model.head = head
    config.model.heatmap_length = length
    config.description = (f"Table 1 tracker, {head.upper()} heatmaps, "
                          f"L = {length}, 300-VW S1-S3")
    return config
  return make


CONFIGS = base.with_smoke_variants({
    **{f"table1_det{h}_L{n}": _detector(h, n)
       for h, lengths in (("1d", LENGTHS_1D), ("2d", LENGTHS_2D))
       for n in lengths},
    **{f"table1_trk{h}_L{n}": _tracker(h, n)
       for h, lengths in (("1d", LENGTHS_1D), ("2d", LENGTHS_2D))
       for n in lengths},
})
