"""The run layer's door to the tfds builders: examples, sources, splits.

The only module of `landmark1d` that imports `landmark1d_datasets` (the
builders under `datasets/`): the builders import the library's geometry,
never the other way round, and a test checks the direction. Everything
here reads encoded examples in the builders' order; crops and batches are
`landmark1d.data`'s business.
"""

from __future__ import annotations

import copy

import numpy as np
import tensorflow as tf

import landmark1d_datasets
from landmark1d.data import input_pipeline
from landmark1d.geometry import landmark_sets
from landmark1d.runs import schema


class DatasetError(ValueError):
  """A dataset or split that cannot be read, with what to do about it."""


def prepare(name: str, data_dir: str | None, manual_dir: str | None):
  """The dataset's tfds builder, built first when needed.

  Raises:
    DatasetError: unknown dataset, or a dataset that cannot be built.
  """
  try:
    return landmark1d_datasets.prepare(name, data_dir, manual_dir)
  except ValueError as e:
    raise DatasetError(f"dataset {name!r}: {e}") from e
  except Exception as e:  # tfds raises many kinds; keep its message.
    raise DatasetError(
        f"dataset {name!r} is not built in data_dir={data_dir!r} and could "
        f"not be built (manual_dir={manual_dir!r}): {type(e).__name__}: {e}"
    ) from e


def read(builder, name: str, split: str) -> tf.data.Dataset:
  """A split string's examples (images still encoded), its names checked.

  Raises:
    DatasetError: naming the split the builder does not have.
  """
  import tensorflow_datasets as tfds  # pylint: disable=g-import-not-at-top
  known = set(builder.info.splits.keys())
  for part in split.split("+"):
    if part.split("[")[0] not in known:
      raise DatasetError(f"dataset {name!r} has no split {part!r}; its splits "
                         f"are {sorted(known)}")
  # No tfds auto-cache: readers that stop early (the mean shape's first 500
  # images, `max_examples`) would fill it only to discard it with a warning,
  # and the pipelines decide what to keep in memory themselves. A catalog
  # set's tfds id becomes its image_id.
  catalog = landmark1d_datasets.is_catalog(name)
  examples = builder.as_dataset(
      split=split, shuffle_files=False,
      decoders={"image": tfds.decode.SkipDecoding()},
      read_config=tfds.ReadConfig(try_autocache=False, add_tfds_id=catalog))
  if catalog:
    return landmark1d_datasets.adapt(name, builder, examples)
  return examples


def records(name: str, split: str, *, data_dir: str | None,
            manual_dir: str | None = None) -> tf.data.Dataset:
  """Examples of one split, images still encoded, in the builder's order.

  Builds the dataset first when needed (the synthetic set builds itself; real
  sets need `manual_dir`).

  Raises:
    DatasetError: unknown dataset or split, or a dataset that cannot be built.
  """
  return read(prepare(name, data_dir, manual_dir), name, split)


def absolute_ranges(builder, name: str, split: str):
  """`[(split, start, stop)]`: the example ranges a split string selects."""
  import tensorflow_datasets as tfds  # pylint: disable=g-import-not-at-top
  read(builder, name, split)  # checks the split names
  infos = builder.info.splits
  ranges = []
  for part in tfds.core.ReadInstruction.from_spec(split).to_absolute(infos):
    n = infos[part.splitname].num_examples
    ranges.append((part.splitname, part.from_ or 0,
                   n if part.to is None else part.to))
  return ranges


def video_ranges(builder, name: str, split: str, start: int, stop: int):
  """`[(start, stop)]` of each video within examples [start, stop) of a split.

  Reads the split's video ids once (the builders write frames in video order).
  """
  ids = read(builder, name, f"{split}[{start}:{stop}]").map(
      lambda e: e["video_id"]).batch(4096)
  ids = np.concatenate([list(batch) for batch in ids.as_numpy_iterator()])
  try:
    runs = input_pipeline.video_ranges(ids)
  except ValueError as e:
    raise DatasetError(f"dataset {name!r}, split {split!r}: {e}") from e
  return [(start + a, start + b) for a, b in runs]


