"""Config validation, overrides and serialisation."""

import pytest

from landmark1d import configs


def _config(**kwargs):
  return configs.ExperimentConfig(name="t", **kwargs).validate()


def test_defaults_are_the_paper_settings():
  c = _config()
  assert (c.data.crop_size, c.train.batch_size, c.train.learning_rate) == (
      256, 10, 1e-4)
  assert (c.model.heatmap_length, c.model.coattention_gamma) == (768, 0.3)
  assert c.tracker.fusion_lambda == 0.3 and c.model.num_stacks == 4


def test_overrides_coerce_to_the_declared_types():
  c = configs.override(_config(), [
      "model.heatmap_length=512", "data.eval_splits=common,challenging",
      "data.eval_subset=none", "train.deterministic=true",
      "tracker.fusion_lambda=0"])
  assert c.model.heatmap_length == 512
  assert c.data.eval_splits == ("common", "challenging")
  assert c.data.eval_subset is None
  assert c.train.deterministic is True and c.tracker.fusion_lambda == 0.0
  assert c.data.validation_split is None  # default: no validation split
  c = configs.override(c, ["data.validation_split=validation",
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
    ("tracker.fusion_lambda=1.5", r"fusion_lambda must be in \[0, 1\]"),
    ("data.landmark_set=ibug69", "Unknown landmark set"),
    ("steps", "must look like section.field=value"),
    ("train.lr_schedule=step", "train.lr_schedule must be one of"),
    ("data.validation_split=test", "validation_split 'test' is also in "
     "data.eval_splits"),
])
def test_bad_overrides_name_the_field(assignment, message):
  with pytest.raises(ValueError, match=message):
    configs.override(_config(), [assignment])


def test_json_round_trip():
  c = configs.override(_config(), ["data.train_splits=a,b",
                                   "tracker.detector_workdir=/x"])
  again = configs.ExperimentConfig.from_dict(
      __import__("json").loads(c.to_json()))
  assert again == c


def test_unknown_keys_in_a_saved_config_are_rejected():
  values = _config().to_dict()
  values["model"]["heads"] = 2
  with pytest.raises(ValueError, match=r"unknown config field\(s\) "
                     r"\['model.heads'\]"):
    configs.ExperimentConfig.from_dict(values)
