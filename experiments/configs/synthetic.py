"""The paper's experiments in miniature on the built-in synthetic faces (CPU).

F = 64 crops, a 1-stack hourglass; L/F spans the paper's 0.25 ... 3 (L = 16 ...
192). These run in minutes on 2 CPU cores and need no download.

Main job (README):
  python -m experiments.train_detector --config=synthetic_det1d --workdir=runs/quickstart
  python -m experiments.evaluate --workdir=runs/quickstart
Benchmarks (bench/accuracy_synthetic.py) sweep the others:
  synthetic_det1d_L{16..192}, synthetic_det2d_L{16,32,64}, synthetic_det1d_gamma{0.0..1.0},
  synthetic_trk1d (lambda 0.3), synthetic_trk1d_lambda0, synthetic_trk2d_L{16,32}.
A tracker starts from a finished run of the detector of its head and L
(`tracker.detector_config`: synthetic_det1d, the main job's, for synthetic_trk1d):
  python -m experiments.train_tracker --config=synthetic_trk1d --workdir=runs/trk1d \
      --set=tracker.detector_workdir=runs/quickstart
"""

from experiments.configs import base

CROP = 64
LENGTHS_1D = (16, 32, 64, 96, 128, 160, 192)  # L/F = 0.25 ... 3
LENGTHS_2D = (16, 32, 64)
GAMMAS = tuple(round(0.1 * i, 1) for i in range(11))


def _detector(head="1d", length=192, gamma=0.3):
  def make():
    config = base.synthetic_detector(head, length)
    config.model.coattention_gamma = gamma
    config.description = (f"synthetic faces, {head.upper()} detector, L = "
                          f"{length} (L/F = {length / CROP:g}), gamma {gamma}")
    return config
  return make


def _tracker(head="1d", length=192, lam=0.3):
  def make():
    # The 1D trackers start from the main job's detector (synthetic_det1d).
    detector = ("synthetic_det1d" if (head, length) == ("1d", 192)
                else f"synthetic_det{head}_L{length}")
    config = base.synthetic_tracker(detector, head, length)
    config.tracker.fusion_lambda = lam
    config.description = (f"synthetic clips, {head.upper()} tracker, L = "
                          f"{length}, lambda {lam}")
    return config
  return make


CONFIGS = base.with_smoke_variants({
    "synthetic_det1d": _detector(),
    **{f"synthetic_det1d_L{n}": _detector("1d", n) for n in LENGTHS_1D},
    **{f"synthetic_det2d_L{n}": _detector("2d", n) for n in LENGTHS_2D},
    **{f"synthetic_det1d_gamma{g}": _detector(gamma=g) for g in GAMMAS},
    "synthetic_trk1d": _tracker(),
    "synthetic_trk1d_lambda0": _tracker(lam=0.0),
    **{f"synthetic_trk2d_L{n}": _tracker("2d", n) for n in (16, 32)},
})
