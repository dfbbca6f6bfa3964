"""The mini synthetic datasets built once per test session (a few seconds)."""

import pytest

import landmark1d_datasets


@pytest.fixture(scope="session")
def mini_data_dir(tmp_path_factory):
  data_dir = str(tmp_path_factory.mktemp("tfds"))
  for name in ("synthetic_faces/mini", "synthetic_faces/mini_video"):
    landmark1d_datasets.prepare(name, data_dir)
  return data_dir
