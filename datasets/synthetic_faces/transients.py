"""Transient degradations: short events a temporal memory can repair.

The clips of `motion` degrade every frame alike (one blur, noise level, JPEG
quality and occluder drift per clip). Here a clip also gets EVENTS: runs of 1-3
consecutive frames, about a quarter of the clip's frames in all, each of one
kind, with at least one clean frame before each event (frame 0 is always
clean, so a tracker starts on a clean frame and every event has a clean frame
to repair it from). The kinds (`KINDS`; clean frames are `CLEAN`, "none"):

  * "occluder": a hand or a bar sweeps across the face over the event's
    frames (added to the clip's own occluders).
  * "noise": a sensor-noise burst, standard deviation 20-40 (0-255 units).
  * "flicker": the illumination gain is multiplied by 0.4 or 1.8.
  * "motion_blur": a head jerk: from the event's first frame on, the head is
    displaced by 4-12 pixels per event frame (at 128 px; scaled with the
    image side), so the ground truth follows the jerk exactly, and each event
    frame is blurred along the head's true per-frame displacement with a
    kernel as long as that displacement.
  * "duplicate": a camera re-sent a stale frame: the frame's IMAGE is the
    previous frame's image (for a run, the last clean frame's), while its
    ground truth stays where the head truly is at that frame. A tracker that
    trusts its memory is right to predict motion through it; one that copies
    the image's answer lags by the frames the camera froze.

Every event changes a `scene.Scene` field (occluders, noise, lighting gain,
centre, motion_blur) except "duplicate", which only the rendering sees, so
ground truth stays the exact projection of each frame's scene.

Stills (`render_face`) get the kinds that make sense for one image
(`STILL_KINDS`): an occluder across the face, a noise burst, a flicker, or a
motion blur of 4-12 pixels (at 128 px) in a random direction, each still
degraded with probability `rate`.

Everything is drawn from the example's generator AFTER the clean clip or
still is: with the same generator, `render_clip` gives `motion.render_clip`'s
clip with events added and `render_face` gives `scene.render_face`'s still,
degraded or not; the non-transient paths draw nothing more than before.
"""

from __future__ import annotations

import dataclasses
from typing import NamedTuple

import numpy as np

from landmark1d_datasets.synthetic_faces import effects
from landmark1d_datasets.synthetic_faces import motion
from landmark1d_datasets.synthetic_faces import scene as scene_lib

KINDS = ("occluder", "noise", "flicker", "motion_blur", "duplicate")
STILL_KINDS = ("occluder", "noise", "flicker", "motion_blur")
CLEAN = "none"
RATE = 0.25  # expected fraction of degraded frames (or stills)
MAX_EVENT_FRAMES = 3

_NOISE_SIGMA = (20.0, 40.0)
_FLICKER_GAINS = (0.4, 1.8)
_BLUR_PIXELS = (4.0, 12.0)  # at 128 px, as scene.sample_scene's strengths


@dataclasses.dataclass(frozen=True)
class Event:
  """A run of degraded frames.

  Attributes:
    kind: one of `KINDS`.
    start: first frame.
    length: frames, 1 to `MAX_EVENT_FRAMES`.
  """

  kind: str
  start: int
  length: int

  @property
  def frames(self) -> range:
    return range(self.start, self.start + self.length)


class TransientClip(NamedTuple):
  """A rendered clip with its events and exact per-frame ground truth.

  Attributes:
    images: `(T, H, W, 3)` uint8 RGB frames.
    landmarks: `(T, 68, 2)` float32 `(x, y)` image pixels.
    visible: `(T, 68)` bool, False for points outside the frame.
    events: `(T,)` str, each frame's event kind or `CLEAN`.
  """

  images: np.ndarray
  landmarks: np.ndarray
  visible: np.ndarray
  events: np.ndarray

  @property
  def degraded(self) -> np.ndarray:
    """`(T,)` bool: the frame is part of an event."""
    return self.events != CLEAN


