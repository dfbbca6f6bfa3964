"""experiments/build_dataset: flags -> a built dataset that tfds can load."""

import os

import numpy as np
import pytest
import tensorflow_datasets as tfds
from absl import flags

from experiments import build_dataset
from landmark1d.geometry import pts
from landmark1d_datasets import _counts
from landmark1d_datasets import make_dummy_data

tfds.disable_progress_bar()


def test_builds_talking_face_from_flags(tmp_path, capsys):
  manual, data = make_dummy_data.dummy_dir("talking_face"), tmp_path / "data"
  flags.FLAGS(["build_dataset", "--name=talking_face",
               f"--manual_dir={manual}", f"--data_dir={data}"])
  try:
    with pytest.warns(_counts.CountWarning):
      build_dataset.main([])
  finally:
    flags.FLAGS.unparse_flags()
  assert "test: 6 examples" in capsys.readouterr().out
  loaded = tfds.load("talking_face", split="test", data_dir=str(data))
  examples = list(tfds.as_numpy(loaded))
  assert [int(e["frame_index"]) for e in examples] == list(range(6))
  # The .pts files are 1-based: pixel (x - 1, y - 1) 0-based.
  first = pts.read(os.path.join(manual, "points", "franck_00000.pts"))
  np.testing.assert_allclose(examples[0]["landmarks"], first - 1, atol=1e-4)


def test_builds_wflw_with_its_attribute_subsets_from_flags(tmp_path, capsys):
  manual, data = make_dummy_data.dummy_dir("wflw"), tmp_path / "data"
  flags.FLAGS(["build_dataset", "--name=wflw", f"--manual_dir={manual}",
               f"--data_dir={data}"])
  try:
    with pytest.warns(_counts.CountWarning):
      build_dataset.main([])
  finally:
    flags.FLAGS.unparse_flags()
  out = capsys.readouterr().out
  # The dummy lists: 3 train faces, 4 test faces, one per attribute subset.
  assert "train: 3 examples" in out and "test: 4 examples" in out
  for subset in ("pose", "expression", "illumination", "makeup", "occlusion",
                 "blur"):
    assert f"test_{subset}: 1 examples" in out
