"""What `landmark1d_datasets` says about each builder before it is built."""

import pytest

import landmark1d_datasets
from landmark1d.geometry import landmark_sets


@pytest.mark.parametrize("name", ["synthetic_faces/images", "ibug_300w",
                                  "aflw19", "ibug_300vw", "talking_face"])
def test_declared_landmark_set_matches_the_builder_features(name):
  features = landmark1d_datasets.builder(name).info.features
  points = landmark_sets.get(landmark1d_datasets.landmark_set(name)).num_points
  assert features["landmarks"].shape == (points, 2)
  assert landmark1d_datasets.split_names(name)


def test_unknown_dataset_is_rejected():
  with pytest.raises(ValueError, match="unknown dataset 'nope'"):
    landmark1d_datasets.split_names("nope")
