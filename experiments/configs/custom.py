"""Your own faces: the paper's detector on a folder of annotated photos.

`custom_det1d` trains the 1D detector of Table 3 (L = 3F = 768, gamma = 0.3,
batch 10, Adam 1e-4) on `landmarks_folder`, whose scheme file gives N, the
flip pairs and the normalising points (docs/own_data.md):

  python -m experiments.train_detector --config=custom_det1d \
      --workdir=runs/mine --data_dir=runs/tfds_mine \
      --set=data.manual_dir=/path/to/my_faces
  python -m experiments.export --workdir=runs/mine
  # fine-tuning another run's model (its backbone; the head too if N agrees):
  python -m experiments.train_detector --config=custom_det1d ... \
      --set=train.init_from=runs/table3_300w
"""

from experiments.configs import base
from landmark1d.runs import schema


def _custom():
  # 20 000 steps: 200 000 images seen at batch 10, e.g. 100 epochs of a
  # 2000-photo folder (ours; the paper trains only on its four datasets).
  config = base.paper_detector("landmarks_folder", ["train"], ["test"],
                               landmark_set=schema.DATASET_SCHEME,
                               steps=20_000)
  config.description = ("1D L = 768 detector on your own annotated folder "
                        "(landmarks_folder, --set=data.manual_dir=...)")
  return config


CONFIGS = base.with_smoke_variants({"custom_det1d": _custom})
