"""The experiment config schema: data, model, tracker, training, evaluation.

Configs are plain dataclasses. `experiments/configs/<name>.py` builds one per
paper experiment; `landmark1d.runs` turns a config into plain keyword
arguments for the library, so no layer or pipeline ever sees a config object.

Every field is validated by `validate()`, overrides name fields by dotted path
(`model.heatmap_length=768`, read by `runs.overrides`) and an unknown path is
an error that lists the valid ones, so a typo never silently trains the wrong
model. The JSON form (`to_json`, a workdir's `config.json`) is an interface:
`from_dict` reads every earlier layout through `upgrade`.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from landmark1d.data import augment as augment_lib
from landmark1d.eval import metrics
from landmark1d.geometry import heatmaps
from landmark1d.geometry import landmark_sets
from landmark1d.models import builders
from landmark1d.runs import overrides
from landmark1d.training import loop


# `data.landmark_set` of a config whose scheme comes from its dataset.
DATASET_SCHEME = "dataset"


@dataclasses.dataclass
class DataConfig:
  """Where examples come from and how they become model inputs.

  Attributes:
    dataset: tfds name with optional config, e.g. "synthetic_faces/images".
    data_dir: tfds data_dir; None uses tfds's default (~/tensorflow_datasets).
    manual_dir: folder holding manually downloaded files (real datasets).
    train_splits: tfds split(s) to train on; several are concatenated.
    eval_splits: tfds splits evaluated one by one (e.g. 300-W common, ...).
    validation_split: split of `dataset` scored by the in-training
      validation (and used for any model selection); None scores
      `eval_splits[0]` instead, for datasets without one (monitoring only).
    extra_train_datasets: further "name:split" sources mixed into training
      (the paper trains the 300-VW tracker's detector on 300-W as well).
    eval_dataset: tfds name to evaluate on when it is not `dataset` (Talking
      Face is only a test set; models for it train on 300-VW).
    landmark_set: the dataset's scheme (see `landmark_sets`), or
      `DATASET_SCHEME` ("dataset"): the scheme the data defines
      (landmarks_folder's scheme file), read from the built dataset when a
      run starts (`runs.datasets.with_scheme`).
    scheme: a scheme defined by the data, in `LandmarkSet.to_dict` form,
      or None for a registered one. A run fills it in (with `landmark_set`
      its name) and its config.json keeps it, so evaluation, export and the
      SavedModel know N, the flips and the normalising points without the
      user's folder; validating the config registers it.
    eval_subset: optional name of a `landmark_sets` scheme to score instead,
      for Talking Face's 7 common points ("common7").
    normalization: "interocular", "interpupil" or "face_size" (AFLW-19).
    crop_size: F, the face crop side in pixels (paper: 256).
    context: crop window side over the mean side of the landmark box.
    shift: vertical window shift as a fraction of the box height.
    augment: the training augmentation's ranges (`AugmentParams`, which
      checks them), or None for none (`--set=data.augment=none`). Ours: the
      paper states no augmentation (BUILD_NOTES.md).
    clip_length: T, frames per training clip (trackers only); divides
      train.batch_size.
    shuffle_buffer: examples in the shuffle buffer.
  """

  dataset: str = "synthetic_faces/images"
  data_dir: str | None = None
  manual_dir: str | None = None
  train_splits: tuple[str, ...] = ("train",)
  eval_splits: tuple[str, ...] = ("test",)
  validation_split: str | None = None
  extra_train_datasets: tuple[str, ...] = ()
  eval_dataset: str | None = None
  landmark_set: str = "ibug68"
  scheme: dict | None = None
  eval_subset: str | None = None
  normalization: str = "interocular"
  crop_size: int = 256
  context: float = 1.4
  shift: float = 0.0
  augment: augment_lib.AugmentParams | None = dataclasses.field(
      default_factory=augment_lib.AugmentParams)
  clip_length: int = 8
  shuffle_buffer: int = 512

  def validate(self):
    _require(bool(self.dataset), "data.dataset must name a tfds dataset")
    _require(len(self.train_splits) > 0, "data.train_splits is empty")
    _require(len(self.eval_splits) > 0, "data.eval_splits is empty")
    _require(self.validation_split is None or (
        self.validation_split not in self.eval_splits), (
            f"data.validation_split {self.validation_split!r} is also in "
            f"data.eval_splits {self.eval_splits}: validation selects models, "
            "so it must not be a split they are scored on"))
    for source in self.extra_train_datasets:
      _require(source.count(":") == 1,
               f"data.extra_train_datasets entry {source!r} must be "
               "'name:split'")
    if self.scheme is not None:
      try:
        scheme = landmark_sets.register(
            landmark_sets.LandmarkSet.from_dict(self.scheme))
      except (KeyError, TypeError, ValueError) as e:
        raise ConfigError(f"data.scheme: {e}") from None
      _require(self.landmark_set == scheme.name,
               f"data.landmark_set {self.landmark_set!r} is not the name of "
               f"data.scheme ({scheme.name!r})")
    elif self.landmark_set != DATASET_SCHEME:
      landmark_sets.get(self.landmark_set)
    if self.eval_subset is not None:
      landmark_sets.get(self.eval_subset)
    _require(self.normalization in metrics.NORMALIZATIONS,
             f"data.normalization must be one of {metrics.NORMALIZATIONS}, "
             f"got {self.normalization!r}")
    _require(self.crop_size >= 16, f"data.crop_size must be >= 16, got "
             f"{self.crop_size}")
    _require(self.crop_size % 4 == 0, "data.crop_size must be a multiple of 4 "
             f"(the backbone's stride), got {self.crop_size}")
    _require(self.context > 0, "data.context must be > 0")
    _require(self.augment is None or isinstance(
        self.augment, augment_lib.AugmentParams),
             f"data.augment must be AugmentParams or None, got "
             f"{self.augment!r}")
    _require(self.clip_length >= 1, "data.clip_length must be >= 1")
    _require(self.shuffle_buffer >= 1, "data.shuffle_buffer must be >= 1")


@dataclasses.dataclass
class ModelConfig:
  """Detector architecture (Section 4.1) and its heatmap targets.

  Attributes:
    head: "1d" (the paper's detector) or "2d" (the FAN baseline).
    backbone: "hourglass" (FAN's, the paper's) or "mobile" (MobileNetV3-style
      blocks in one hourglass, for CPU serving; ours, BUILD_NOTES.md).
    heatmap_length: L, the heatmap length (paper: 3 F = 768).
    sigma: target Gaussian sigma in crop pixels.
    num_stacks: hourglass stacks (FAN / paper: 4); 1 for "mobile".
    channels: width of the features the head reads (FAN: 256).
    hourglass_depth: down-sampling levels per hourglass (FAN: 4), or below
      F/4 in the mobile backbone.
    coattention_gamma: gamma of eq. 10 (paper: 0.3); 0 turns co-attention off.
    attention_dims: a, the per-channel feature size in eq. 9.
    head_width: channels of the head's convolutions (CNN1 / CNN2, or the 2D
      head's resampling); None = the builder's max(C / 4, min(C, 64)). The
      paper does not give it; a narrower head is what makes the mobile model
      fast (the 1D head is most of its cost at C = 64).
  """

  head: str = "1d"
  backbone: str = "hourglass"
  heatmap_length: int = 768
  sigma: float = 4.0
  num_stacks: int = 4
  channels: int = 256
  hourglass_depth: int = 4
  coattention_gamma: float = 0.3
  attention_dims: int = 16
  head_width: int | None = None

  def validate(self):
    _require(self.head in ("1d", "2d"), f"model.head must be '1d' or '2d', "
             f"got {self.head!r}")
    _require(self.backbone in builders.BACKBONES, f"model.backbone must be "
             f"one of {builders.BACKBONES}, got {self.backbone!r}")
    _require(self.backbone != "mobile" or self.num_stacks == 1,
             f"model.num_stacks must be 1 with model.backbone 'mobile' (one "
             f"stack), got {self.num_stacks}")
    _require(self.heatmap_length > 0, "model.heatmap_length must be > 0")
    _require(self.sigma > 0, "model.sigma must be > 0")
    _require(self.num_stacks >= 1, "model.num_stacks must be >= 1")
    _require(self.channels >= 4 and self.channels % 4 == 0,
             "model.channels must be a positive multiple of 4 (FAN's block "
             "splits it 1/2, 1/4, 1/4)")
    _require(self.hourglass_depth >= 1, "model.hourglass_depth must be >= 1")
    _require(self.coattention_gamma >= 0, "model.coattention_gamma must be "
             ">= 0")
    _require(self.attention_dims >= 1, "model.attention_dims must be >= 1")
    _require(self.head_width is None or self.head_width >= 1,
             f"model.head_width must be >= 1 or None, got {self.head_width}")


@dataclasses.dataclass
class TrackerConfig:
  """The tracker of Section 4.2 (1D) or the recurrent 2D baseline [20].

  The paper's tracker starts from a trained detector (Sec. 5.1: the detector
  inside the 300-VW tracker trains on 300-VW + 300-W). Training a tracker
  therefore needs a finished run of `detector_config` in `detector_workdir`
  (checked by `runs.common.check_detector_run`), unless `from_scratch`.

  Attributes:
    enabled: train / evaluate a tracker instead of a detector.
    fusion_lambda: lambda of eq. 13 (paper: 0.3); 0 is Table 2's ablation.
    detector_config: name of the registered detector config the tracker
      starts from (same head, L, landmark set, crop size and model sizes).
    detector_workdir: workdir of a finished run of `detector_config`.
    from_scratch: train without a detector run (random detector weights);
      the explicit opt-in, never the silent default.
    freeze_detector: keep the detector exactly as its run trained it:
      weights and batch-norm statistics fixed (inference-mode batch norm,
      skipped by precise BN), only CNN3 / fusion / CNN4 train.
  """

  enabled: bool = False
  fusion_lambda: float = 0.3
  detector_config: str | None = None
  detector_workdir: str | None = None
  from_scratch: bool = False
  freeze_detector: bool = False

  def validate(self):
    _require(0.0 <= self.fusion_lambda <= 1.0,
             "tracker.fusion_lambda must be in [0, 1] (eq. 13)")
    _require(not (self.from_scratch and self.detector_workdir),
             "tracker.from_scratch=true and tracker.detector_workdir="
             f"{self.detector_workdir!r} contradict each other; set one")


@dataclasses.dataclass
class TrainConfig:
  """Optimisation (Section 5.1: Adam, lr 1e-4, batch 10).

  Attributes:
    batch_size: global batch size in images, split across replicas. For
      trackers it counts frames (the paper: "a training batch contains 10
      facial images or frames"): batch_size / clip_length clips.
    learning_rate: Adam learning rate (the initial one under a schedule).
    lr_schedule: "constant" (the paper's) or "cosine": decays to 0 at
      `steps` (ours, BUILD_NOTES.md).
    steps: total training steps.
    checkpoint_every: steps between checkpoints.
    log_every: steps between progress lines and scalar summaries.
    image_summary_every: steps between example-image summaries (0: never).
    eval_every: steps between validation NRMSE summaries (0: never).
    eval_examples: examples used by that in-training validation.
    seed: seeds weights, shuffling and augmentation.
    deterministic: TF's deterministic ops, so that the same seed on the same
      machine gives bit-identical weights (the input pipeline is always a
      seeded, ordered function of the seed).
    max_checkpoints: checkpoints kept.
    steps_per_loop: training steps per `tf.function` call (`loop.train`):
      more keep an accelerator busy between host round trips; the weights
      are the same for any value.
    bn_stats_examples: training crops or frames (the stream continuing after the last
      step) whose batch statistics replace the batch-norm moving averages
      when training ends ("precise BN"; ours, BUILD_NOTES.md); 0 keeps the
      moving averages (the paper's way). A frozen detector keeps its own.
    init_from: workdir of another run whose newest checkpoint starts this
      one (fine-tuning): every weight whose name and shape match is
      restored (the backbone; the head too when N and L agree), the rest
      starts new (`runs.common.init_from`). Only a run without checkpoints
      of its own starts there; a resumed run continues from its own.
  """

  batch_size: int = 10
  learning_rate: float = 1e-4
  lr_schedule: str = "constant"
  steps: int = 100_000
  checkpoint_every: int = 1000
  log_every: int = 100
  image_summary_every: int = 1000
  eval_every: int = 5000
  eval_examples: int = 200
  seed: int = 0
  deterministic: bool = False
  max_checkpoints: int = 3
  steps_per_loop: int = 1
  bn_stats_examples: int = 0
  init_from: str | None = None

  def validate(self):
    _require(self.batch_size >= 1, "train.batch_size must be >= 1")
    _require(self.learning_rate > 0, "train.learning_rate must be > 0")
    _require(self.lr_schedule in loop.LR_SCHEDULES,
             f"train.lr_schedule must be one of {loop.LR_SCHEDULES}, got "
             f"{self.lr_schedule!r}")
    _require(self.steps >= 1, "train.steps must be >= 1")
    _require(self.checkpoint_every >= 1, "train.checkpoint_every must be >= 1")
    _require(self.log_every >= 1, "train.log_every must be >= 1")
    _require(self.image_summary_every >= 0, "train.image_summary_every >= 0")
    _require(self.eval_every >= 0, "train.eval_every must be >= 0")
    _require(self.max_checkpoints >= 1, "train.max_checkpoints must be >= 1")
    _require(self.steps_per_loop >= 1, "train.steps_per_loop must be >= 1")
    _require(self.bn_stats_examples >= 0,
             "train.bn_stats_examples must be >= 0")
    _require(self.init_from is None or bool(self.init_from.strip()),
             "train.init_from must name a workdir (or be none)")


@dataclasses.dataclass
class EvalConfig:
  """Evaluation.

  Attributes:
    decoder: "argmax" (eq. 7, the paper's), "dark" or "integral".
    thresholds: NRMSE thresholds for AUC / failure rate.
    batch_size: evaluation batch size.
    max_examples: cap per split (0: all), for quick looks.
  """

  decoder: str = "argmax"
  thresholds: tuple[float, ...] = metrics.DEFAULT_THRESHOLDS
  batch_size: int = 16
  max_examples: int = 0

  def validate(self):
    _require(self.decoder in heatmaps.DECODERS_1D,
             f"eval.decoder must be one of {heatmaps.DECODERS_1D}, got "
             f"{self.decoder!r}")
    _require(all(t > 0 for t in self.thresholds),
             "eval.thresholds must be > 0")
    _require(self.batch_size >= 1, "eval.batch_size must be >= 1")
    _require(self.max_examples >= 0, "eval.max_examples must be >= 0")


@dataclasses.dataclass
class ExperimentConfig:
  """One experiment: a row of a paper table, or a CPU-sized stand-in."""

  name: str = ""
  description: str = ""
  data: DataConfig = dataclasses.field(default_factory=DataConfig)
  model: ModelConfig = dataclasses.field(default_factory=ModelConfig)
  tracker: TrackerConfig = dataclasses.field(default_factory=TrackerConfig)
  train: TrainConfig = dataclasses.field(default_factory=TrainConfig)
  eval: EvalConfig = dataclasses.field(default_factory=EvalConfig)

  def validate(self) -> "ExperimentConfig":
    _require(bool(self.name), "config needs a name")
    for part in (self.data, self.model, self.tracker, self.train, self.eval):
      part.validate()
    if self.tracker.enabled:
      _require(self.train.batch_size % self.data.clip_length == 0,
               f"train.batch_size counts frames for trackers: it must be a "
               f"multiple of data.clip_length ({self.data.clip_length}), got "
               f"{self.train.batch_size}")
    return self

  def to_dict(self) -> dict:
    return dataclasses.asdict(self)

  def to_json(self) -> str:
    return json.dumps(self.to_dict(), indent=2, sort_keys=True)

  @classmethod
  def from_dict(cls, values: dict) -> "ExperimentConfig":
    """A config from its JSON form in this or any earlier layout."""
    return overrides.from_dict(cls, upgrade(values))


# What only evaluation, logging or file locations read: configs equal in all
# else train the same weights (Table 3's +DARK row is Table 3's run scored
# with another decoder; Talking Face rows are the 300-VW tracker's run).
_NOT_TRAINING = {"": ("name", "description", "eval"),
                 "data": ("data_dir", "manual_dir", "eval_splits",
                          "eval_dataset", "eval_subset", "normalization"),
                 "tracker": ("detector_workdir",),
                 "train": ("log_every", "image_summary_every", "eval_every",
                           "eval_examples", "checkpoint_every",
                           "max_checkpoints", "steps_per_loop")}


def training_settings(config: ExperimentConfig) -> dict:
  """The settings that decide a run's trained weights, as JSON values."""
  values = json.loads(config.to_json())
  for section, names in _NOT_TRAINING.items():
    node = values[section] if section else values
    for name in names:
      del node[name]
  return values


def differences(a: dict, b: dict) -> list[tuple[str, Any, Any]]:
  """`(path, value in a, value in b)` where two configs' JSON forms differ."""
  return list(overrides.differences(a, b))


# Earlier layouts of the JSON form, read by `from_dict` (workdirs' config.json,
# the settings benchmarks record). Layout 1, until the library moved into
# wings: `data.augment` was an on / off switch and the ranges were flat
# fields of `data` beside it; they are now the section `data.augment`
# (`AugmentParams`, None when off).
_AUGMENT_FIELDS = tuple(f.name for f in dataclasses.fields(
    augment_lib.AugmentParams))
MOVED = {f"data.{name}": f"data.augment.{name}" for name in _AUGMENT_FIELDS}


def upgrade(values: dict) -> dict:
  """A config's JSON form (whole or partial) in the current layout.

  Args:
    values: `to_dict()` output of this or an earlier layout; not modified.

  Returns:
    The same settings in the current layout; a current one unchanged.
  """
  data = values.get("data") if isinstance(values, dict) else None
  if not isinstance(data, dict):
    return values
  flat = [name for name in _AUGMENT_FIELDS if name in data]
  if not flat and not isinstance(data.get("augment"), bool):
    return values
  data = dict(data)
  enabled = data.pop("augment", True)
  ranges = {name: data.pop(name) for name in flat}
  data["augment"] = ranges if enabled else None
  return dict(values, data=data)


ConfigError = overrides.ConfigError  # every config error, whichever layer


def _require(condition: bool, message: str):
  if not condition:
    raise ConfigError(message)


def override(config: ExperimentConfig, assignments) -> ExperimentConfig:
  """Returns a copy with `section.field=value` assignments applied.

  Raises:
    ConfigError: naming the assignment, for unknown fields or bad values.
  """
  values = overrides.apply(ExperimentConfig, config.to_dict(), assignments,
                           moved=MOVED)
  return ExperimentConfig.from_dict(values).validate()
