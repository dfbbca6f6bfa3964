r"""Builds one of landmark1d's tfds datasets into TFRecords.

The fallback for `tfds build datasets/<name> --manual_dir=... --data_dir=...`
where the tfds CLI's optional imports (apache-beam, mlcroissant) are missing;
both write the same files.

  python -m experiments.build_dataset --name=ibug_300w \
      --manual_dir=/data/300w --data_dir=~/tensorflow_datasets
  python -m experiments.build_dataset --name=synthetic_faces/video
"""

from absl import flags

import landmark1d_datasets
from experiments import cli
from landmark1d.runs import datasets

_NAME = flags.DEFINE_string(
    "name", None, "Dataset, optionally with a config: one of "
    f"{', '.join(landmark1d_datasets.KNOWN)}, e.g. synthetic_faces/video; "
    f"or from tfds's catalog {', '.join(landmark1d_datasets.CATALOG)} "
    "(they download themselves).",
    required=True)
_MANUAL_DIR = flags.DEFINE_string(
    "manual_dir", None, "Folder holding the manual download (real datasets; "
    "each builder's MANUAL_DOWNLOAD_INSTRUCTIONS say what goes in it).")
_DATA_DIR = flags.DEFINE_string(
    "data_dir", None, "Where the TFRecords go; none: tfds's default "
    "(~/tensorflow_datasets).")


def main(argv):
  del argv
  builder = datasets.prepare(_NAME.value, _DATA_DIR.value, _MANUAL_DIR.value)
  print(f"{builder.info.full_name} in {builder.data_dir}")
  for split, info in sorted(builder.info.splits.items()):
    print(f"  {split}: {info.num_examples} examples")


if __name__ == "__main__":
  cli.run(main)
