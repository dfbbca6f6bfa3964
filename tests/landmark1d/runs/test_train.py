"""What a training run checks and streams before its first step."""

import pytest

from experiments import configs as registry
from landmark1d.runs import datasets
from landmark1d.runs import schema
from landmark1d.runs import train


def test_a_missing_eval_split_stops_training_before_it_starts(mini_data_dir,
                                                              tmp_path):
  config = schema.override(registry.get("synthetic_det1d_smoke"), [
      f"data.data_dir={mini_data_dir}", "data.dataset=synthetic_faces/mini",
      "data.eval_splits=test,frontal"])
  with pytest.raises(datasets.DatasetError,
                     match=r"data.eval_splits: .*no split 'frontal'"):
    train.run(config, str(tmp_path / "run"))
  assert not (tmp_path / "run").exists()


@pytest.mark.parametrize("name", ["table4_300vw", "table1_trk2d_L64"])
def test_a_paper_tracker_batch_holds_the_papers_10_frames(mini_data_dir,
                                                          name):
  # Sec. 5.1: "A training batch contains 10 facial images or frames."
  config = schema.override(registry.get(name), [
      f"data.data_dir={mini_data_dir}",
      "data.dataset=synthetic_faces/mini_video", "data.crop_size=32",
      "model.heatmap_length=32", "data.shuffle_buffer=8",
      "data.augment=none"])
  batch = next(iter(train.training_stream(config)))
  clips, frames = batch["image"].shape[:2]
  assert clips * frames == 10 and frames == config.data.clip_length > 1
  assert len(batch["mask"]) == clips


def test_a_tracker_batch_must_hold_whole_clips():
  with pytest.raises(ValueError, match=r"batch_size counts frames for "
                     r"trackers: it must be a multiple of data.clip_length "
                     r"\(5\), got 8"):
    schema.override(registry.get("table4_300vw"), ["train.batch_size=8"])
