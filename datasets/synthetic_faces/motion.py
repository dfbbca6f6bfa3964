"""Synthetic video clips: smooth head motion and expression change.

A clip is one person in front of one background; per frame the head pose,
position, scale, expression, gaze, light level and occluder positions follow
smooth trajectories (sums of slow sinusoids, blinks as short Gaussian dips),
and the sensor noise is redrawn. Every frame is an ordinary `scene.Scene`, so
its ground truth is exact in the same way as a still image's.

Periods are given in frames; at 25-30 frames per second the head turns over
one to several seconds, the mouth opens and closes like speech, and a blink
lasts a few frames.
"""

from __future__ import annotations

import dataclasses
from typing import NamedTuple

import numpy as np

from landmark1d_datasets.synthetic_faces import camera
from landmark1d_datasets.synthetic_faces import effects
from landmark1d_datasets.synthetic_faces import scene as scene_lib


class Clip(NamedTuple):
  """A rendered clip and its exact per-frame ground truth.

  Attributes:
    images: `(T, H, W, 3)` uint8 RGB frames.
    landmarks: `(T, 68, 2)` float32 `(x, y)` image pixels.
    visible: `(T, 68)` bool, False for points outside the frame.
  """

  images: np.ndarray
  landmarks: np.ndarray
  visible: np.ndarray


def smooth_track(rng: np.random.Generator, num_frames: int, amplitude: float,
                 periods: tuple[float, float],
                 components: int = 3) -> np.ndarray:
  """A smooth random signal: a sum of sinusoids with random phases.

  Args:
    rng: the random generator (consumed).
    num_frames: T.
    amplitude: bound on the signal's absolute value.
    periods: range of the sinusoids' periods, in frames.
    components: number of sinusoids.

  Returns:
    `(T,)` float64 values in `[-amplitude, amplitude]`.
  """
  t = np.arange(num_frames, dtype=np.float64)[:, None]
  period = rng.uniform(*periods, components)
  phase = rng.uniform(0.0, 2.0 * np.pi, components)
  weight = rng.uniform(0.3, 1.0, components)
  weight *= amplitude / weight.sum()
  return (weight * np.sin(2.0 * np.pi * t / period + phase)).sum(axis=1)


def _squash(x: np.ndarray, low: float, high: float) -> np.ndarray:
  """Smoothly maps values into (low, high); the identity near the middle.

  Clipping a trajectory to its range would put a kink (a jump in velocity)
  wherever it hits a limit; tanh bends it smoothly instead.
  """
  middle, half = (low + high) / 2.0, (high - low) / 2.0
  return middle + half * np.tanh((x - middle) / half)


def _soft_positive(x: np.ndarray, sharpness: float = 12.0) -> np.ndarray:
  """Smooth max(x, 0): a closed mouth stays closed without a kink."""
  return np.logaddexp(0.0, sharpness * x) / sharpness


def _blinks(rng: np.random.Generator, num_frames: int) -> np.ndarray:
  """Lid closure in [0, 1] per frame: Gaussian dips about 3 frames wide."""
  t = np.arange(num_frames, dtype=np.float64)
  count = rng.poisson(num_frames / 70.0)
  closure = np.zeros(num_frames)
  for centre in rng.uniform(0, num_frames, count):
    closure = np.maximum(closure, np.exp(-0.5 * ((t - centre) / 1.2) ** 2))
  return closure


