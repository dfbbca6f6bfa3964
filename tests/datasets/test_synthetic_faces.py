"""synthetic_faces: determinism, landmarks on drawn features, clips, tfds."""

import dataclasses

import numpy as np
import pytest
import tensorflow_datasets as tfds

from landmark1d.geometry import landmark_sets
from landmark1d_datasets.synthetic_faces import camera
from landmark1d_datasets.synthetic_faces import effects
from landmark1d_datasets.synthetic_faces import motion
from landmark1d_datasets.synthetic_faces import raster
from landmark1d_datasets.synthetic_faces import render
from landmark1d_datasets.synthetic_faces import scene as scene_lib
from landmark1d_datasets.synthetic_faces import transients
from landmark1d_datasets.synthetic_faces import (
    synthetic_faces_dataset_builder as builder_lib)

IBUG = landmark_sets.IBUG68
# Flat colours exactly as drawn: no clutter, light, blur, noise or occluders.
PLAIN = dict(clutter=False, illumination=False, blur=False, noise=False,
             occlusion=0.0)


def _plain_scene(seed, size=256, **options):
  # Big faces, so every stroke is wider than the 1.2 px a pixel needs to be
  # fully covered at its centre's distance from the landmark; yaw limited so
  # no feature turns behind another.
  options = {**PLAIN, "face_size": (0.7, 0.8), "max_yaw": 25.0, **options}
  return scene_lib.sample_scene(np.random.default_rng(seed), size, **options)


def _pixel(image, point):
  x, y = np.round(point).astype(int)
  return image[y, x].astype(np.float64)


def _distance_to_segment(colour, a, b):
  a, b = np.asarray(a), np.asarray(b)
  t = np.clip(np.dot(colour - a, b - a) / np.dot(b - a, b - a), 0.0, 1.0)
  return np.linalg.norm(colour - (a + t * (b - a)))


def test_render_face_is_deterministic_and_seeds_differ():
  a, b, c = (scene_lib.render_face(s) for s in (11, 11, 12))
  assert a.image.dtype == np.uint8 and a.image.shape == (128, 128, 3)
  assert a.landmarks.dtype == np.float32 and a.landmarks.shape == (68, 2)
  assert a.image.tobytes() == b.image.tobytes()
  np.testing.assert_array_equal(a.landmarks, b.landmarks)
  assert np.abs(a.image.astype(int) - c.image.astype(int)).mean() > 10
  assert np.abs(a.landmarks - c.landmarks).max() > 1.0


@pytest.mark.parametrize("seed", range(12))
def test_feature_landmarks_lie_on_their_drawn_colour(seed):
  scene = _plain_scene(seed)
  image, landmarks, _ = scene_lib.render_scene(scene)
  look = scene.appearance
  for group, colour in (("eyebrows", look.brows), ("eyes", look.lashes),
                        ("nose", look.nose_line)):
    for i in IBUG.regions[group]:
      np.testing.assert_allclose(_pixel(image, landmarks[i]), colour, atol=1,
                                 err_msg=f"seed {seed} point {i}")
  # Outer and inner lip lines have two colours, blended where they meet at
  # the corners.
  for i in IBUG.regions["mouth"]:
    gap = _distance_to_segment(_pixel(image, landmarks[i]), look.lip_line,
                               look.mouth_line)
    assert gap < 1.5, f"seed {seed} point {i}"
  assert np.linalg.norm(np.subtract(look.brows, look.skin)) > 30


@pytest.mark.parametrize("seed", range(12))
def test_contour_landmarks_lie_on_the_face_edge(seed):
  scene = _plain_scene(seed)
  image, landmarks, _ = scene_lib.render_scene(scene)
  skin = np.asarray(scene.appearance.skin)
  jaw = landmarks[:17].astype(np.float64)
  for i in range(17):
    tangent = jaw[min(i + 1, 16)] - jaw[max(i - 1, 0)]
    normal = np.array([-tangent[1], tangent[0]]) / np.linalg.norm(tangent)
    if np.dot(normal, landmarks[30] - jaw[i]) > 0:
      normal = -normal  # point away from the nose tip
    inside, outside = jaw[i] - 3 * normal, jaw[i] + 3 * normal
    if not (0 <= outside.min() and outside.max() <= 255):
      continue
    np.testing.assert_allclose(_pixel(image, inside), skin, atol=1,
                               err_msg=f"seed {seed} point {i}")
    assert np.abs(_pixel(image, outside) - skin).max() > 3, (
        f"seed {seed} point {i}")


