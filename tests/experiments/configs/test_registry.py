"""Every named experiment config loads and validates; the paper's rows exist."""

import sys

import pytest

import landmark1d_datasets
from experiments import configs
from landmark1d.eval import scoring
from landmark1d.runs import schema


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


def test_wflw_is_the_paper_recipe_at_3f_scored_by_wflw_protocol():
  c, paper = configs.get("wflw_det1d"), configs.get("table3_300w")
  assert c.model == paper.model  # 1D, L = 768 = 3F, gamma 0.3, 4 stacks
  assert c.model.heatmap_length == 3 * c.data.crop_size
  assert (c.train.batch_size, c.train.learning_rate) == (10, 1e-4)
  assert (c.data.landmark_set, c.data.normalization) == ("wflw98",
                                                         "interocular")
  assert c.eval.thresholds == (0.1,)
  assert c.data.eval_splits == (
      "test", "test_pose", "test_expression", "test_illumination",
      "test_makeup", "test_occlusion", "test_blur")


def test_table2_ablation_differs_only_in_lambda():
  off, on = configs.get("table2_300vw_lambda0"), configs.get(
      "table2_300vw_lambda03")
  assert (off.tracker.fusion_lambda, on.tracker.fusion_lambda) == (0.0, 0.3)
  off.tracker.fusion_lambda = on.tracker.fusion_lambda
  off.name, off.description = on.name, on.description
  assert off == on


@pytest.mark.parametrize("mobile,reference", [
    ("synthetic_det1d_mobile", "synthetic_det1d"),
    ("accuracy_det1d_mobile", "accuracy_det1d_L192")])
def test_mobile_configs_change_only_the_backbone_and_head_width(mobile,
                                                                reference):
  a, b = configs.get(mobile), configs.get(reference)
  assert (a.model.backbone, b.model.backbone) == ("mobile", "hourglass")
  assert (a.model.head_width, b.model.head_width) == (32, None)
  assert sorted(path for path, _, _ in schema.differences(
      schema.training_settings(a), schema.training_settings(b))) == [
          "model.backbone", "model.head_width"]


def test_talking_face_scores_the_seven_common_points():
  c = configs.get("table4_tf")
  assert (c.data.eval_dataset, c.data.eval_subset) == ("talking_face",
                                                       "common7")


def test_unknown_name_suggests_close_ones():
  with pytest.raises(ValueError, match="unknown experiment config "
                     "'table1_det1d_L700'.*table1_det1d_L768"):
    configs.get("table1_det1d_L700")


def test_a_module_is_a_config_module_iff_it_defines_configs(tmp_path,
                                                            monkeypatch):
  before = configs.names()
  (tmp_path / "shared_helpers.py").write_text("LEARNING_RATE = 1e-4\n")
  (tmp_path / "extra_rows.py").write_text(
      "from experiments.configs import synthetic\n"
      "CONFIGS = {'extra_det1d': synthetic.CONFIGS['synthetic_det1d']}\n")
  monkeypatch.setattr(configs, "__path__", [*configs.__path__,
                                            str(tmp_path)])
  for module in ("shared_helpers", "extra_rows"):
    monkeypatch.delitem(sys.modules, f"experiments.configs.{module}",
                        raising=False)
  assert configs.names() == sorted([*before, "extra_det1d"])
  assert configs.get("extra_det1d").name == "extra_det1d"


def _trackers():
  return [n for n in configs.names() if configs.get(n).tracker.enabled]


def test_every_tracker_names_an_existing_detector_of_its_model():
  trackers = _trackers()
  assert len(trackers) > 50
  for name in trackers:
    tracker = configs.get(name)
    detector_name = tracker.tracker.detector_config
    assert detector_name, name
    assert detector_name.endswith("_smoke") == name.endswith("_smoke"), name
    detector = configs.get(detector_name)
    assert not detector.tracker.enabled, name
    # Same head, L, gamma, sigma, model sizes, landmark set and crop size:
    # the detector's weights load into the tracker's detector.
    assert detector.model == tracker.model, name
    assert (detector.data.landmark_set, detector.data.crop_size) == (
        tracker.data.landmark_set, tracker.data.crop_size), name
    assert not tracker.tracker.from_scratch and (
        tracker.tracker.detector_workdir is None), name


def test_paper_trackers_start_from_300vw_plus_300w_detectors():
  # Sec. 5.1: "trained on the union of training sets from the 300VW and 300W
  # dataset ... we only use it [300-W] to train the detector inside the
  # tracker."
  heads = set()
  for name in _trackers():
    if configs.get(name).data.dataset.startswith("synthetic_faces"):
      continue
    detector = configs.get(configs.get(name).tracker.detector_config)
    assert detector.data.dataset == "ibug_300vw", name
    assert detector.data.extra_train_datasets == ("ibug_300w:train",), name
    heads.add((detector.model.head, detector.model.heatmap_length))
  assert heads >= {("1d", n) for n in (64, 128, 256, 384, 512, 640, 768)}
  assert heads >= {("2d", n) for n in (64, 128, 256)}


def test_one_detector_config_per_distinct_detector_training():
  # Trackers with equal detectors share one detector run, so they must name
  # the same detector config (the run's name is checked at start). Smoke
  # variants all shrink to one size, so only the real configs count.
  seen = {}
  for name in _trackers():
    if name.endswith("_smoke"):
      continue
    detector_name = configs.get(name).tracker.detector_config
    detector = configs.get(detector_name)
    key = detector.to_json().replace(f'"{detector_name}"', "").replace(
        f'"{detector.description}"', "")
    assert seen.setdefault(key, detector_name) == detector_name, (
        name, detector_name, seen[key])


def _sources(config):
  """(dataset, split) of every split a config trains or evaluates on."""
  data = config.data
  sources = [(data.dataset, s) for s in data.train_splits]
  sources += [tuple(s.split(":")) for s in data.extra_train_datasets]
  return sources + [(data.eval_dataset or data.dataset, s)
                    for s in data.eval_splits]


def test_every_split_a_config_names_exists_in_its_builder():
  for name in configs.names():
    for dataset, split in _sources(configs.get(name)):
      assert split.split("[")[0] in landmark1d_datasets.split_names(
          dataset), (name, dataset, split)


def _markup(dataset):
  """A dataset's fixed markup, or `DATASET_SCHEME` where its data sets it."""
  return landmark1d_datasets.landmark_set(dataset) or schema.DATASET_SCHEME


def test_every_config_trains_on_its_markup_and_scores_a_shared_one():
  for name in configs.names():
    data = configs.get(name).data
    for dataset, _ in _sources(configs.get(name))[:-len(data.eval_splits)]:
      assert _markup(dataset) == data.landmark_set
    markup = _markup(data.eval_dataset or data.dataset)
    if markup != data.landmark_set:  # Talking Face: the 7 common points
      assert data.eval_subset == "common7", name
      assert scoring.subset_of(markup, data.eval_subset)
