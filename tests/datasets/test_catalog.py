"""The catalog adapters (the300w_lp, aflw2k3d) on tfds.testing.mock_data:
what the run layer reads is the catalog's example in our schema."""

import numpy as np
import pytest
import tensorflow as tf
import tensorflow_datasets as tfds

import landmark1d_datasets
from landmark1d.runs import datasets

LANDMARKS = {"the300w_lp": "landmarks_3d",
             "aflw2k3d": "landmarks_68_3d_xy_normalized"}


def test_catalog_sets_are_68_point_sets_that_need_no_download():
  assert landmark1d_datasets.CATALOG == ("aflw2k3d", "the300w_lp")
  for name in landmark1d_datasets.CATALOG:
    assert landmark1d_datasets.landmark_set(name) == "ibug68"
    assert not landmark1d_datasets.needs_manual_download(name)
    assert landmark1d_datasets.split_names(name) == ("train",)
    assert name not in landmark1d_datasets.manual_download()
  assert landmark1d_datasets.images_of("the300w_lp") == "ibug_300w"
  assert landmark1d_datasets.images_of("aflw2k3d") == "aflw2k3d"


@pytest.mark.parametrize("name", sorted(LANDMARKS))
def test_catalog_examples_read_in_the_schema_in_pixels(mock_catalog, name):
  builder = landmark1d_datasets.builder(name, mock_catalog)
  assert builder.info.features["image"].shape == (450, 450, 3)
  raw = list(tfds.as_numpy(builder.as_dataset(
      split="train", shuffle_files=False,
      decoders={"image": tfds.decode.SkipDecoding()},
      read_config=tfds.ReadConfig(add_tfds_id=True))))
  adapted = list(tfds.as_numpy(datasets.records(name, "train",
                                                data_dir=mock_catalog)))
  assert len(adapted) == len(raw) > 0
  for ours, theirs in zip(adapted, raw):
    assert sorted(ours) == ["box", "box_size", "image", "image_id",
                            "landmarks", "visible"]
    # Stored divided by 450, 1-based (3DDFA's MATLAB pixels).
    points = theirs[LANDMARKS[name]].astype(np.float64) * 450.0 - 1.0
    np.testing.assert_allclose(ours["landmarks"], points, atol=1e-3)
    assert ours["visible"].shape == (68,) and ours["visible"].all()
    low, high = points.min(0), points.max(0)
    np.testing.assert_allclose(ours["box"], [*low, *high], atol=1e-3)
    assert ours["box_size"] == pytest.approx(np.sqrt(np.prod(high - low)),
                                             rel=1e-5)
    assert ours["image_id"] == theirs["tfds_id"]
    # Still encoded: the catalog's own JPEG bytes, 450 x 450.
    assert ours["image"] == theirs["image"]
    assert tf.io.decode_jpeg(ours["image"]).shape == (450, 450, 3)
