"""tfds builder `synthetic_faces`: procedural 68-point faces and clips.

Configs (see README.md beside this file for the conventions), train /
validation / test:
  * `images` (default): 128 px stills, 800 / 200 / 200.
  * `video`: 128 px clips of 32 frames, 16 / 4 / 6 clips.
  * `images_20k`: 128 px stills, 20 000 / 1 000 / 1 000 (the accuracy
    benchmark, bench/accuracy_synthetic.py).
  * `video_200`: 128 px clips of 32 frames, 200 / 20 / 40 clips (its trackers).
  * `images_large`: 128 px stills, 50 000 / 2 000 / 2 000 (CPU training).
  * `images_256`: 256 px stills, 30 000 / 2 000 / 2 000.
  * `video_256`: 256 px clips of 64 frames, 300 / 30 / 60 clips.
  * `video_transient`: `video_200` with transient events (`transients.py`):
    128 px clips of 32 frames, 200 / 20 / 40 clips, about a quarter of the
    frames degraded by events of 1-3 frames ("occluder", "noise",
    "flicker", "motion_blur", "duplicate").
  * `images_transient`: `images_20k` with about a quarter of the stills
    degraded ("occluder", "noise", "flicker", "motion_blur"), 128 px,
    20 000 / 1 000 / 1 000.
  * `mini`, `mini_video`, `mini_transient`, `mini_video_transient`: 64 px,
    seconds to build (tests).

Transient configs add two features per example: `degraded` (bool) and
`event` (the frame's or still's event kind, "none" when clean).

The validation split is for in-training validation and model selection (step
counts, hyper-parameters); the test split only scores final models.

Every example is a deterministic function of the config: example i of a split
is drawn from `np.random.default_rng([seed, kind, split, i])` (kind 0 for
stills and 1 for clips, split 0 for train, 1 for test and 2 for validation),
so no two splits share a seed and a rebuild writes identical examples (PNG
bytes and arrays; the TFRecord files may differ only in the order in which
protobuf serialises each example's feature map). Adding the validation split
(1.1.0) left every train and test example as it was; the transient configs
(1.2.0) left every example of the other configs as it was. A transient
example draws its clean clip or still from the same generator first, exactly
as the config without transients would, then its events: clip c of
`video_transient` is clip c of `video_200` with events added (a
"motion_blur" jerk also displaces the head from its event on).
"""

from __future__ import annotations

import dataclasses

import cv2
import numpy as np
import tensorflow_datasets as tfds

from landmark1d.geometry import landmark_sets
from landmark1d_datasets.synthetic_faces import motion
from landmark1d_datasets.synthetic_faces import scene
from landmark1d_datasets.synthetic_faces import transients

# Split codes seed the examples; new splits take new codes so that existing
# splits keep their examples.
_SPLIT_CODES = {"train": 0, "test": 1, "validation": 2}
_KIND_STILLS, _KIND_CLIPS = 0, 1


@dataclasses.dataclass
class SyntheticFacesConfig(tfds.core.BuilderConfig):
  """A synthetic_faces variant.

  Attributes:
    image_size: image side in pixels.
    train_size: training stills, or clips when `frames_per_clip` > 0.
    test_size: test stills, or clips.
    validation_size: validation stills, or clips.
    frames_per_clip: frames per clip; 0 makes a still-image config.
    seed: base seed of every random choice.
    occlusion: probability of occluders over a face (or clip).
    transient_rate: expected fraction of frames (or stills) degraded by
      transient events (`transients.py`); 0 (default) draws none and adds no
      features.
  """

  image_size: int = 128
  train_size: int = 800
  test_size: int = 200
  validation_size: int = 200
  frames_per_clip: int = 0
  seed: int = 0
  occlusion: float = 0.3
  transient_rate: float = 0.0

  def __post_init__(self):
    if self.image_size < 32:
      raise ValueError(f"synthetic_faces/{self.name}: image_size must be >= "
                       f"32 pixels, got {self.image_size}")
    for field in ("train_size", "test_size", "validation_size"):
      if getattr(self, field) < 1:
        raise ValueError(f"synthetic_faces/{self.name}: {field} must be >= 1,"
                         f" got {getattr(self, field)}")
    if self.frames_per_clip < 0:
      raise ValueError(f"synthetic_faces/{self.name}: frames_per_clip must be"
                       f" >= 0, got {self.frames_per_clip}")
    if not 0.0 <= self.occlusion <= 1.0:
      raise ValueError(f"synthetic_faces/{self.name}: occlusion must be in "
                       f"[0, 1], got {self.occlusion}")
    if not 0.0 <= self.transient_rate <= 1.0:
      raise ValueError(f"synthetic_faces/{self.name}: transient_rate must be "
                       f"in [0, 1], got {self.transient_rate}")

  @property
  def is_video(self) -> bool:
    return self.frames_per_clip > 0

  @property
  def is_transient(self) -> bool:
    return self.transient_rate > 0