def _mirrored(scene):
  """The same person and camera seen in a mirror."""
  e, look = scene.expression, scene.appearance
  return dataclasses.replace(
      scene,
      expression=dataclasses.replace(e, right_eye_open=e.left_eye_open,
                                     left_eye_open=e.right_eye_open),
      pose=camera.Pose(-scene.pose.yaw, scene.pose.pitch,
                           -scene.pose.roll),
      centre=(scene.image_size - 1 - scene.centre[0], scene.centre[1]),
      appearance=dataclasses.replace(look, gaze=(-look.gaze[0], look.gaze[1])))


@pytest.mark.parametrize("seed", range(4))
def test_mirrored_face_is_the_flipped_image_with_flip_permuted_landmarks(seed):
  scene = _plain_scene(seed, size=128, face_size=(0.45, 0.6))
  image, landmarks, _ = scene_lib.render_scene(scene)
  mirror_image, mirror_landmarks, _ = scene_lib.render_scene(_mirrored(scene))
  flipped = np.stack([127 - landmarks[:, 0], landmarks[:, 1]], axis=1)
  np.testing.assert_allclose(mirror_landmarks,
                             flipped[list(IBUG.flip_permutation)], atol=1e-3)
  # Inside the face everything drawn is the face's (the backgrounds differ).
  projected, guides = scene_lib.project_face(scene)
  face = raster.polygon(render.face_outline(projected, guides), 128, 128)
  inside = np.zeros((128, 128), bool)
  h, w = face.alpha.shape
  inside[face.row:face.row + h, face.col:face.col + w] = face.alpha == 1.0
  inside = np.fliplr(inside)  # where the face is in the flipped image
  difference = np.abs(np.fliplr(image).astype(int) - mirror_image.astype(int))
  assert inside.sum() > 1000
  assert difference[inside].max() <= 2


def test_only_points_outside_the_image_are_invisible_even_when_occluded():
  scene = _plain_scene(0, size=128, face_size=(0.5, 0.5))
  cover = effects.Occluder("rectangle", scene.centre, (200.0, 200.0), 0.0,
                             (0.0, 0.0, 255.0))
  edge = dataclasses.replace(scene, centre=(5.0, scene.centre[1]),
                             occluders=(cover,))
  image, landmarks, visible = scene_lib.render_scene(edge)
  inside = ((landmarks >= -0.5) & (landmarks <= 127.5)).all(axis=1)
  np.testing.assert_array_equal(visible, inside)
  assert 0 < visible.sum() < 68
  # The occluder hides the whole face, yet the points inside stay visible.
  assert (image[(image[..., 2] == 255)].shape[0] > 0.5 * 128 * 128)


def test_corruptions_change_pixels_but_never_the_ground_truth():
  scene = scene_lib.sample_scene(np.random.default_rng(5), 128, **PLAIN)
  corrupted = dataclasses.replace(
      scene, lighting=effects.Lighting(0.8, (1.1, 1.0, 0.9), 1.0, 0.3, 0.3),
      blur=1.0, motion_blur=(4.0, 0.5), noise=6.0, noise_seed=3,
      jpeg_quality=40, clutter=True)
  clean, dirty = (scene_lib.render_scene(s) for s in (scene, corrupted))
  np.testing.assert_array_equal(clean.landmarks, dirty.landmarks)
  assert np.abs(clean.image.astype(int) - dirty.image.astype(int)).mean() > 5


def test_faces_vary_in_size_and_position_and_leave_room_for_a_crop():
  sides, centres = [], []
  for seed in range(40):
    scene = scene_lib.sample_scene(np.random.default_rng(seed), 128, **PLAIN)
    points, _ = scene_lib.project_face(scene)
    low, high = points.min(axis=0), points.max(axis=0)
    sides.append((high - low).mean())
    centres.append((low + high) / 2)
  sides, centres = np.array(sides) / 128, np.array(centres)
  assert 0.3 < sides.min() and sides.max() < 0.7 and np.ptp(sides) > 0.1
  assert np.std(centres, axis=0).min() > 3.0  # not always centred
  # A window of 1.4 box sides around the box fits (within 5 px) mostly.
  half_window = 0.7 * sides[:, None] * 128
  fits = (centres - half_window >= -5) & (centres + half_window <= 132)
  assert fits.all(axis=1).mean() > 0.9


