"""Reading the tfds builders: unknown sets, caching, one source per video."""

import pytest
import tensorflow as tf

from experiments import configs as registry
from landmark1d.runs import datasets
from landmark1d.runs import schema


def test_unknown_dataset_is_a_dataset_error(tmp_path):
  with pytest.raises(datasets.DatasetError, match="unknown dataset"):
    datasets.records("no_such_set", "train", data_dir=str(tmp_path))


def test_video_splits_become_one_source_per_video(mini_data_dir):
  data = schema.override(registry.get("synthetic_trk1d_smoke"), [
      f"data.data_dir={mini_data_dir}",
      "data.dataset=synthetic_faces/mini_video"]).data
  ordered = [e["video_id"] for e in datasets.records(
      "synthetic_faces/mini_video", "train",
      data_dir=mini_data_dir).as_numpy_iterator()]
  sources, sizes = datasets.training_sources(data)
  videos = [[e["video_id"] for e in s.as_numpy_iterator()] for s in sources]
  assert sizes == [len(v) for v in videos] == [8, 8, 8, 8]
  assert all(len(set(v)) == 1 for v in videos)
  assert sum(videos, []) == ordered  # every frame once, in order
  # A percent slice (a cross-validation fold) is cut the same way; an extra
  # image set is one more source, sampled by its size (the union).
  data.train_splits = ("train[25%:]",)
  data.extra_train_datasets = ("synthetic_faces/mini:train",)
  sources, sizes = datasets.training_sources(data)
  assert sizes == [8, 8, 8, 48]
  assert set(sources[0].element_spec) == {"image", "landmarks", "visible",
                                          "box", "image_id"}


def _dataset_ops(ds: tf.data.Dataset) -> set[str]:
  graph = tf.compat.v1.GraphDef.FromString(
      ds._as_serialized_graph().numpy())  # pylint: disable=protected-access
  return {node.op for node in graph.node} | {
      node.op for f in graph.library.function for node in f.node_def}


def test_splits_are_read_without_the_tfds_in_memory_cache(mini_data_dir):
  # tfds caches a small split whole by default; a reader that stops early (the
  # mean shape's first images) would then only fill and drop it.
  builder = datasets.prepare("synthetic_faces/mini", mini_data_dir, None)
  assert any(op.startswith("Cache") for op in _dataset_ops(
      builder.as_dataset(split="train", shuffle_files=False)))
  ours = datasets.read(builder, "synthetic_faces/mini", "train")
  assert not any(op.startswith("Cache") for op in _dataset_ops(ours))
  assert len(list(ours)) == builder.info.splits["train"].num_examples