def sample_clip(rng: np.random.Generator, num_frames: int,
                image_size: int = 128, **options) -> list[scene_lib.Scene]:
  """Draws the per-frame scenes of one clip.

  Args:
    rng: the random generator (consumed).
    num_frames: T, the number of frames.
    image_size: frame side in pixels. Defaults to 128.
    **options: keyword arguments of `scene.sample_scene` for the clip's first
      draw (pose limits, clutter, illumination, blur, noise, occlusion).

  Returns:
    T scenes sharing person, background and camera.
  """
  if num_frames < 1:
    raise ValueError(f"num_frames must be >= 1, got {num_frames}")
  base = scene_lib.sample_scene(rng, image_size, **options)
  limits = {"yaw": options.get("max_yaw", scene_lib.MAX_YAW),
            "pitch": options.get("max_pitch", scene_lib.MAX_PITCH),
            "roll": options.get("max_roll", scene_lib.MAX_ROLL)}
  t = num_frames
  head = (40.0, 160.0)
  pose = {}
  for name, swing in (("yaw", 0.7), ("pitch", 0.5), ("roll", 0.4)):
    start = getattr(base.pose, name) * 0.5
    track = start + smooth_track(rng, t, swing * limits[name], head)
    pose[name] = _squash(track, -limits[name], limits[name])
  scale = base.scale * (1.0 + smooth_track(rng, t, 0.12, (60.0, 200.0)))
  centre = np.asarray(base.centre) + np.stack(
      [smooth_track(rng, t, 0.08 * image_size, head) for _ in range(2)], 1)
  # Keep the face frame's origin (mid-nose) well inside the frame.
  centre = _squash(centre, 0.2 * image_size, 0.8 * image_size)
  e = base.expression
  talking = rng.uniform() < 0.7
  mouth = _soft_positive(
      (0.15 if talking else -0.1) + smooth_track(
          rng, t, 0.4 if talking else 0.15,
          (8.0, 20.0) if talking else (40.0, 120.0)))
  smile = _squash(e.smile + smooth_track(rng, t, 0.5, (50.0, 150.0)), -1, 1)
  brows = _squash(e.brow_raise + smooth_track(rng, t, 0.5, (30.0, 120.0)),
                  -1, 1)
  eyes = _squash(max(e.left_eye_open, 0.7) + smooth_track(
      rng, t, 0.15, (30.0, 100.0)), 0.0, 1.3) * (1.0 - 0.95 * _blinks(rng, t))
  gaze = np.stack([smooth_track(rng, t, 0.4, (20.0, 80.0)),
                   smooth_track(rng, t, 0.2, (20.0, 80.0))], axis=1)
  gain = base.lighting.gain * (1.0 + smooth_track(rng, t, 0.06, head))
  if base.lighting == effects.Lighting():  # illumination off stays off
    gain[:] = 1.0
  drift = [np.stack([smooth_track(rng, t, 0.3 * base.scale, head)
                     for _ in range(2)], axis=1) for _ in base.occluders]
  noise_seeds = rng.integers(2**31, size=t)
  frames = []
  for i in range(t):
    occluders = tuple(
        dataclasses.replace(o, centre=tuple(float(v) for v in
                                            np.asarray(o.centre) + d[i]))
        for o, d in zip(base.occluders, drift))
    frames.append(dataclasses.replace(
        base,
        pose=camera.Pose(float(pose["yaw"][i]), float(pose["pitch"][i]),
                             float(pose["roll"][i])),
        centre=(float(centre[i, 0]), float(centre[i, 1])),
        scale=float(scale[i]),
        expression=dataclasses.replace(
            e, mouth_open=float(mouth[i]), smile=float(smile[i]),
            brow_raise=float(brows[i]), right_eye_open=float(eyes[i]),
            left_eye_open=float(eyes[i])),
        appearance=dataclasses.replace(
            base.appearance, gaze=(float(gaze[i, 0]), float(gaze[i, 1]))),
        lighting=dataclasses.replace(base.lighting, gain=float(gain[i])),
        occluders=occluders,
        noise_seed=int(noise_seeds[i])))
  return frames


def render_clip(source, num_frames: int = 32, image_size: int = 128,
                **options) -> Clip:
  """Renders one synthetic clip without tfds.

  Args:
    source: an int seed, a `np.random.Generator`, or a list of scenes from
      `sample_clip` (rendered as given).
    num_frames: T when sampling. Defaults to 32.
    image_size: frame side in pixels when sampling. Defaults to 128.
    **options: keyword arguments of `scene.sample_scene`.

  Returns:
    `Clip(images (T, H, W, 3) uint8, landmarks (T, 68, 2) float32,
    visible (T, 68) bool)`.
  """
  if isinstance(source, (int, np.integer)):
    source = np.random.default_rng(int(source))
  if isinstance(source, np.random.Generator):
    scenes = sample_clip(source, num_frames, image_size, **options)
  elif isinstance(source, (list, tuple)) and source and all(
      isinstance(s, scene_lib.Scene) for s in source):
    scenes = list(source)
  else:
    raise ValueError(f"render_clip source must be an int seed, a "
                     f"np.random.Generator or a list of Scenes, got "
                     f"{type(source)}")
  backgrounds = {}
  frames = []
  for s in scenes:
    key = (s.image_size, s.background_seed, s.clutter)
    if key not in backgrounds:
      backgrounds[key] = effects.draw_background(*key)
    frames.append(scene_lib.render_scene(s, backgrounds[key]))
  return Clip(np.stack([f.image for f in frames]),
              np.stack([f.landmarks for f in frames]),
              np.stack([f.visible for f in frames]))
