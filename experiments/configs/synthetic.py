"""The paper's experiments in miniature on the built-in synthetic faces (CPU).

F = 64 crops, a 1-stack hourglass; L/F spans the paper's 0.25 ... 3 (L = 16 ...
192). These run in minutes on 2 CPU cores and need no download.

Main job (README):
  python -m experiments.train_detector --config=synthetic_det1d --workdir=runs/quickstart
  python -m experiments.evaluate --workdir=runs/quickstart
Short runs of the others (1500 steps, constant learning rate):
  synthetic_det1d_L{16..192}, synthetic_det2d_L{16,32,64}, synthetic_det1d_gamma{0.0..1.0},
  synthetic_det1d_mobile (the main job's model on the mobile backbone with a
    32-channel head, for CPU serving),
  synthetic_trk1d (lambda 0.3), synthetic_trk1d_lambda0, synthetic_trk2d_L{16,32}.
A tracker starts from a finished run of the detector of its head and L
(`tracker.detector_config`: synthetic_det1d, the main job's, for synthetic_trk1d):
  python -m experiments.train_tracker --config=synthetic_trk1d --workdir=runs/trk1d \
      --set=tracker.detector_workdir=runs/quickstart
The accuracy benchmark's cells (bench/accuracy_synthetic.py), trained to convergence on
synthetic_faces/images_20k, 3 seeds each (`--set=train.seed=k`):
  accuracy_det1d_L{16,32,64,128,192}, accuracy_det2d_L{16,32,64},
  accuracy_det1d_gamma{0.0,1.0} (gamma 0.3 is accuracy_det1d_L192),
  accuracy_det1d_mobile (accuracy_det1d_L192 on the mobile backbone, head 32 wide),
  accuracy_trk1d_lambda{0.0,0.3} (from an accuracy_det1d_L192 run of the same seed).
"""

from experiments.configs import base

CROP = 64
LENGTHS_1D = (16, 32, 64, 96, 128, 160, 192)  # L/F = 0.25 ... 3
LENGTHS_2D = (16, 32, 64)
GAMMAS = tuple(round(0.1 * i, 1) for i in range(11))
ACCURACY_LENGTHS_1D = (16, 32, 64, 128, 192)  # L/F = 0.25, 0.5, 1, 2, 3
ACCURACY_LENGTHS_2D = (16, 32, 64)


def _detector(head="1d", length=192, gamma=0.3,
              make_base=base.synthetic_detector, what="synthetic faces"):
  def make():
    config = make_base(head, length)
    config.model.coattention_gamma = gamma
    config.description = (f"{what}, {head.upper()} detector, L = {length} "
                          f"(L/F = {length / CROP:g}), gamma {gamma}")
    return config
  return make


MOBILE_HEAD_WIDTH = 32


def _mobile(make):
  """`make`'s config with the mobile backbone in place of the hourglass (the
  same channels, depth, L and training) and the 1D head's convolutions 32
  channels wide instead of 64: at C = 64 the head is 70 % of the mobile
  model's cost (BUILD_NOTES.md, issue 27)."""
  def make_mobile():
    config = make()
    config.model.backbone = "mobile"
    config.model.head_width = MOBILE_HEAD_WIDTH
    config.description += f", mobile backbone, head {MOBILE_HEAD_WIDTH} wide"
    return config
  return make_mobile


def _accuracy_detector(head, length, gamma=0.3):
  return _detector(head, length, gamma, base.synthetic_accuracy_detector,
                   "accuracy benchmark")


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


def _accuracy_tracker(lam):
  def make():
    config = base.synthetic_accuracy_tracker()
    config.tracker.fusion_lambda = lam
    config.description = f"accuracy benchmark, 1D tracker, lambda {lam}"
    return config
  return make


CONFIGS = base.with_smoke_variants({
    "synthetic_det1d": _detector(),
    "synthetic_det1d_mobile": _mobile(_detector()),
    **{f"synthetic_det1d_L{n}": _detector("1d", n) for n in LENGTHS_1D},
    **{f"synthetic_det2d_L{n}": _detector("2d", n) for n in LENGTHS_2D},
    **{f"synthetic_det1d_gamma{g}": _detector(gamma=g) for g in GAMMAS},
    "synthetic_trk1d": _tracker(),
    "synthetic_trk1d_lambda0": _tracker(lam=0.0),
    **{f"synthetic_trk2d_L{n}": _tracker("2d", n) for n in (16, 32)},
    **{f"accuracy_det1d_L{n}": _accuracy_detector("1d", n)
       for n in ACCURACY_LENGTHS_1D},
    **{f"accuracy_det2d_L{n}": _accuracy_detector("2d", n)
       for n in ACCURACY_LENGTHS_2D},
    "accuracy_det1d_mobile": _mobile(_accuracy_detector("1d", 192)),
    **{f"accuracy_det1d_gamma{g}": _accuracy_detector("1d", 192, g)
       for g in (0.0, 1.0)},
    **{f"accuracy_trk1d_lambda{lam}": _accuracy_tracker(lam)
       for lam in (0.0, 0.3)},
})
