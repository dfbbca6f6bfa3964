"""Figure 3: NRMSE as a function of the co-attention weight gamma (eq. 10).

gamma in {0.0, 0.1, ..., 1.0}; gamma = 0 removes co-attention. One config per
dataset and gamma: detectors on 300-W and AFLW-19, trackers on 300-VW and
Talking Face. The paper selected gamma by 10-fold cross-validation on the
training set; `--cross_validate=gamma` on train_detector does that instead.

  python -m experiments.train_detector --config=figure3_300w_gamma0.4 \
      --workdir=runs/figure3_300w_gamma0.4 --data_dir=$TFDS_DIR
"""

from experiments.configs import base
from experiments.configs import table3
from experiments.configs import table4

GAMMAS = tuple(round(0.1 * i, 1) for i in range(11))
_BASES = {
    "300w": table3.CONFIGS["table3_300w"],
    "aflw": table3.CONFIGS["table3_aflw"],
    "300vw": table4.CONFIGS["table4_300vw"],
    "tf": table4.CONFIGS["table4_tf"],
}


def _with_gamma(make_base, gamma, dataset):
  def make():
    config = make_base()
    config.model.coattention_gamma = gamma
    config.description = f"Figure 3, {dataset}, gamma = {gamma}"
    return config
  return make


CONFIGS = base.with_smoke_variants({
    f"figure3_{dataset}_gamma{gamma}": _with_gamma(make, gamma, dataset)
    for dataset, make in _BASES.items() for gamma in GAMMAS
})
