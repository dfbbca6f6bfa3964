r"""Section 3's quantization analysis: argmax error vs L / F, and our decoders.

Reproduces the paper's worked example (landmark (142.84, 188.72): E = 1.11 at
L/F = 0.5, E = 0.18 at L/F = 3) and measures the decoders of
`landmark1d.heatmaps` on noise-free 1D targets.

  python -m experiments.quantization_analysis --out=runs/quantization
"""

import os

from absl import app
from absl import flags

from landmark1d import quantization

_OUT = flags.DEFINE_string("out", None, "Folder for quantization.md; none: "
                           "print only.")
_CROP = flags.DEFINE_integer("crop_size", 256, "Face crop size F.")
_LENGTHS = flags.DEFINE_list("lengths", ["64", "128", "256", "384", "512",
                                         "640", "768"], "Heatmap lengths L.")
_SIGMA = flags.DEFINE_float("sigma", 4.0, "Target sigma in crop pixels.")
_POINTS = flags.DEFINE_integer("num_points", 2000, "Random landmarks per L.")


def main(argv):
  del argv
  rows = quantization.analysis(
      _CROP.value, [int(v) for v in _LENGTHS.value], _SIGMA.value,
      methods=("argmax", "dark", "integral"), num_points=_POINTS.value)
  table = quantization.to_markdown(rows)
  print(f"Quantization error in crop pixels, F = {_CROP.value}, "
        f"sigma = {_SIGMA.value} px\n")
  print(table)
  if _OUT.value:
    os.makedirs(_OUT.value, exist_ok=True)
    with open(os.path.join(_OUT.value, "quantization.md"), "w") as f:
      f.write(table + "\n")


if __name__ == "__main__":
  app.run(main)
