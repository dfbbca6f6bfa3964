"""The config schema: validation, overrides, serialisation, earlier layouts."""

import json
import os
import re

import pytest

from experiments import configs as registry
from landmark1d.data import augment
from landmark1d.geometry import landmark_sets
from landmark1d.runs import common
from landmark1d.runs import schema


def _config(**kwargs):
  return schema.ExperimentConfig(name="t", **kwargs).validate()


def test_defaults_are_the_paper_settings():
  c = _config()
  assert (c.data.crop_size, c.train.batch_size, c.train.learning_rate) == (
      256, 10, 1e-4)
  assert (c.model.heatmap_length, c.model.coattention_gamma) == (768, 0.3)
  assert c.tracker.fusion_lambda == 0.3 and c.model.num_stacks == 4


def test_overrides_coerce_to_the_declared_types():
  c = schema.override(_config(), [
      "model.heatmap_length=512", "data.eval_splits=common,challenging",
      "data.eval_subset=none", "train.deterministic=true",
      "tracker.fusion_lambda=0"])
  assert c.model.heatmap_length == 512
  assert c.data.eval_splits == ("common", "challenging")
  assert c.data.eval_subset is None
  assert c.train.deterministic is True and c.tracker.fusion_lambda == 0.0
  assert c.data.validation_split is None  # default: no validation split
  c = schema.override(c, ["data.validation_split=validation",
                           "train.lr_schedule=cosine"])
  assert (c.data.validation_split, c.train.lr_schedule) == ("validation",
                                                            "cosine")


@pytest.mark.parametrize("assignment, message", [
    ("model.heatmap_lenght=5", "unknown field 'model.heatmap_lenght'"),
    ("modle.heads=2", "no config section 'modle'"),
    ("train.steps=ten", "train.steps: cannot read 'ten' as int"),
    ("train.steps=2.5", "cannot read"),
    ("eval.decoder=median", "eval.decoder must be one of"),
    ("model.head=3d", "model.head must be '1d' or '2d'"),
    ("model.backbone=resnet", "model.backbone must be one of"),
    ("model.backbone=mobile", "model.num_stacks must be 1 with "
     "model.backbone 'mobile' .*got 4"),
    ("model.head_width=0", "model.head_width must be >= 1 or None"),
    ("tracker.fusion_lambda=1.5", r"fusion_lambda must be in \[0, 1\]"),
    ("data.landmark_set=ibug69", "Unknown landmark set"),
    ("steps", "must look like section.field=value"),
    ("train.lr_schedule=step", "train.lr_schedule must be one of"),
    ("train.steps_per_loop=0", "train.steps_per_loop must be >= 1"),
    ("data.validation_split=test", "validation_split 'test' is also in "
     "data.eval_splits"),
])
def test_bad_overrides_name_the_field(assignment, message):
  with pytest.raises(ValueError, match=message):
    schema.override(_config(), [assignment])


def test_json_round_trip():
  c = schema.override(_config(), ["data.train_splits=a,b",
                                   "tracker.detector_workdir=/x"])
  again = schema.ExperimentConfig.from_dict(
      __import__("json").loads(c.to_json()))
  assert again == c


def test_unknown_keys_in_a_saved_config_are_rejected():
  values = _config().to_dict()
  values["model"]["heads"] = 2
  with pytest.raises(ValueError, match=r"unknown config field\(s\) "
                     r"\['model.heads'\]"):
    schema.ExperimentConfig.from_dict(values)


def test_augmentation_is_one_section_of_augment_params():
  c = _config()
  assert c.data.augment == augment.AugmentParams()  # its defaults are ours
  c = schema.override(c, ["data.augment.rotation=10", "data.augment.flip=no"])
  assert (c.data.augment.rotation, c.data.augment.flip) == (10.0, False)
  off = schema.override(c, ["data.augment=none"])
  assert off.data.augment is None
  assert schema.ExperimentConfig.from_dict(off.to_dict()) == off
  again = schema.override(off, ["data.augment=default"])
  assert again.data.augment == augment.AugmentParams()


@pytest.mark.parametrize("config, assignment, message", [
    ("on", "data.augment.rotation=270",
     r"data.augment: AugmentParams.rotation must be in \[0, 180\]"),
    ("on", "data.rotation=10",
     "unknown field 'data.rotation' \\(moved to data.augment.rotation\\)"),
    ("off", "data.augment.scale=0.1",
     "data.augment is none; pass data.augment=default first"),
    ("on", "data.augment.tilt=3", "unknown field 'data.augment.tilt'"),
])
def test_bad_augmentation_overrides_name_the_path(config, assignment,
                                                  message):
  c = _config()
  if config == "off":
    c = schema.override(c, ["data.augment=none"])
  with pytest.raises(ValueError, match=message):
    schema.override(c, [assignment])


