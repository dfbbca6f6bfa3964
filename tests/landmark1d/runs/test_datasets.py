"""Reading the tfds builders: unknown sets, one training source per video."""

import pytest

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
