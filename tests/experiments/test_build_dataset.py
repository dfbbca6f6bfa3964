"""experiments/build_dataset: flags -> a built dataset that tfds can load."""

import cv2
import numpy as np
import pytest
import tensorflow_datasets as tfds
from absl import flags

from experiments import build_dataset
from landmark1d import pts
from landmark1d_datasets import _counts

tfds.disable_progress_bar()


def test_builds_talking_face_from_flags(tmp_path, capsys):
  manual, data = tmp_path / "manual", tmp_path / "data"
  manual.mkdir()
  for k in range(3):
    cv2.imwrite(str(manual / f"franck_{k:05d}.jpg"),
                np.full((16, 16, 3), 80, np.uint8))
    pts.write(str(manual / f"franck_{k:05d}.pts"), np.full((68, 2), k + 1.0))
  flags.FLAGS(["build_dataset", "--name=talking_face",
               f"--manual_dir={manual}", f"--data_dir={data}"])
  try:
    with pytest.warns(_counts.CountWarning):
      build_dataset.main([])
  finally:
    flags.FLAGS.unparse_flags()
  assert "test: 3 examples" in capsys.readouterr().out
  loaded = tfds.load("talking_face", split="test", data_dir=str(data))
  examples = list(tfds.as_numpy(loaded))
  assert [int(e["frame_index"]) for e in examples] == [0, 1, 2]
  # franck_0000k.pts holds (k + 1, k + 1): pixel (k, k) 0-based.
  assert [float(e["landmarks"][0, 0]) for e in examples] == [0.0, 1.0, 2.0]