LAYOUT1 = os.path.join(os.path.dirname(__file__), "testdata", "layout1")


@pytest.mark.parametrize("run, overrides", [
    ("tracker_run", ["data.data_dir=/data/tfds",
                     "tracker.detector_workdir=runs/synthetic_det1d"]),
    # Off: the ranges beside a false switch configured nothing.
    ("no_augment_run", ["data.augment=none"]),
])
def test_workdirs_written_before_the_move_load_with_every_setting(
    run, overrides):
  # config.json files written by the previous layout (flat data.rotation ...
  # beside a data.augment switch; testdata/layout1/README.md says how).
  name = {"tracker_run": "synthetic_trk1d",
          "no_augment_run": "synthetic_det1d_smoke"}[run]
  loaded = common.load_config(os.path.join(LAYOUT1, run))
  assert loaded == schema.override(registry.get(name), overrides)
  with open(os.path.join(LAYOUT1, run, "config.json")) as f:
    old = json.load(f)
  assert schema.upgrade(schema.upgrade(old)) == schema.upgrade(old)
  assert schema.upgrade(loaded.to_dict()) == loaded.to_dict()


def test_per_frame_occlusion_is_off_by_default_and_set_by_its_path():
  tracker = registry.get("synthetic_trk1d")
  assert tracker.data.augment.occlusion_per_frame is False
  on = schema.override(tracker, ["data.augment.occlusion_per_frame=true"])
  assert on.data.augment == augment.AugmentParams(
      **{**tracker.data.augment.__dict__, "occlusion_per_frame": True})
  # A run trained with it is another training, by that one path.
  assert schema.differences(schema.training_settings(tracker),
                            schema.training_settings(on)) == [
                                ("data.augment.occlusion_per_frame", False,
                                 True)]


def test_training_settings_compare_path_by_path():
  a = schema.training_settings(_config())
  # Steps per tf.function call change no weight (tests/landmark1d/training).
  assert a == schema.training_settings(schema.override(
      _config(), ["train.steps_per_loop=4"]))
  b = schema.training_settings(schema.override(_config(), [
      "data.augment.occlusion=0", "model.sigma=2"]))
  assert schema.differences(a, b) == [("data.augment.occlusion", 0.2, 0.0),
                                      ("model.sigma", 4.0, 2.0)]
  off = schema.training_settings(schema.override(_config(),
                                                 ["data.augment=none"]))
  assert schema.differences(a, off) == [("data.augment", a["data"]["augment"],
                                         None)]


_FOLDER_SCHEME = {"name": "test_folder3", "names": ["a", "b", "c"],
                  "flip_permutation": [1, 0, 2], "interocular": [0, 1],
                  "pupils": None, "regions": {"ab": [0, 1]}}


def test_a_scheme_from_data_travels_in_the_config_and_registers_on_load():
  config = schema.override(registry.get("custom_det1d_smoke"), [
      "data.scheme=" + json.dumps(_FOLDER_SCHEME),
      "data.landmark_set=test_folder3"])
  loaded = schema.ExperimentConfig.from_dict(
      json.loads(config.to_json())).validate()
  assert loaded == config
  assert landmark_sets.get("test_folder3").flip_permutation == (1, 0, 2)
  # The model's heatmaps: (batch, stacks, N = 3, L).
  assert [tuple(o.shape) for o in common.build_detector(loaded).outputs] == [
      (None, 1, 3, 64)] * 2


@pytest.mark.parametrize("assignments,message", [
    (["data.scheme=" + json.dumps(_FOLDER_SCHEME)],
     "data.landmark_set 'dataset' is not the name of data.scheme "
     "('test_folder3')"),
    (["data.scheme=" + json.dumps(dict(_FOLDER_SCHEME, interocular=[0, 5])),
      "data.landmark_set=test_folder3"],
     "data.scheme: test_folder3: an index is outside 0..2"),
    (["data.scheme=[1, 2]"], "data.scheme: expected a JSON object, got"),
])
def test_a_bad_data_scheme_is_a_config_error_naming_it(assignments, message):
  with pytest.raises(schema.ConfigError, match=re.escape(message)):
    schema.override(registry.get("custom_det1d_smoke"), assignments)