def test_render_clip_is_deterministic_and_frames_are_exact_scenes():
  scenes = motion.sample_clip(np.random.default_rng(4), 5, 96)
  clip = motion.render_clip(scenes)
  again = motion.render_clip(4, 5, 96)
  assert clip.images.shape == (5, 96, 96, 3)
  assert clip.images.tobytes() == again.images.tobytes()
  for t, frame_scene in enumerate(scenes):
    single = scene_lib.render_scene(frame_scene)
    assert single.image.tobytes() == clip.images[t].tobytes()
    np.testing.assert_array_equal(single.landmarks, clip.landmarks[t])


@pytest.mark.parametrize("seed", range(3))
def test_clip_motion_is_smooth_but_moves(seed):
  scenes = motion.sample_clip(np.random.default_rng(seed), 48, 128)
  points = np.stack([scene_lib.project_face(s)[0] for s in scenes])
  interocular = np.linalg.norm(points[:, 36] - points[:, 45], axis=1).mean()
  rigid = points[:, [27, 28, 29, 30, 39, 42]]  # nose bridge, inner corners
  accel = np.abs(rigid[2:] - 2 * rigid[1:-1] + rigid[:-2]).max()
  step = np.abs(np.diff(rigid, axis=0)).max()
  assert accel < 0.02 * interocular and step < 0.1 * interocular
  # Still, the head moves and the expression changes over the clip.
  assert np.ptp(rigid[..., 0]) > 0.1 * interocular
  gaps = [np.linalg.norm(points[:, a] - points[:, b], axis=1)
          for a, b in ((66, 62), (19, 37), (37, 41))]  # lips, brow, lids
  assert max(np.ptp(g) for g in gaps) > 0.02 * interocular


def test_builder_configs_cover_stills_video_and_larger_sizes():
  configs = {c.name: c for c in builder_lib.Builder.BUILDER_CONFIGS}
  assert builder_lib.Builder.BUILDER_CONFIGS[0].name == "images"  # default
  assert configs["video"].frames_per_clip > 0
  assert not configs["images"].is_video
  assert max(c.image_size for c in configs.values()) >= 256
  assert max(c.train_size for c in configs.values()
             if not c.is_video) >= 10 * configs["images"].train_size


@pytest.mark.parametrize("field, value", [("image_size", 8), ("train_size", 0),
                                          ("validation_size", 0),
                                          ("frames_per_clip", -1),
                                          ("occlusion", 1.5),
                                          ("transient_rate", 1.5)])
def test_config_rejects_bad_values_naming_the_field(field, value):
  with pytest.raises(ValueError, match=field):
    builder_lib.SyntheticFacesConfig(name="bad", **{field: value})


def _build(tmp_path, config):
  builder = builder_lib.Builder(config=config, data_dir=str(tmp_path))
  builder.download_and_prepare()
  return builder, {split: list(tfds.as_numpy(builder.as_dataset(split=split)))
                   for split in ("train", "test", "validation")}


def test_tiny_still_build_is_deterministic_and_matches_the_renderer(tmp_path):
  config = builder_lib.SyntheticFacesConfig(
      name="tiny", image_size=64, train_size=3, test_size=2,
      validation_size=2, seed=9)
  builder, first = _build(tmp_path / "a", config)
  _, second = _build(tmp_path / "b", config)
  assert builder.info.splits["train"].num_examples == 3
  assert builder.info.splits["test"].num_examples == 2
  assert builder.info.splits["validation"].num_examples == 2
  assert set(first["train"][0]) == {"image", "landmarks", "visible", "box",
                                    "image_id"}
  # Split codes seed the examples: 1.0.0's train (0) and test (1) examples
  # are unchanged by the validation split (2).
  for split, code in (("train", 0), ("test", 1), ("validation", 2)):
    for i, (a, b) in enumerate(zip(first[split], second[split])):
      assert a["image"].tobytes() == b["image"].tobytes()
      np.testing.assert_array_equal(a["landmarks"], b["landmarks"])
      expected = scene_lib.render_face(np.random.default_rng([9, 0, code, i]),
                                       64, occlusion=0.3)
      np.testing.assert_array_equal(a["image"], expected.image)
      np.testing.assert_array_equal(a["landmarks"], expected.landmarks)
      np.testing.assert_array_equal(a["visible"], expected.visible)
      again = scene_lib.render_scene(builder_lib.still_scene(config, split, i))
      np.testing.assert_array_equal(a["image"], again.image)
      shown = expected.landmarks[expected.visible]
      np.testing.assert_array_equal(
          a["box"], np.concatenate([shown.min(0), shown.max(0)]))
      assert a["image_id"].decode() == f"{split}/{i:06d}.png"
  images = [e["image"].tobytes() for s in first for e in first[s]]
  assert len(set(images)) == 7  # no two splits share a seed


