"""The one-command real-face model on tfds's catalog sets, rehearsed on
tfds.testing.mock_data: `the300w_lp_det1d` trains on 300W-LP and scores on
AFLW2000-3D with no manual download, and is never scored on 300-W."""

import json
import os

import numpy as np
import pytest

from experiments import configs as registry
from landmark1d.runs import datasets
from landmark1d.runs import evaluate
from landmark1d.runs import train


def test_catalog_config_trains_and_scores_without_a_manual_download(
    mock_catalog, tmp_path):
  config = registry.get("the300w_lp_det1d_smoke")
  config.data.data_dir = mock_catalog
  assert config.data.manual_dir is None
  # Training's summaries are the rehearsal's business; this is about data.
  config.train.image_summary_every = config.train.eval_every = 0
  config.train.steps = config.train.checkpoint_every = 2
  workdir = str(tmp_path / "run")
  train.run(config, workdir, log=lambda s: None)
  results = evaluate.run(config, workdir, log=lambda s: None)
  with open(os.path.join(workdir, "eval", "summary.json"),
            encoding="utf-8") as f:
    summary = json.load(f)
  assert summary["train"]["images"] == 6  # aflw2k3d's mocked examples
  scores = results["train"]["model"]
  assert np.isfinite(scores.summary.nrmse) and scores.summary.nrmse > 0


@pytest.mark.parametrize("override", [
    {"eval_dataset": "ibug_300w"},
    {"dataset": "ibug_300w", "extra_train_datasets": ("the300w_lp:train",),
     "eval_dataset": None},
])
def test_catalog_300w_lp_is_never_scored_on_300w(override):
  data = registry.get("the300w_lp_det1d").data
  for field, value in override.items():
    setattr(data, field, value)
  with pytest.raises(datasets.DatasetError, match="'ibug_300w' holds the "
                     "images that training set 'the300w_lp' is made from"):
    datasets.check_unseen_eval_images(data)


def test_catalog_aflw2k3d_is_a_fair_eval_set_for_300w_lp():
  datasets.check_unseen_eval_images(registry.get("the300w_lp_det1d").data)
