"""Every named experiment config loads and validates; the paper's rows exist."""

import pytest

from experiments import configs


def test_every_config_loads_and_validates():
  names = configs.names()
  assert len(names) > 50
  for name in names:
    config = configs.get(name)
    assert config.name == name
    assert config.description


@pytest.mark.parametrize("length", [64, 128, 256, 384, 512, 640, 768])
def test_table1_has_a_1d_detector_and_tracker_per_length(length):
  det = configs.get(f"table1_det1d_L{length}")
  trk = configs.get(f"table1_trk1d_L{length}")
  assert det.model.heatmap_length == trk.model.heatmap_length == length
  assert det.data.crop_size == 256 and not det.tracker.enabled
  assert trk.tracker.enabled and trk.data.dataset == "ibug_300vw"


def test_paper_settings_in_the_paper_rows():
  c = configs.get("table3_300w")
  assert (c.train.batch_size, c.train.learning_rate) == (10, 1e-4)
  assert (c.model.heatmap_length, c.model.coattention_gamma) == (768, 0.3)
  assert c.data.eval_splits == ("common", "challenging", "full")
  aflw = configs.get("table3_aflw")
  assert (aflw.data.landmark_set, aflw.data.normalization) == ("aflw19",
                                                               "face_size")
  assert configs.get("table3_300w_dark").eval.decoder == "dark"


def test_table2_ablation_differs_only_in_lambda():
  off, on = configs.get("table2_300vw_lambda0"), configs.get(
      "table2_300vw_lambda03")
  assert (off.tracker.fusion_lambda, on.tracker.fusion_lambda) == (0.0, 0.3)
  off.tracker.fusion_lambda = on.tracker.fusion_lambda
  off.name, off.description = on.name, on.description
  assert off == on


def test_talking_face_scores_the_seven_common_points():
  c = configs.get("table4_tf")
  assert (c.data.eval_dataset, c.data.eval_subset) == ("talking_face",
                                                       "common7")


def test_unknown_name_suggests_close_ones():
  with pytest.raises(ValueError, match="unknown experiment config "
                     "'table1_det1d_L700'.*table1_det1d_L768"):
    configs.get("table1_det1d_L700")