class TransientFace(NamedTuple):
  """A rendered still, its degradation and exact ground truth.

  Attributes:
    image: `(H, W, 3)` uint8 RGB.
    landmarks: `(68, 2)` float32 `(x, y)` image pixels.
    visible: `(68,)` bool, False for points outside the image.
    event: one of `STILL_KINDS` or `CLEAN`.
  """

  image: np.ndarray
  landmarks: np.ndarray
  visible: np.ndarray
  event: str


def _check_rate(rate: float) -> None:
  if not 0.0 <= rate <= 1.0:
    raise ValueError(f"transient rate must be a fraction in [0, 1], got "
                     f"{rate}")


def sample_events(rng: np.random.Generator, num_frames: int,
                  rate: float = RATE) -> tuple[Event, ...]:
  """Places non-overlapping events of 1-3 frames in a clip.

  The number of degraded frames is Binomial(T, rate), split into events of
  1-3 frames; each event follows at least one clean frame, so frame 0 is
  clean and no two events touch (where T is too short for that, the last
  events are dropped). The spare clean frames are spread uniformly over the
  gaps.

  Args:
    rng: the random generator (consumed).
    num_frames: T.
    rate: expected fraction of degraded frames. Defaults to 0.25.

  Returns:
    The events in frame order, kinds uniform over `KINDS`.
  """
  _check_rate(rate)
  target = int(rng.binomial(num_frames, rate))
  lengths = []
  while sum(lengths) < target:
    lengths.append(int(rng.integers(1, MAX_EVENT_FRAMES + 1)))
  if lengths:  # the last event ends on the target (it keeps >= 1 frame)
    lengths[-1] -= sum(lengths) - target
  while lengths and sum(lengths) + len(lengths) > num_frames:
    lengths.pop()
  spare = num_frames - sum(lengths) - len(lengths)
  extra = rng.multinomial(spare, np.full(len(lengths) + 1,
                                         1.0 / (len(lengths) + 1)))
  events, start = [], 0
  for length, gap in zip(lengths, extra):
    start += 1 + int(gap)
    events.append(Event(KINDS[rng.integers(len(KINDS))], start, length))
    start += length
  return tuple(events)


def frame_events(events, num_frames: int) -> np.ndarray:
  """`(T,)` str: each frame's event kind, `CLEAN` outside events."""
  labels = np.full(num_frames, CLEAN, dtype=object)
  for event in events:
    labels[event.start:event.start + event.length] = event.kind
  return labels.astype(str)


def _sweep(rng: np.random.Generator, scene: scene_lib.Scene,
           frames: int) -> list[effects.Occluder]:
  """A hand or bar crossing the face: its position in each of `frames`.

  The path runs through the landmark box's centre, from half a box side on
  one side to half on the other; frame i of n sits at fraction (i + 0.5) / n
  of it, so a one-frame event covers the face's middle.
  """
  landmarks, _ = scene_lib.project_face(scene)
  low, high = landmarks.min(axis=0), landmarks.max(axis=0)
  middle, side = (low + high) / 2.0, float(np.mean(high - low))
  heading = rng.uniform(0.0, 2.0 * np.pi)
  along = np.array([np.cos(heading), np.sin(heading)])
  s = scene.scale
  if rng.uniform() < 0.5:
    # A hand near the camera: large, fingers leading, in the skin's colour
    # shadowed (it is out of the face's light).
    kind, angle = "hand", heading + rng.normal(0.0, 0.3)
    size = tuple(rng.uniform(1.0, 1.5, 2) * s)
    colour = np.asarray(scene.appearance.skin) * rng.uniform(0.55, 0.85, 3)
  else:
    kind, angle = "bar", heading + np.pi / 2.0  # broadside to its motion
    size = (rng.uniform(2.5, 3.5) * s, rng.uniform(0.3, 0.5) * s)
    colour = rng.uniform(0, 255, 3)
  colour = tuple(float(c) for c in np.clip(colour, 0, 255))
  size = tuple(float(v) for v in size)
  return [effects.Occluder(
      kind, tuple(float(v) for v in middle
                  + (2.0 * (i + 0.5) / frames - 1.0) * 0.5 * side * along),
      size, float(angle), colour) for i in range(frames)]


def _noise_sigma(rng: np.random.Generator) -> float:
  return float(rng.uniform(*_NOISE_SIGMA))


