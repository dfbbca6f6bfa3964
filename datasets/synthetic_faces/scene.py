"""One synthetic face image: sampling a scene and rendering it.

A `Scene` holds every random choice behind one image (person, expression,
pose, placement, colours, background, light, occluders, blur, noise), so an
image is a pure function of its scene and a scene a pure function of its
random generator: `render_face(seed)` is deterministic.

Rendering order: background (gradient and clutter, OpenCV) -> the head
(`render.draw_face`, exact coverage) -> occluders -> light -> blur -> noise ->
JPEG round trip -> uint8. The landmarks are the projected 3D points
(`camera.project`), float32 in the pixel convention of
`landmark1d.geometry.coordinates`. An occluded point stays annotated and visible, as in
300-W; `visible` is False only for points outside the image.
"""

from __future__ import annotations

import dataclasses
from typing import NamedTuple

import cv2
import numpy as np

from landmark1d_datasets.synthetic_faces import camera
from landmark1d_datasets.synthetic_faces import effects
from landmark1d_datasets.synthetic_faces import face_model
from landmark1d_datasets.synthetic_faces import render

# Default pose limits in degrees.
MAX_YAW = 40.0
MAX_PITCH = 20.0
MAX_ROLL = 25.0


@dataclasses.dataclass(frozen=True)
class Scene:
  """Everything that determines one rendered image.

  Attributes:
    image_size: side of the square image in pixels.
    identity: the person's proportions.
    expression: the expression.
    pose: head rotation.
    centre: `(x, y)` image position of the face frame's origin.
    scale: pixels per face unit.
    camera_distance: pinhole distance in face units (perspective strength).
    appearance: colours and styles.
    background_seed: seeds the background drawing.
    clutter: draw shapes and text into the background.
    lighting: illumination.
    occluders: shapes drawn over the face.
    blur: Gaussian blur sigma in pixels (0: none).
    motion_blur: `(length, angle)` of a linear motion blur (length 0: none).
    noise: sensor noise standard deviation, 0-255 units.
    noise_seed: seeds the noise.
    jpeg_quality: JPEG round-trip quality, 0 for none.
  """

  image_size: int
  identity: face_model.Identity
  expression: face_model.Expression
  pose: camera.Pose
  centre: tuple[float, float]
  scale: float
  camera_distance: float
  appearance: render.Appearance
  background_seed: int
  clutter: bool = True
  lighting: effects.Lighting = effects.Lighting()
  occluders: tuple[effects.Occluder, ...] = ()
  blur: float = 0.0
  motion_blur: tuple[float, float] = (0.0, 0.0)
  noise: float = 0.0
  noise_seed: int = 0
  jpeg_quality: int = 0


class Rendered(NamedTuple):
  """A rendered image and its exact ground truth.

  Attributes:
    image: `(H, W, 3)` uint8 RGB.
    landmarks: `(68, 2)` float32 `(x, y)` image pixels, iBUG order.
    visible: `(68,)` bool, False for points outside the image.
  """

  image: np.ndarray
  landmarks: np.ndarray
  visible: np.ndarray


def project_face(scene: Scene) -> tuple[np.ndarray, dict[str, np.ndarray]]:
  """Projected landmarks `(68, 2)` and guide curves of a scene's face."""
  points, guides = camera.head(scene.identity, scene.expression, scene.pose)
  project = lambda p: camera.project(p, scene.pose, scene.centre,
                                     scene.scale, scene.camera_distance)
  return project(points), {k: project(v) for k, v in guides.items()}


def visibility(landmarks: np.ndarray, image_size: int) -> np.ndarray:
  """True for points inside the image, `[-0.5, size - 0.5]` on both axes."""
  inside = (landmarks >= -0.5) & (landmarks <= image_size - 0.5)
  return inside.all(axis=-1)


def _truncated(rng: np.random.Generator, limit: float, spread: float) -> float:
  """Normal with standard deviation `spread * limit`, redrawn until inside."""
  while True:
    value = rng.normal(0.0, spread * limit)
    if abs(value) <= limit:
      return float(value)


