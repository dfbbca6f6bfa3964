"""Prints parameters, FLOPs and output size of detector configurations.

  python -m experiments.model_summary --heads=1d,2d --lengths=64,128,256,768
"""

import dataclasses
import json

from absl import flags

from experiments import cli
from landmark1d.models import cost

_HEADS = flags.DEFINE_list("heads", ["1d", "2d"], "Heads to summarise.")
_LENGTHS = flags.DEFINE_list("lengths", ["64", "128", "256", "768"],
                             "Heatmap lengths L (2D only up to 256).")
_STACKS = flags.DEFINE_integer("stacks", 4, "Hourglass stacks.")
_CHANNELS = flags.DEFINE_integer("channels", 256, "Hourglass channels.")
_INPUT_SIZE = flags.DEFINE_integer("input_size", 256, "Face crop size F.")
_JSON = flags.DEFINE_string("json", None, "Also write the rows here.")


def main(argv):
  del argv
  costs, skipped = [], []
  for head in _HEADS.value:
    for length in map(int, _LENGTHS.value):
      if head == "2d" and length > 4 * (_INPUT_SIZE.value // 4):
        skipped.append(length)
        continue
      costs.append(cost.summarize(
          head, heatmap_length=length, num_stacks=_STACKS.value,
          channels=_CHANNELS.value, input_size=_INPUT_SIZE.value))
  print(cost.to_markdown(costs))
  if skipped:
    print(f"2D at L = {', '.join(map(str, skipped))} skipped: 2D heads are "
          f"summarised up to L = F = {_INPUT_SIZE.value} (above it the paper's "
          "2D runs ran out of memory, Table 1).")
  if _JSON.value:
    with open(_JSON.value, "w", encoding="utf-8") as f:
      json.dump([dataclasses.asdict(c) for c in costs], f, indent=2)


if __name__ == "__main__":
  cli.run(main)
