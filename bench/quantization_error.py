r"""Section 3's quantization analysis: decoding error against L / F.

Encodes random sub-pixel landmarks (uniform within heatmap bins) as
noise-free 1D targets (eq. 12) and, up to L = F, 2D targets (eq. 2), decodes
them with argmax (eq. 7) and with the sub-pixel decoders, and sets the
measured mean and max error beside the closed forms of
`landmark1d.geometry.quantization` (and the paper's worked example, landmark
(142.84, 188.72): E = 1.11 at L/F = 0.5 and 0.18 at L/F = 3).

  python -m bench.quantization_error --mode=full --out=docs/bench
"""

from __future__ import annotations

import dataclasses
import os


from bench import cli
from bench import machine
from landmark1d.geometry import quantization

NAME = "quantization_error"
METHODS = ("argmax", "dark", "integral")
MODES = {
    # L/F = 0.25 ... 3 at the paper's F = 256. 2D targets stop at L = F: a
    # 2D DARK decode of L = 768 maps took 0.7 s per landmark here.
    "full": dict(crop_size=256, sigma=4.0, num_points=2000,
                 lengths=(64, 128, 256, 384, 512, 640, 768),
                 lengths_2d=(64, 128, 256)),
    "reduced": dict(crop_size=64, sigma=2.0, num_points=200,
                    lengths=(16, 64, 192), lengths_2d=(16, 64)),
}
_MARKERS = dict(zip(METHODS, "osd"))


def plot(rows: list, rows_2d: list, settings: dict, path: str):
  """Mean (left) and max (right) decoding error vs L/F, log scale.

  Lines are the closed forms for argmax; filled markers are measured on 1D
  targets, hollow ones on 2D targets.
  """
  import matplotlib  # pylint: disable=g-import-not-at-top
  matplotlib.use("Agg")
  from matplotlib import pyplot as plt  # pylint: disable=g-import-not-at-top
  fig, (ax_mean, ax_max) = plt.subplots(1, 2, figsize=(12, 5))
  ratios = [r.ratio for r in rows]
  ax_mean.plot(ratios, [r.mean_nearest for r in rows], "-", color="black",
               label="argmax, expected (closed form)")
  ax_mean.plot(ratios, [r.paper_example for r in rows], ":",
               color="tab:purple", label="paper's example point, floor (eq. 5)")
  ax_max.plot(ratios, [r.bound_nearest for r in rows], "--", color="black",
              label="argmax, bound (closed form)")
  for ax, stat in ((ax_mean, "mean"), (ax_max, "max")):
    for target, table, fill in (("1d", rows, None), ("2d", rows_2d, "none")):
      for i, method in enumerate(METHODS):
        ax.plot([r.ratio for r in table],
                [r.measured[target][method][stat] for r in table],
                _MARKERS[method], color=f"C{i}", mfc=fill, ms=7 if fill else 5,
                label=f"{method}, {target.upper()} targets")
    ax.set(xlabel="L / F", ylabel=f"{stat} decoding error (crop px)",
           yscale="log", title=f"{stat} over landmarks")
  handles = {h.get_label(): h for ax in (ax_mean, ax_max)
             for h in ax.get_legend_handles_labels()[0]}
  fig.legend(list(handles.values()), list(handles), loc="lower center",
             ncol=4, fontsize=8)
  fig.suptitle(f"Noise-free heatmap decoding, F = {settings['crop_size']}, "
               f"sigma = {settings['sigma']:g} px, "
               f"{settings['num_points']} random landmarks per L")
  fig.tight_layout(rect=(0, 0.12, 1, 1))
  fig.savefig(path, dpi=120)
  plt.close(fig)


def run(mode: str, out: str) -> dict:
  """Measures every length of `mode`; writes JSON (with a Markdown table)
  and PNG."""
  s, load_at_start = MODES[mode], machine.load_average()
  common = dict(crop_size=s["crop_size"], sigma=s["sigma"], methods=METHODS,
                num_points=s["num_points"])
  rows = quantization.analysis(lengths=s["lengths"], targets=("1d",),
                               **common)
  rows_2d = quantization.analysis(lengths=s["lengths_2d"], targets=("2d",),
                                  **common)
  results = {"mode": mode, "settings": s, "seed": 0,
             "rows": [dataclasses.asdict(r) for r in rows],
             "rows_2d": [dataclasses.asdict(r) for r in rows_2d],
             "table": quantization.to_markdown(rows),
             "table_2d": quantization.to_markdown(rows_2d),
             "machine": machine.record(load_at_start)}
  cli.write_json(results, out, NAME)
  plot(rows, rows_2d, s, os.path.join(out, f"{NAME}.png"))
  return results


def main(argv):
  del argv
  results = run(cli.FLAGS.mode, cli.FLAGS.out)
  print(f"1D targets\n{results['table']}\n\n2D targets\n"
        f"{results['table_2d']}")


if __name__ == "__main__":
  cli.define_flags()
  cli.run(main)