def _flickered(scene: scene_lib.Scene, gain: float) -> scene_lib.Scene:
  return dataclasses.replace(scene, lighting=dataclasses.replace(
      scene.lighting, gain=scene.lighting.gain * gain))


def _flicker_gain(rng: np.random.Generator) -> float:
  return _FLICKER_GAINS[rng.integers(len(_FLICKER_GAINS))]


def _jerk(rng: np.random.Generator, scenes: list[scene_lib.Scene],
          event: Event) -> None:
  """Moves the head fast over the event (and keeps it moved), in place.

  The jerk heads for the image centre within +-60 degrees, so repeated
  jerks do not carry the face out of the frame.
  """
  size = scenes[0].image_size
  step = rng.uniform(*_BLUR_PIXELS) * size / 128.0
  before = np.asarray(scenes[event.start - 1].centre)
  to_middle = (size - 1) / 2.0 - before
  heading = np.arctan2(to_middle[1], to_middle[0]) + rng.uniform(
      -np.pi / 3.0, np.pi / 3.0)
  direction = np.array([np.cos(heading), np.sin(heading)])
  for t in range(event.start, len(scenes)):
    moved = step * min(t - event.start + 1, event.length) * direction
    scenes[t] = dataclasses.replace(scenes[t], centre=tuple(
        float(v) for v in np.asarray(scenes[t].centre) + moved))
  for t in event.frames:
    velocity = np.subtract(scenes[t].centre, scenes[t - 1].centre)
    scenes[t] = dataclasses.replace(scenes[t], motion_blur=(
        float(np.linalg.norm(velocity)),
        float(np.arctan2(velocity[1], velocity[0]))))


def _check_events(events, num_frames: int) -> None:
  for event in events:
    if event.kind not in KINDS:
      raise ValueError(f"transient event kind must be one of {KINDS}, got "
                       f"{event.kind!r}")
    if event.start < 1 or event.start + event.length > num_frames:
      raise ValueError(f"transient event {event} must lie in frames 1.."
                       f"{num_frames - 1} (frame 0 has no frame before it)")


def degrade_clip(rng: np.random.Generator, scenes, events
                 ) -> list[scene_lib.Scene]:
  """Applies events to a clip's scenes (all but "duplicate", a rendering
  matter).

  Args:
    rng: the random generator (consumed: each event's parameters, in order).
    scenes: T scenes from `motion.sample_clip` (not modified).
    events: from `sample_events`; "motion_blur" and "duplicate" events need a
      frame before them.

  Returns:
    T degraded scenes.
  """
  _check_events(events, len(scenes))
  scenes = list(scenes)
  for event in events:
    if event.kind == "occluder":
      for t, occluder in zip(event.frames,
                             _sweep(rng, scenes[event.start], event.length)):
        scenes[t] = dataclasses.replace(
            scenes[t], occluders=scenes[t].occluders + (occluder,))
    elif event.kind == "noise":
      sigma = _noise_sigma(rng)
      for t in event.frames:
        scenes[t] = dataclasses.replace(scenes[t], noise=sigma)
    elif event.kind == "flicker":
      gain = _flicker_gain(rng)
      for t in event.frames:
        scenes[t] = _flickered(scenes[t], gain)
    elif event.kind == "motion_blur":
      _jerk(rng, scenes, event)
  return scenes


def sample_clip(source, num_frames: int = 32, image_size: int = 128,
                rate: float = RATE, **options
                ) -> tuple[list[scene_lib.Scene], tuple[Event, ...]]:
  """Draws a clip's degraded scenes and its events (what `render_clip`
  renders).

  Args:
    source: an int seed or a `np.random.Generator` (consumed: first the
      clean clip exactly as `motion.sample_clip` draws it, then the events,
      then their parameters).
    num_frames: T. Defaults to 32.
    image_size: frame side in pixels. Defaults to 128.
    rate: expected fraction of degraded frames. Defaults to 0.25.
    **options: keyword arguments of `scene.sample_scene`.

  Returns:
    T scenes (the true ones for "duplicate" frames) and the events.
  """
  rng = np.random.default_rng(source)
  scenes = motion.sample_clip(rng, num_frames, image_size, **options)
  events = sample_events(rng, num_frames, rate)
  return degrade_clip(rng, scenes, events), events