def sample_pose(rng: np.random.Generator, max_yaw: float, max_pitch: float,
                max_roll: float) -> camera.Pose:
  """Head pose concentrated on frontal views, truncated at the limits."""
  return camera.Pose(yaw=_truncated(rng, max_yaw, 0.5),
                     pitch=_truncated(rng, max_pitch, 0.45),
                     roll=_truncated(rng, max_roll, 0.4))


def place_face(rng: np.random.Generator, identity, expression, pose,
               image_size: int, camera_distance: float,
               face_size: tuple[float, float], context: float = 1.4):
  """Picks the face scale and position in the image.

  Args:
    rng: the random generator (consumed).
    identity: the person's proportions.
    expression: the expression.
    pose: the head pose.
    image_size: image side in pixels.
    camera_distance: pinhole distance in face units.
    face_size: range of the landmark box's mean side, `(width + height) / 2`,
      as a fraction of the image side.
    context: side of a square crop window around the box, in box sides.
      Defaults to 1.4.

  Returns:
    `(centre, scale)` for `Scene`: the box side is drawn from `face_size`,
    and the box centre is placed at random where the crop window still fits
    in the image (or at the image centre if the window is larger).
  """
  side = rng.uniform(*face_size) * image_size
  points, _ = camera.head(identity, expression, pose)
  # The projection is linear in the scale, so project once at scale 1.
  unit = camera.project(points, pose, (0.0, 0.0), 1.0, camera_distance)
  low, high = unit.min(axis=0), unit.max(axis=0)
  scale = side / float(np.mean(high - low))
  slack = max(0.0, (image_size - context * side) / 2.0)
  target = (image_size - 1) / 2.0 + rng.uniform(-slack, slack, 2)
  centre = target - scale * (low + high) / 2.0
  return (float(centre[0]), float(centre[1])), float(scale)


def sample_scene(rng: np.random.Generator, image_size: int = 128, *,
                 max_yaw: float = MAX_YAW, max_pitch: float = MAX_PITCH,
                 max_roll: float = MAX_ROLL,
                 face_size: tuple[float, float] = (0.38, 0.6),
                 clutter: bool = True, illumination: bool = True,
                 blur: bool = True, noise: bool = True,
                 occlusion: float = 0.3) -> Scene:
  """Draws a random scene.

  Args:
    rng: the random generator (consumed).
    image_size: image side in pixels. Defaults to 128.
    max_yaw: yaw limit in degrees. Defaults to 40.
    max_pitch: pitch limit in degrees. Defaults to 20.
    max_roll: roll limit in degrees. Defaults to 25.
    face_size: range of the landmark box's side as a fraction of the image
      side. Defaults to (0.38, 0.6).
    clutter: shapes and text in the background; otherwise a plain gradient.
      Defaults to True.
    illumination: uneven coloured light and face shading; otherwise flat
      colours exactly as drawn. Defaults to True.
    blur: random Gaussian and motion blur. Defaults to True.
    noise: random sensor noise and JPEG compression. Defaults to True.
    occlusion: probability of one or two occluders over the face. Defaults
      to 0.3.

  Returns:
    The scene.
  """
  if image_size < 16:
    raise ValueError(f"image_size must be >= 16 pixels, got {image_size}")
  for name, limit in (("max_yaw", max_yaw), ("max_pitch", max_pitch),
                      ("max_roll", max_roll)):
    if not 0.0 <= limit <= 90.0:
      raise ValueError(f"{name} must be in [0, 90] degrees, got {limit}")
  if not 0.0 < face_size[0] <= face_size[1]:
    raise ValueError(f"face_size must be an increasing pair of positive "
                     f"fractions, got {face_size}")
  if not 0.0 <= occlusion <= 1.0:
    raise ValueError(f"occlusion must be a probability, got {occlusion}")
  identity = face_model.sample_identity(rng)
  expression = face_model.sample_expression(rng)
  pose = sample_pose(rng, max_yaw, max_pitch, max_roll)
  appearance = render.sample_appearance(rng)
  camera_distance = float(rng.uniform(6.0, 14.0))
  centre, scale = place_face(rng, identity, expression, pose, image_size,
                             camera_distance, face_size)
  scene = Scene(image_size=image_size, identity=identity,
                expression=expression, pose=pose, centre=centre, scale=scale,
                camera_distance=camera_distance, appearance=appearance,
                background_seed=int(rng.integers(2**31)), clutter=clutter)
  pixel = image_size / 128.0  # corruption strengths are set for 128 px
  changes = {"noise_seed": int(rng.integers(2**31))}
  if illumination:
    changes["lighting"] = effects.sample_lighting(rng)
  if occlusion and rng.uniform() < occlusion:
    landmarks, _ = project_face(scene)
    count = 1 + int(rng.uniform() < 0.3)
    changes["occluders"] = tuple(
        effects.sample_occluder(rng, landmarks, scale, appearance.skin)
        for _ in range(count))
  if blur:
    if rng.uniform() < 0.5:
      changes["blur"] = float(rng.uniform(0.3, 1.3) * pixel)
    if rng.uniform() < 0.15:
      changes["motion_blur"] = (float(rng.uniform(2.0, 6.0) * pixel),
                                float(rng.uniform(0, np.pi)))
  if noise:
    if rng.uniform() < 0.6:
      changes["noise"] = float(rng.uniform(1.0, 9.0))
    if rng.uniform() < 0.3:
      changes["jpeg_quality"] = int(rng.integers(35, 91))
  return dataclasses.replace(scene, **changes)


