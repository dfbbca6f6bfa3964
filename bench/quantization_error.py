r"""Section 3's quantization analysis: decoding error against L / F.

Encodes random sub-pixel landmarks as noise-free 1D targets (eq. 12), decodes
them with argmax (eq. 7) and with the sub-pixel decoders, and sets the
measured mean error beside the closed forms of `landmark1d.quantization`
(the paper's worked example, landmark (142.84, 188.72): E = 1.11 at
L/F = 0.5 and 0.18 at L/F = 3).

  python -m bench.quantization_error --mode=full --out=docs/bench
"""

from __future__ import annotations

import dataclasses
import os

from absl import app

from bench import cli
from landmark1d import quantization

NAME = "quantization_error"
METHODS = ("argmax", "dark", "integral")
MODES = {
    "full": dict(crop_size=256, sigma=4.0, num_points=2000,
                 lengths=(64, 128, 256, 384, 512, 640, 768)),
    "reduced": dict(crop_size=64, sigma=2.0, num_points=200,
                    lengths=(16, 64, 192)),
}


def plot(rows, settings: dict, path: str):
  """Mean error vs L/F: closed forms (lines) and measured (markers)."""
  import matplotlib  # pylint: disable=g-import-not-at-top
  matplotlib.use("Agg")
  from matplotlib import pyplot as plt  # pylint: disable=g-import-not-at-top
  ratios = [r.ratio for r in rows]
  fig, ax = plt.subplots(figsize=(6.5, 4))
  ax.plot(ratios, [r.mean_nearest for r in rows], "-", color="black",
          label="argmax, expected (closed form)")
  ax.plot(ratios, [r.bound_nearest for r in rows], "--", color="gray",
          label="argmax, bound (closed form)")
  ax.plot(ratios, [r.paper_example for r in rows], ":", color="tab:purple",
          label="paper's example point (eq. 5)")
  for method, marker in zip(METHODS, "osd"):
    ax.plot(ratios, [r.measured[method] for r in rows], marker,
            label=f"{method}, measured")
  ax.set(xlabel="L / F", ylabel="mean decoding error (crop px)",
         yscale="log", title=f"1D heatmap decoding, F = "
         f"{settings['crop_size']}, sigma = {settings['sigma']:g} px")
  ax.legend(fontsize=7)
  fig.tight_layout()
  fig.savefig(path, dpi=120)
  plt.close(fig)


def run(mode: str, out: str) -> dict:
  """Measures every length of `mode`; writes JSON, Markdown table and PNG."""
  s = MODES[mode]
  rows = quantization.analysis(s["crop_size"], s["lengths"], s["sigma"],
                               methods=METHODS, num_points=s["num_points"])
  results = {"mode": mode, "settings": s,
             "rows": [dataclasses.asdict(r) for r in rows],
             "table": quantization.to_markdown(rows)}
  cli.write_json(results, out, NAME)
  plot(rows, s, os.path.join(out, f"{NAME}.png"))
  return results


def main(argv):
  del argv
  print(run(cli.FLAGS.mode, cli.FLAGS.out)["table"])


if __name__ == "__main__":
  app.run(main)
