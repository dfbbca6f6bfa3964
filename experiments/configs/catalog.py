"""A real-face model from sets that download themselves (tfds's catalog).

Trains on 300W-LP (`the300w_lp`, 61 225 faces, large poses) and scores on
AFLW2000-3D (`aflw2k3d`, 2000 faces), NME by the face size (the square root
of the landmarks' box area, 3DDFA's protocol): no manual download, tfds
fetches both on first use (300W-LP: a 2.63 GiB download, 1.33 GiB built, per
tfds's catalog page), so one command gives a 68-point model for real photos:

  python -m experiments.train_detector --config=the300w_lp_det1d \
      --workdir=runs/the300w_lp_det1d --data_dir=$TFDS_DIR

300W-LP is made from 300-W's images, test folders included, so this model is
never scored on 300-W (the run layer refuses `data.eval_dataset=ibug_300w`).
"""

from experiments.configs import base


def _the300w_lp_det1d():
  # 61 225 faces at batch 10: 6123 steps per epoch, 20 epochs (ours).
  config = base.paper_detector("the300w_lp", ["train"], ["train"],
                               normalization="face_size", steps=120_000)
  config.data.eval_dataset = "aflw2k3d"  # its only split is called train
  config.description = ("300W-LP -> AFLW2000-3D (tfds's catalog, no manual "
                        "download), 1D L = 768")
  return config


CONFIGS = base.with_smoke_variants({"the300w_lp_det1d": _the300w_lp_det1d})