def tight_box(landmarks: np.ndarray, visible: np.ndarray) -> np.ndarray:
  """`(x_min, y_min, x_max, y_max)` float32 of the visible landmarks."""
  points = landmarks[visible]
  if len(points) == 0:
    raise ValueError("synthetic_faces: a face has no landmark inside the "
                     "image, so it has no box")
  return np.concatenate([points.min(axis=0), points.max(axis=0)]).astype(
      np.float32)


SPLITS = tuple(_SPLIT_CODES)
LANDMARK_SET = "ibug68"


def _rng(config: SyntheticFacesConfig, kind: int, split: str,
         index: int) -> np.random.Generator:
  return np.random.default_rng([config.seed, kind, _SPLIT_CODES[split],
                                index])


def still_scene(config: SyntheticFacesConfig, split: str,
                index: int) -> scene.Scene:
  """The scene of still `index` of `split` in a still config without
  transients: `scene.render_scene` of it is that example's image and
  landmarks, and a changed copy (a face moved out of the image, say) is the
  same picture without it (bench/confidence_separation.py)."""
  if config.is_video or config.is_transient:
    raise ValueError(f"synthetic_faces/{config.name}: still_scene needs a "
                     "still config without transients")
  return scene.sample_scene(_rng(config, _KIND_STILLS, split, index),
                            config.image_size, occlusion=config.occlusion)