def render_clip(source, num_frames: int = 32, image_size: int = 128,
                rate: float = RATE, **options) -> TransientClip:
  """Renders one clip with transient events, without tfds.

  Args:
    source: an int seed or a `np.random.Generator`.
    num_frames: T. Defaults to 32.
    image_size: frame side in pixels. Defaults to 128.
    rate: expected fraction of degraded frames. Defaults to 0.25.
    **options: keyword arguments of `scene.sample_scene`.

  Returns:
    `TransientClip(images (T, H, W, 3) uint8, landmarks (T, 68, 2) float32,
    visible (T, 68) bool, events (T,) str)`.
  """
  return render_events(*sample_clip(source, num_frames, image_size, rate,
                                     **options))


def render_events(scenes, events) -> TransientClip:
  """Renders degraded scenes, repeating images where the camera froze.

  Args:
    scenes: T scenes from `sample_clip` or `degrade_clip`.
    events: the clip's events.

  Returns:
    The `TransientClip`; a "duplicate" frame's image is the frame before's
    (for a run, the last clean frame's), its ground truth its own scene's.
  """
  _check_events(events, len(scenes))
  clip = motion.render_clip(list(scenes))
  images = clip.images.copy()
  for event in events:
    if event.kind == "duplicate":
      for t in event.frames:  # in order, so a run repeats one image
        images[t] = images[t - 1]
  return TransientClip(images, clip.landmarks, clip.visible,
                       frame_events(events, len(scenes)))


def degrade_still(rng: np.random.Generator, scene: scene_lib.Scene,
                  kind: str) -> scene_lib.Scene:
  """One still's degradation of `kind` (one of `STILL_KINDS`)."""
  if kind == "occluder":
    return dataclasses.replace(
        scene, occluders=scene.occluders + tuple(_sweep(rng, scene, 1)))
  if kind == "noise":
    return dataclasses.replace(scene, noise=_noise_sigma(rng))
  if kind == "flicker":
    return _flickered(scene, _flicker_gain(rng))
  if kind == "motion_blur":
    length = rng.uniform(*_BLUR_PIXELS) * scene.image_size / 128.0
    return dataclasses.replace(scene, motion_blur=(
        float(length), float(rng.uniform(0.0, np.pi))))
  raise ValueError(f"still degradation kind must be one of {STILL_KINDS}, "
                   f"got {kind!r}")


def sample_face(source, image_size: int = 128, rate: float = RATE,
                **options) -> tuple[scene_lib.Scene, str]:
  """Draws a still's scene, degraded with probability `rate`.

  Args:
    source: an int seed or a `np.random.Generator` (consumed: first the
      clean scene exactly as `scene.sample_scene` draws it, then the
      degradation).
    image_size: image side in pixels. Defaults to 128.
    rate: probability of a degradation. Defaults to 0.25.
    **options: keyword arguments of `scene.sample_scene`.

  Returns:
    The scene and its event: `CLEAN` or a kind uniform over `STILL_KINDS`.
  """
  _check_rate(rate)
  rng = np.random.default_rng(source)
  scene = scene_lib.sample_scene(rng, image_size, **options)
  if rng.uniform() >= rate:
    return scene, CLEAN
  event = STILL_KINDS[rng.integers(len(STILL_KINDS))]
  return degrade_still(rng, scene, event), event


def render_face(source, image_size: int = 128, rate: float = RATE,
                **options) -> TransientFace:
  """Renders one still, degraded with probability `rate`, without tfds.

  Args:
    source: an int seed or a `np.random.Generator`.
    image_size: image side in pixels. Defaults to 128.
    rate: probability of a degradation. Defaults to 0.25.
    **options: keyword arguments of `scene.sample_scene`.

  Returns:
    `TransientFace(image (H, W, 3) uint8, landmarks (68, 2) float32,
    visible (68,) bool, event)`.
  """
  scene, event = sample_face(source, image_size, rate, **options)
  return TransientFace(*scene_lib.render_scene(scene), event)
