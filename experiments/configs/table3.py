"""Table 3: the detector's best setting on 300-W and AFLW-19 (and "Ours+DARK").

L = 768, gamma = 0.3. AFLW-19 is normalised by face size (the lists' box_size).
The "+DARK" rows use the same trained model with the DARK decoder adapted to 1D.

  python -m experiments.train_detector --config=table3_aflw \
      --workdir=runs/table3_aflw --data_dir=$TFDS_DIR
  python -m experiments.evaluate --workdir=runs/table3_aflw
  python -m experiments.evaluate --workdir=runs/table3_aflw --decoder=dark
"""

from experiments.configs import base


def _300w(decoder):
  def make():
    config = base.paper_300w_detector()
    config.eval.decoder = decoder
    config.description = f"Table 3, 300-W, 1D L = 768, decoder {decoder}"
    return config
  return make


def _aflw(decoder):
  def make():
    # 20000 training images at batch 10: 2000 steps per epoch, 100 epochs.
    config = base.paper_detector("aflw19", ["train"], ["test", "test_frontal"],
                                 landmark_set="aflw19",
                                 normalization="face_size", steps=200_000)
    config.eval.decoder = decoder
    config.description = f"Table 3, AFLW-19, 1D L = 768, decoder {decoder}"
    return config
  return make


CONFIGS = base.with_smoke_variants({
    "table3_300w": _300w("argmax"),
    "table3_300w_dark": _300w("dark"),
    "table3_aflw": _aflw("argmax"),
    "table3_aflw_dark": _aflw("dark"),
})
