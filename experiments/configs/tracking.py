"""The tracking benchmark's cells: does eq. 13's memory repair transient frames?

bench/tracking_synthetic.py (issue 25) trains, per seed, one detector on stills
with the transient video's per-frame mix of degradations, then 1D trackers
(L = 192, F = 64) from that run on two kinds of synthetic clips:

- `current`: synthetic_faces/video_200, degradations drawn once per clip (the
  negative control: nothing a memory could repair);
- `transient`: synthetic_faces/video_transient, about a quarter of the frames
  degraded in events of 1-3 frames (occluder sweeps, noise bursts, flicker,
  motion blur with head jerks, duplicated frames).

Trackers keep the detector frozen (the main arm: CNN3 / CNN4 learn the
refinement of a fixed detector, which starts as the identity) or fine-tune it
at the paper's learning rate 1e-4 (`_finetune`). The occlusion augmentation is
drawn per frame inside a clip. lambda in {0, 0.3, 0.6}: 0 is Table 2's
ablation, 0.3 the paper's value.

  python -m bench.tracking_synthetic --mode=full --out=docs/bench \\
      --workdir=runs/tracking --data_dir=runs/tensorflow_datasets
"""

import dataclasses

from experiments.configs import base

VIDEOS = {"current": "synthetic_faces/video_200",
          "transient": "synthetic_faces/video_transient"}
STILLS = "synthetic_faces/images_transient"
LAMBDAS = (0.0, 0.3, 0.6)
DETECTOR = "tracking_det1d"
# The paper's Adam rate (Sec. 5.1) for the whole tracker; a frozen detector
# leaves only CNN3 / CNN4 to learn, at the detector recipe's 1e-3.
FINETUNE_LEARNING_RATE = 1e-4


def tracker_name(video: str, lam: float, finetune: bool = False) -> str:
  return (f"tracking_trk1d_{video}_lambda{lam}"
          + ("_finetune" if finetune else ""))


def _detector():
  config = base.synthetic_accuracy_detector("1d", 192)
  config.data.dataset = STILLS
  config.description = ("tracking benchmark, 1D detector (L = 192) on stills "
                        "with transient degradations")
  return config


def _tracker(video: str, lam: float, finetune: bool):
  def make():
    config = base.synthetic_accuracy_tracker()
    config.data.dataset = VIDEOS[video]
    config.data.augment = dataclasses.replace(config.data.augment,
                                              occlusion_per_frame=True)
    config.tracker.detector_config = DETECTOR
    config.tracker.fusion_lambda = lam
    config.tracker.freeze_detector = not finetune
    if finetune:
      config.train.learning_rate = FINETUNE_LEARNING_RATE
    config.description = (
        f"tracking benchmark, 1D tracker on {video} clips, lambda {lam}, "
        + ("detector fine-tuned at 1e-4" if finetune else "detector frozen"))
    return config
  return make


CONFIGS = base.with_smoke_variants({
    DETECTOR: _detector,
    **{tracker_name(v, lam, f): _tracker(v, lam, f)
       for v in VIDEOS for lam in LAMBDAS for f in (False, True)},
})