def render_scene(scene: Scene, background: np.ndarray | None = None
                ) -> Rendered:
  """Renders a scene.

  Args:
    scene: what to draw.
    background: optional precomputed `effects.draw_background(...)` for
      this scene
      (video clips reuse one); it is copied, not modified.

  Returns:
    The image with its landmarks and visibility.
  """
  size = scene.image_size
  landmarks, guides = project_face(scene)
  if background is None:
    background = effects.draw_background(size, scene.background_seed,
                                        scene.clutter)
  canvas = background.copy()
  face = render.draw_face(canvas, landmarks, guides, scene.appearance,
                          scene.scale)
  for occluder in scene.occluders:
    effects.draw_occluder(canvas, occluder)
  if scene.lighting != effects.Lighting():
    effects.apply_lighting(canvas, face, scene.lighting, scene.scale)
  if scene.blur > 0:
    canvas = cv2.GaussianBlur(canvas, (0, 0), scene.blur)
  if scene.motion_blur[0] > 0:
    canvas = cv2.filter2D(canvas, -1, effects.motion_kernel(*scene.motion_blur))
  if scene.noise > 0:
    noise_rng = np.random.default_rng(scene.noise_seed)
    canvas += noise_rng.normal(0.0, scene.noise, canvas.shape).astype(
        np.float32)
  image = np.clip(np.round(canvas), 0, 255).astype(np.uint8)
  if scene.jpeg_quality:
    _, encoded = cv2.imencode(".jpg", cv2.cvtColor(image, cv2.COLOR_RGB2BGR),
                              [cv2.IMWRITE_JPEG_QUALITY, scene.jpeg_quality])
    image = cv2.cvtColor(cv2.imdecode(encoded, cv2.IMREAD_COLOR),
                         cv2.COLOR_BGR2RGB)
  landmarks = landmarks.astype(np.float32)
  return Rendered(image, landmarks, visibility(landmarks, size))


def render_face(source, image_size: int = 128, **options) -> Rendered:
  """Renders one synthetic face without tfds.

  Args:
    source: an int seed, a `np.random.Generator`, or a `Scene`.
    image_size: image side in pixels when sampling. Defaults to 128.
    **options: keyword arguments of `sample_scene` (e.g. `clutter=False`).

  Returns:
    `Rendered(image (H, W, 3) uint8 RGB, landmarks (68, 2) float32,
    visible (68,) bool)`.
  """
  if isinstance(source, Scene):
    if options:
      raise ValueError(f"render_face got a Scene and sampling options "
                       f"{sorted(options)}; pass one or the other")
    return render_scene(source)
  if isinstance(source, (int, np.integer)):
    source = np.random.default_rng(int(source))
  if not isinstance(source, np.random.Generator):
    raise ValueError(f"render_face source must be an int seed, a "
                     f"np.random.Generator or a Scene, got {type(source)}")
  return render_scene(sample_scene(source, image_size, **options))
