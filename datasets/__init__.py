"""tfds builders for landmark1d (imported as `landmark1d_datasets`).

One folder per dataset, as tfds lays them out. Importing a folder's
`<name>_dataset_builder` module registers its `Builder` with tfds; `builder`
does that on demand so callers can use plain tfds names such as
"synthetic_faces/images" or "ibug_300w".
"""

import importlib

KNOWN = ("synthetic_faces", "ibug_300w", "aflw19", "ibug_300vw",
         "talking_face")


def register(name: str):
  """Imports (and returns) the builder module of dataset `name` ("folder" or
  "folder/config")."""
  folder = name.split("/")[0].split(":")[0]
  if folder not in KNOWN:
    raise ValueError(f"unknown dataset {name!r}; landmark1d provides {KNOWN}")
  return importlib.import_module(
      f"{__name__}.{folder}.{folder}_dataset_builder")


def split_names(name: str) -> tuple[str, ...]:
  """Every split a build of dataset `name` can have (before it is built)."""
  return register(name).SPLITS


def landmark_set(name: str) -> str:
  """The `landmark_sets` scheme of dataset `name`'s ground truth."""
  return register(name).LANDMARK_SET


def builder(name: str, data_dir: str | None = None):
  """The tfds builder for `name`, registered first."""
  import tensorflow_datasets as tfds  # pylint: disable=g-import-not-at-top
  register(name)
  return tfds.builder(name, data_dir=data_dir)


def prepare(name: str, data_dir: str | None = None,
            manual_dir: str | None = None):
  """Returns the builder for `name`, building its TFRecords first if needed.

  The synthetic set builds itself; real datasets need `manual_dir` holding the
  manually downloaded files (each builder's MANUAL_DOWNLOAD_INSTRUCTIONS say
  which).
  """
  import tensorflow_datasets as tfds  # pylint: disable=g-import-not-at-top
  b = builder(name, data_dir)
  b.download_and_prepare(download_config=tfds.download.DownloadConfig(
      manual_dir=manual_dir))
  return b
