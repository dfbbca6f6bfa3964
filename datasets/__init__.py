"""tfds builders for landmark1d (imported as `landmark1d_datasets`).

One folder per dataset, as tfds lays them out: a folder holding
`<name>_dataset_builder.py` is dataset `<name>` (`KNOWN`), so adding a
dataset is adding its folder. Importing that module registers its `Builder`
with tfds; `builder` does that on demand so callers can use plain tfds names
such as "synthetic_faces/images" or "ibug_300w".

Two sets of tfds's own catalog, `the300w_lp` and `aflw2k3d` (`CATALOG`),
download themselves; `_catalog` maps their examples to the same schema.
"""

import importlib
import os

from landmark1d_datasets import _catalog

_HERE = os.path.dirname(os.path.abspath(__file__))
KNOWN = tuple(sorted(
    name for name in os.listdir(_HERE)
    if os.path.isfile(os.path.join(_HERE, name, f"{name}_dataset_builder.py"))))
CATALOG = tuple(sorted(_catalog.ADAPTERS))


def _folder(name: str) -> str:
  """The folder of dataset `name` ("folder", "folder/config:version")."""
  return name.split("/")[0].split(":")[0]


def is_catalog(name: str) -> bool:
  """Whether `name` is a set of tfds's catalog read through an adapter."""
  return _folder(name) in CATALOG


def images_of(name: str) -> str:
  """The dataset whose images `name` holds: itself, or the set a catalog set
  was made from (the300w_lp: ibug_300w)."""
  if is_catalog(name):
    return _catalog.ADAPTERS[_folder(name)].images_of or _folder(name)
  return _folder(name)


def adapt(name: str, builder, examples):
  """A catalog set's examples (read with `add_tfds_id`) in the schema of
  `_examples`; see `_catalog`."""
  return _catalog.adapt(_folder(name), examples,
                        builder.info.features["image"].shape)


def register(name: str):
  """Imports (and returns) the builder module of dataset `name` ("folder" or
  "folder/config")."""
  folder = _folder(name)
  if folder not in KNOWN:
    raise ValueError(f"unknown dataset {name!r}; landmark1d provides {KNOWN}"
                     f" and, from tfds's catalog, {CATALOG}")
  return importlib.import_module(
      f"{__name__}.{folder}.{folder}_dataset_builder")


def split_names(name: str) -> tuple[str, ...]:
  """Every split a build of dataset `name` can have (before it is built)."""
  if is_catalog(name):
    return _catalog.ADAPTERS[_folder(name)].splits
  return register(name).SPLITS


def landmark_set(name: str) -> str | None:
  """The `landmark_sets` scheme of dataset `name`'s ground truth, or None
  when each build reads its own from the data (`scheme_of`)."""
  if is_catalog(name):
    return _catalog.LANDMARK_SET
  return register(name).LANDMARK_SET


def scheme_of(name: str, builder) -> dict | None:
  """The JSON form (`LandmarkSet.to_dict`) of a built dataset's scheme when
  the data defines it, else None (the scheme is `landmark_set(name)`)."""
  if is_catalog(name):
    return None
  module = register(name)
  return module.scheme_of(builder) if module.LANDMARK_SET is None else None


def needs_manual_download(name: str) -> bool:
  """Whether dataset `name` is built from files the user downloads (tfds's
  `MANUAL_DOWNLOAD_INSTRUCTIONS`), as every real dataset of ours is (the
  catalog's download themselves)."""
  if is_catalog(name):
    return False
  return bool(getattr(register(name).Builder, "MANUAL_DOWNLOAD_INSTRUCTIONS",
                      None))


def manual_download() -> tuple[str, ...]:
  """The datasets built from a manual download, in `KNOWN`'s order."""
  return tuple(name for name in KNOWN if needs_manual_download(name))


def builder(name: str, data_dir: str | None = None):
  """The tfds builder for `name`, registered first (the catalog's are
  tfds's own)."""
  import tensorflow_datasets as tfds  # pylint: disable=g-import-not-at-top
  if not is_catalog(name):
    register(name)
  return tfds.builder(name, data_dir=data_dir)


def prepare(name: str, data_dir: str | None = None,
            manual_dir: str | None = None):
  """Returns the builder for `name`, building its TFRecords first if needed.

  The synthetic set builds itself and the catalog's download themselves;
  our real datasets need `manual_dir` holding the manually downloaded files
  (each builder's MANUAL_DOWNLOAD_INSTRUCTIONS say which).

  Raises:
    ValueError: an unknown dataset, or a real one not built yet whose
      `manual_dir` is missing or empty (tfds's own error would quote all of
      its instructions).
  """
  import tensorflow_datasets as tfds  # pylint: disable=g-import-not-at-top
  b = builder(name, data_dir)
  if (needs_manual_download(name) and not b.is_prepared()
      and not (manual_dir and os.path.isdir(manual_dir)
               and os.listdir(manual_dir))):
    folder = _folder(name)
    raise ValueError(
        f"not built in data_dir={data_dir!r}, and manual_dir={manual_dir!r} "
        "does not hold its manual download: pass --manual_dir (or "
        f"--set=data.manual_dir=...) naming it; datasets/{folder}/"
        f"{folder}_dataset_builder.py's MANUAL_DOWNLOAD_INSTRUCTIONS say "
        "what goes in it")
  module = None if is_catalog(name) else register(name)
  if (module is not None and b.is_prepared() and manual_dir
      and module.LANDMARK_SET is None
      and module.source_of(b) != os.path.abspath(manual_dir)):
    # Every folder builds to the same <data_dir>/<name>/<version>.
    raise ValueError(
        f"data_dir={data_dir!r} already holds {name} built from "
        f"{module.source_of(b)}, not manual_dir={manual_dir!r}: give each "
        "folder its own --data_dir")
  b.download_and_prepare(download_config=tfds.download.DownloadConfig(
      manual_dir=manual_dir))
  return b