class Builder(tfds.core.GeneratorBasedBuilder):
  """Procedurally rendered faces with exact 68-point ground truth."""

  VERSION = tfds.core.Version("1.2.0")
  RELEASE_NOTES = {
      "1.0.0": "Stills and clips with the iBUG 68-point layout.",
      "1.1.0": "A validation split in every config (train and test examples "
               "unchanged); configs images_20k and video_200.",
      "1.2.0": "Configs with transient degradation events (video_transient, "
               "images_transient, mini_video_transient, mini_transient) and "
               "their features degraded and event; the existing configs' "
               "examples are unchanged.",
  }
  BUILDER_CONFIGS = [
      SyntheticFacesConfig(
          name="images", description="128 px stills, 800 train / 200 "
          "validation / 200 test."),
      SyntheticFacesConfig(
          name="video", train_size=16, validation_size=4, test_size=6,
          frames_per_clip=32, description="128 px clips of 32 frames, 16 "
          "train / 4 validation / 6 test."),
      # Sized for bench/accuracy_synthetic.py: ~50 000 crops seen per run
      # are ~2.5 passes over the training set, so runs do not overfit it.
      SyntheticFacesConfig(
          name="images_20k", train_size=20_000, validation_size=1_000,
          test_size=1_000, description="128 px stills, 20 000 train / 1 000 "
          "validation / 1 000 test."),
      SyntheticFacesConfig(
          name="video_200", train_size=200, validation_size=20, test_size=40,
          frames_per_clip=32, description="128 px clips of 32 frames, 200 "
          "train / 20 validation / 40 test."),
      SyntheticFacesConfig(
          name="images_large", train_size=50_000, validation_size=2_000,
          test_size=2_000, description="128 px stills, 50 000 train / 2 000 "
          "validation / 2 000 test."),
      SyntheticFacesConfig(
          name="images_256", image_size=256, train_size=30_000,
          validation_size=2_000, test_size=2_000,
          description="256 px stills, 30 000 train / 2 000 validation / "
          "2 000 test."),
      SyntheticFacesConfig(
          name="video_256", image_size=256, train_size=300,
          validation_size=30, test_size=60, frames_per_clip=64,
          description="256 px clips of 64 frames, 300 train / 30 validation "
          "/ 60 test."),
      # Seconds to build: tests and dry runs of whole experiments.
      SyntheticFacesConfig(
          name="mini", image_size=64, train_size=48, validation_size=16,
          test_size=16, description="64 px stills, 48 train / 16 validation "
          "/ 16 test (tests)."),
      SyntheticFacesConfig(
          name="mini_video", image_size=64, train_size=4, validation_size=1,
          test_size=2, frames_per_clip=8, description="64 px clips of 8 "
          "frames, 4 train / 1 validation / 2 test (tests)."),
      # Something for a temporal memory to repair: video_200's and
      # images_20k's examples with transient events (transients.py).
      SyntheticFacesConfig(
          name="video_transient", train_size=200, validation_size=20,
          test_size=40, frames_per_clip=32, transient_rate=transients.RATE,
          description="video_200 with transient events on about a quarter "
          "of the frames: 128 px clips of 32 frames, 200 train / 20 "
          "validation / 40 test."),
      SyntheticFacesConfig(
          name="images_transient", train_size=20_000, validation_size=1_000,
          test_size=1_000, transient_rate=transients.RATE,
          description="images_20k with about a quarter of the stills "
          "degraded: 128 px, 20 000 train / 1 000 validation / 1 000 test."),
      SyntheticFacesConfig(
          name="mini_transient", image_size=64, train_size=48,
          validation_size=16, test_size=16, transient_rate=transients.RATE,
          description="mini with about a quarter of the stills degraded "
          "(tests)."),
      SyntheticFacesConfig(
          name="mini_video_transient", image_size=64, train_size=4,
          validation_size=1, test_size=2, frames_per_clip=8,
          transient_rate=transients.RATE, description="mini_video with "
          "transient events on about a quarter of the frames (tests)."),
  ]

  def _info(self) -> tfds.core.DatasetInfo:
    n = landmark_sets.IBUG68.num_points
    features = {
        "image": tfds.features.Image(shape=(None, None, 3),
                                     encoding_format="png"),
        "landmarks": tfds.features.Tensor(shape=(n, 2), dtype=np.float32),
        "visible": tfds.features.Tensor(shape=(n,), dtype=np.bool_),
        "box": tfds.features.Tensor(shape=(4,), dtype=np.float32),
        "image_id": tfds.features.Text(),
    }
    if self.builder_config.is_video:
      features["video_id"] = tfds.features.Text()
      features["frame_index"] = tfds.features.Scalar(dtype=np.int32)
    if self.builder_config.is_transient:
      features["degraded"] = tfds.features.Scalar(dtype=np.bool_)
      features["event"] = tfds.features.Text()
    return self.dataset_info_from_configs(
        features=tfds.features.FeaturesDict(features),
        supervised_keys=None,
        # Clips must stay in frame order; stills are i.i.d., so their order
        # (index order) does not matter and one setting serves both.
        disable_shuffling=True,
    )

  def _split_generators(self, dl_manager: tfds.download.DownloadManager):
    del dl_manager  # nothing to download
    return {split: self._generate_examples(split) for split in _SPLIT_CODES}

  def _generate_examples(self, split: str):
    config = self.builder_config
    size = getattr(config, f"{split}_size")
    options = {"occlusion": config.occlusion}
    if not config.is_video:
      for i in range(size):
        image_id = f"{split}/{i:06d}.png"
        if not config.is_transient:
          face = scene.render_scene(still_scene(config, split, i))
          yield i, _example(face.image, face.landmarks, face.visible,
                            image_id)
          continue
        rng = _rng(config, _KIND_STILLS, split, i)
        face = transients.render_face(rng, config.image_size,
                                      config.transient_rate, **options)
        example = _example(face.image, face.landmarks, face.visible, image_id)
        yield i, {**example, **_event(face.event)}
      return
    frames = config.frames_per_clip
    for c in range(size):
      rng = _rng(config, _KIND_CLIPS, split, c)
      if config.is_transient:
        clip = transients.render_clip(rng, frames, config.image_size,
                                      config.transient_rate, **options)
      else:
        clip = motion.render_clip(rng, frames, config.image_size, **options)
      video_id = f"{split}/clip_{c:05d}"
      for t in range(frames):
        example = _example(clip.images[t], clip.landmarks[t], clip.visible[t],
                           f"{video_id}/{t:04d}.png")
        example.update(video_id=video_id, frame_index=np.int32(t))
        if config.is_transient:
          example.update(_event(clip.events[t]))
        # Integer keys in (clip, frame) order: tfds writes unshuffled
        # examples sorted by key.
        yield c * frames + t, example


def _event(kind: str) -> dict:
  """A transient config's extra features of one frame or still."""
  return {"degraded": kind != transients.CLEAN, "event": str(kind)}


def _example(image, landmarks, visible, image_id: str) -> dict:
  # OpenCV's PNG encoder is several times faster than the TF op tfds would
  # use; PNG is lossless, so the decoded pixels are the rendered ones.
  ok, png = cv2.imencode(".png", cv2.cvtColor(image, cv2.COLOR_RGB2BGR))
  if not ok:
    raise ValueError(f"synthetic_faces: could not PNG-encode {image_id}")
  return {"image": png.tobytes(), "landmarks": landmarks, "visible": visible,
          "box": tight_box(landmarks, visible), "image_id": image_id}
