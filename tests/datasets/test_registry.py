"""What `landmark1d_datasets` says about each builder before it is built."""

import pathlib

import pytest

import landmark1d_datasets
from experiments import runbook
from experiments import tables
from landmark1d.geometry import landmark_sets
from landmark1d_datasets import make_dummy_data

FOLDERS = pathlib.Path(landmark1d_datasets.__file__).parent


def test_the_registry_is_the_folders_holding_a_builder():
  builders = {p.parent.name for p in FOLDERS.glob("*/*_dataset_builder.py")
              if p.name == f"{p.parent.name}_dataset_builder.py"}
  assert set(landmark1d_datasets.KNOWN) == builders
  assert not any(name.startswith("_") for name in landmark1d_datasets.KNOWN)


@pytest.mark.parametrize("name", landmark1d_datasets.KNOWN)
def test_declared_landmark_set_matches_the_builder_features(name):
  features = landmark1d_datasets.builder(name).info.features
  markup = landmark1d_datasets.landmark_set(name)
  # None: each build's scheme file sets N (landmarks_folder).
  points = None if markup is None else landmark_sets.get(markup).num_points
  assert features["landmarks"].shape == (points, 2)
  assert landmark1d_datasets.split_names(name)


def test_every_real_dataset_has_dummy_data_and_a_build_step_in_the_plan():
  real = landmark1d_datasets.manual_download()
  assert "synthetic_faces" not in real and len(real) == len(
      landmark1d_datasets.KNOWN) - 1
  assert set(make_dummy_data.WRITERS) == set(real)
  plan = "\n".join(runbook.commands(tables.get("all")))
  # A user's own folder (no fixed markup) is in no paper table.
  for name in [n for n in real if landmark1d_datasets.landmark_set(n)]:
    assert (f"--name={name} --manual_dir=$MANUAL_{name.upper()}") in plan


@pytest.mark.parametrize("name", landmark1d_datasets.manual_download())
def test_a_missing_manual_download_is_one_line_naming_where_to_look(
    name, tmp_path):
  with pytest.raises(ValueError) as raised:
    landmark1d_datasets.prepare(name, data_dir=str(tmp_path / "d"),
                                manual_dir=str(tmp_path / "nowhere"))
  message = str(raised.value)
  assert "\n" not in message
  assert (f"manual_dir='{tmp_path}/nowhere' does not hold its manual "
          "download: pass --manual_dir") in message
  assert (f"datasets/{name}/{name}_dataset_builder.py's "
          "MANUAL_DOWNLOAD_INSTRUCTIONS") in message


def test_unknown_dataset_is_rejected():
  with pytest.raises(ValueError, match="unknown dataset 'nope'"):
    landmark1d_datasets.split_names("nope")