def training_sources(data: schema.DataConfig):
  """What training samples from: one source per video, one per image split.

  A video split is cut into one source per video, so that batches mix videos
  (its frames are stored in order: a shuffle buffer over the ordered stream
  held one or two videos per batch); `extra_train_datasets` become further
  sources. Sampling each source with a weight equal to its size draws every
  training example with equal probability, i.e. from the union of the
  sources (Sec. 5.1: 300-VW train + 300-W train), interleaved rather than
  concatenated.

  Returns:
    `(sources, sizes)`: datasets of examples in their stored order, and their
    numbers of examples. Sources from several datasets keep the keys they
    share.
  """
  named = [(data.dataset, s) for s in data.train_splits]
  named += [tuple(s.split(":")) for s in data.extra_train_datasets]
  sources, sizes = [], []
  for name, split in named:
    source = prepare(name, data.data_dir, data.manual_dir)
    for base, start, stop in absolute_ranges(source, name, split):
      ranges = (video_ranges(source, name, base, start, stop)
                if is_video(source) else [(start, stop)])
      for a, b in ranges:
        sources.append(read(source, name, f"{base}[{a}:{b}]"))
        sizes.append(b - a)
  if len({name for name, _ in named}) > 1:
    keys = ("image", "landmarks", "visible", "box", "image_id")
    sources = [s.map(lambda e: {k: e[k] for k in keys}) for s in sources]
  return sources, sizes


def check_unseen_eval_images(data: schema.DataConfig):
  """Raises DatasetError when the eval set holds images a training set was
  made from (300W-LP re-renders 300-W's, test folders included)."""
  name = data.eval_dataset or data.dataset
  for train in [data.dataset, *(s.split(":")[0]
                                for s in data.extra_train_datasets)]:
    if (train.split("/")[0] != name.split("/")[0]
        and landmark1d_datasets.images_of(train)
        == landmark1d_datasets.images_of(name)):
      raise DatasetError(
          f"data.eval_dataset: {name!r} holds the images that training set "
          f"{train!r} is made from, so its scores would be on training "
          "faces; evaluate on another dataset")


def check_eval_splits(data: schema.DataConfig):
  """Raises DatasetError unless every eval split is in the built eval set
  and none of its images were trained on (`check_unseen_eval_images`).

  Called before training, so a missing split stops a run at once rather
  than after it trained (evaluation reads them only at the end).
  """
  check_unseen_eval_images(data)
  name = data.eval_dataset or data.dataset
  builder = prepare(name, data.data_dir, data.manual_dir)
  for split in data.eval_splits:
    try:
      read(builder, name, split)
    except DatasetError as e:
      raise DatasetError(f"data.eval_splits: {e}. Fix the download, or "
                         "evaluate other splits with --set=data.eval_splits="
                         "...") from e


def markup(name: str, data: schema.DataConfig) -> str:
  """The `landmark_sets` scheme of dataset `name`'s ground truth; a scheme
  the data defines is read from the built dataset and registered."""
  fixed = landmark1d_datasets.landmark_set(name)
  if fixed is not None:
    return fixed
  builder = prepare(name, data.data_dir, data.manual_dir)
  try:
    return landmark_sets.register(landmark_sets.LandmarkSet.from_dict(
        landmark1d_datasets.scheme_of(name, builder))).name
  except ValueError as e:
    raise DatasetError(f"dataset {name!r}: {e}") from e


def with_scheme(
    config: schema.ExperimentConfig) -> schema.ExperimentConfig:
  """The config with its dataset's own scheme filled in, when
  `data.landmark_set` is `schema.DATASET_SCHEME`; else the config itself.

  Builds the dataset first when needed. The result carries the scheme in
  `data.scheme`, so a run's config.json knows N without the data.

  Raises:
    DatasetError: the dataset has a fixed markup (name it instead).
  """
  data = config.data
  if data.landmark_set != schema.DATASET_SCHEME:
    return config
  if landmark1d_datasets.landmark_set(data.dataset) is not None:
    raise DatasetError(
        f"data.landmark_set={schema.DATASET_SCHEME!r} takes the scheme from "
        f"the data, but dataset {data.dataset!r} is always marked up in "
        f"{landmark1d_datasets.landmark_set(data.dataset)!r}; set "
        "data.landmark_set to that")
  name = markup(data.dataset, data)
  resolved = copy.deepcopy(config)
  resolved.data.scheme = landmark_sets.get(name).to_dict()
  resolved.data.landmark_set = name
  return resolved.validate()


def is_video(builder) -> bool:
  """Whether a builder's examples are video frames (stored in video order)."""
  return "video_id" in builder.info.features
