"""Figure 3: NRMSE as a function of the co-attention weight gamma (eq. 10).

gamma in {0.0, 0.1, ..., 1.0}; gamma = 0 removes co-attention. One config per
dataset and gamma: detectors on 300-W and AFLW-19, trackers on 300-VW and
Talking Face. A tracker at gamma g starts from the 300-VW + 300-W detector
with the same gamma (`figure3_300vw_detector_gamma<g>`; Table 4's detector at
0.3). The paper selected gamma by 10-fold cross-validation on the training
set; `--cross_validate=gamma` on train_detector does that instead.

  python -m experiments.train_detector --config=figure3_300w_gamma0.4 \
      --workdir=runs/figure3_300w_gamma0.4 --data_dir=$TFDS_DIR
  python -m experiments.train_detector --config=figure3_300vw_detector_gamma0.4 \
      --workdir=runs/figure3_300vw_detector_gamma0.4 --data_dir=$TFDS_DIR \
      --evaluate=false
  python -m experiments.train_tracker --config=figure3_300vw_gamma0.4 \
      --workdir=runs/figure3_300vw_gamma0.4 --data_dir=$TFDS_DIR \
      --set=tracker.detector_workdir=runs/figure3_300vw_detector_gamma0.4
"""

from experiments.configs import base
from experiments.configs import table3
from experiments.configs import table4

GAMMAS = tuple(round(0.1 * i, 1) for i in range(11))
DETECTOR_BASES = {
    "300w": table3.CONFIGS["table3_300w"],
    "aflw": table3.CONFIGS["table3_aflw"],
}
TRACKER_BASES = {
    "300vw": table4.CONFIGS["table4_300vw"],
    "tf": table4.CONFIGS["table4_tf"],
}
PAPER_GAMMA = 0.3  # Table 4's detector has it


def tracker_detector_name(gamma: float) -> str:
  """The 300-VW + 300-W detector config a tracker at `gamma` starts from."""
  if gamma == PAPER_GAMMA:
    return table4.DETECTOR
  return f"figure3_300vw_detector_gamma{gamma}"


def _with_gamma(make_base, gamma, dataset):
  def make():
    config = make_base()
    config.model.coattention_gamma = gamma
    if config.tracker.enabled:
      config.tracker.detector_config = tracker_detector_name(gamma)
    config.description = f"Figure 3, {dataset}, gamma = {gamma}"
    return config
  return make


def _vw_detector(gamma):
  def make():
    config = base.paper_300vw_detector()
    config.model.coattention_gamma = gamma
    config.description = (f"Figure 3, detector inside the tracker, gamma = "
                          f"{gamma}: 300-VW + 300-W")
    return config
  return make


CONFIGS = base.with_smoke_variants({
    **{f"figure3_{dataset}_gamma{gamma}": _with_gamma(make, gamma, dataset)
       for bases in (DETECTOR_BASES, TRACKER_BASES)
       for dataset, make in bases.items() for gamma in GAMMAS},
    **{tracker_detector_name(gamma): _vw_detector(gamma) for gamma in GAMMAS
       if tracker_detector_name(gamma) != table4.DETECTOR},
})