@pytest.mark.parametrize("name", ["mini_video", "mini_transient"])
def test_still_scene_refuses_clips_and_transients(name):
  with pytest.raises(ValueError, match="still config without transients"):
    builder_lib.still_scene(builder_lib.Builder.builder_configs[name], "test",
                            0)


def test_tiny_video_build_writes_exact_frames_in_order(tmp_path):
  config = builder_lib.SyntheticFacesConfig(
      name="tiny_video", image_size=64, train_size=2, test_size=1,
      validation_size=1, frames_per_clip=3, seed=2)
  builder, data = _build(tmp_path, config)
  assert builder.info.splits["train"].num_examples == 6
  assert builder.info.splits["validation"].num_examples == 3
  train = data["train"]
  order = [(e["video_id"].decode(), int(e["frame_index"])) for e in train]
  assert order == [("train/clip_00000", 0), ("train/clip_00000", 1),
                   ("train/clip_00000", 2), ("train/clip_00001", 0),
                   ("train/clip_00001", 1), ("train/clip_00001", 2)]
  clip = motion.render_clip(np.random.default_rng([2, 1, 0, 1]), 3, 64,
                            occlusion=0.3)
  for t in range(3):
    np.testing.assert_array_equal(train[3 + t]["image"], clip.images[t])
    np.testing.assert_array_equal(train[3 + t]["landmarks"],
                                  clip.landmarks[t])


def test_transient_configs_pair_the_existing_ones_and_only_they_add_events():
  configs = {c.name: c for c in builder_lib.Builder.BUILDER_CONFIGS}
  for transient, plain in (("video_transient", "video_200"),
                           ("images_transient", "images_20k"),
                           ("mini_video_transient", "mini_video"),
                           ("mini_transient", "mini")):
    assert configs[transient] == dataclasses.replace(
        configs[plain], name=transient,
        description=configs[transient].description,
        transient_rate=transients.RATE)
  assert [n for n, c in configs.items() if c.is_transient] == [
      "video_transient", "images_transient", "mini_transient",
      "mini_video_transient"]
  assert builder_lib.Builder.VERSION == "1.2.0"


def test_mini_video_transient_build_has_events_read_back_from_its_folder(
    tmp_path):
  builder = builder_lib.Builder(config="mini_video_transient",
                                data_dir=str(tmp_path))
  builder.download_and_prepare()
  reader = tfds.builder_from_directory(builder.data_dir)
  assert {"degraded", "event"} <= set(reader.info.features)
  test = list(tfds.as_numpy(reader.as_dataset(split="test")))
  assert len(test) == 2 * 8
  for c in range(2):
    clip = transients.render_clip(np.random.default_rng([0, 1, 1, c]), 8, 64,
                                  occlusion=0.3)
    frames = test[8 * c:8 * (c + 1)]
    assert [e["event"].decode() for e in frames] == list(clip.events)
    assert [bool(e["degraded"]) for e in frames] == list(clip.degraded)
    for t, example in enumerate(frames):
      np.testing.assert_array_equal(example["image"], clip.images[t])
      np.testing.assert_array_equal(example["landmarks"], clip.landmarks[t])


def test_mini_transient_build_flags_about_a_quarter_of_its_stills(tmp_path):
  builder = builder_lib.Builder(config="mini_transient",
                                data_dir=str(tmp_path))
  builder.download_and_prepare()
  reader = tfds.builder_from_directory(builder.data_dir)
  train = list(tfds.as_numpy(reader.as_dataset(split="train")))
  events = [e["event"].decode() for e in train]
  assert set(events) <= set(transients.STILL_KINDS) | {"none"}
  assert [bool(e["degraded"]) for e in train] == [e != "none" for e in events]
  assert 4 <= sum(e != "none" for e in events) <= 20  # of 48, rate 0.25
  first = transients.render_face(np.random.default_rng([0, 0, 0, 0]), 64,
                                 occlusion=0.3)
  np.testing.assert_array_equal(train[0]["image"], first.image)
  assert events[0] == first.event


@pytest.mark.parametrize("options, field", [
    (dict(image_size=8), "image_size"), (dict(max_yaw=-5.0), "max_yaw"),
    (dict(face_size=(0.6, 0.3)), "face_size"),
    (dict(occlusion=2.0), "occlusion")])
def test_bad_sampling_options_raise_value_errors_naming_them(options, field):
  with pytest.raises(ValueError, match=field):
    scene_lib.render_face(0, **options)
