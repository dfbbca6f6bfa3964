"""Pipelines: crops, flips, targets, exact resumption, clips, evaluation."""

import numpy as np
import pytest
import tensorflow as tf

from landmark1d.data import augment
from landmark1d.data import input_pipeline
from landmark1d.geometry import coordinates
from landmark1d.geometry import heatmaps
from landmark1d.geometry import landmark_sets

N = 68


def _examples(count=12, size=48, videos=None):
  """In-memory tfds-like examples: noise images, random landmarks in a box."""
  rng = np.random.default_rng(0)
  out = {
      "image": rng.integers(0, 255, (count, size, size, 3), dtype=np.uint8),
      "landmarks": rng.uniform(14, 34, (count, N, 2)).astype(np.float32),
      "visible": np.ones((count, N), bool),
      "image_id": np.array([f"img{i}" for i in range(count)]),
  }
  lo, hi = out["landmarks"].min(1), out["landmarks"].max(1)
  out["box"] = np.concatenate([lo, hi], -1).astype(np.float32)
  if videos is not None:
    out["video_id"], out["frame_index"] = videos
  return tf.data.Dataset.from_tensor_slices(out)


KW = dict(landmark_set="ibug68", crop_size=32, heatmap_length=64, sigma=1.0,
          target="1d", context=1.4, shift=0.0)


def test_eval_crop_maps_landmarks_through_the_window_and_back():
  batch = next(iter(input_pipeline.eval_dataset(_examples(), batch_size=4,
                                                **KW)))
  back = coordinates.crop_to_image(batch["landmarks"], batch["window"], 32)
  np.testing.assert_allclose(back, batch["landmarks_image"], atol=1e-3)
  hx, hy, mask = heatmaps.encode_1d(batch["landmarks"], 32, 64, 1.0)
  np.testing.assert_allclose(batch["hx"], hx, atol=1e-6)
  np.testing.assert_allclose(batch["mask"], mask)


def test_eval_image_is_the_window_resampled():
  ex = next(iter(_examples(1)))
  batch = next(iter(input_pipeline.eval_dataset(_examples(1), batch_size=1,
                                                **KW)))
  cx, cy, side = batch["window"][0].numpy()
  # Crop pixel (u, v) shows image point crop_to_image((u, v)).
  u = np.array([[5.0, 20.0]], np.float32)
  x, y = coordinates.crop_to_image(u, batch["window"][0], 32).numpy()[0]
  image = ex["image"].numpy().astype(np.float32) / 255
  x0, y0 = int(np.floor(x)), int(np.floor(y))
  fx, fy = x - x0, y - y0
  want = ((1 - fx) * (1 - fy) * image[y0, x0] + fx * (1 - fy) * image[y0, x0 + 1]
          + (1 - fx) * fy * image[y0 + 1, x0] + fx * fy * image[y0 + 1, x0 + 1])
  np.testing.assert_allclose(batch["image"][0, 20, 5], want, atol=1e-4)
  assert side > 0 and cx > 0 and cy > 0


def test_resumed_stream_replays_exactly_the_same_batches():
  params = augment.AugmentParams()
  kw = dict(KW, batch_size=4, augment=params, seed=11, shuffle_buffer=8)
  whole = list(input_pipeline.training_dataset(
      _examples(), first_example=0, **kw).take(5).as_numpy_iterator())
  resumed = list(input_pipeline.training_dataset(
      _examples(), first_example=3 * 4, **kw).take(2).as_numpy_iterator())
  for a, b in zip(whole[3:], resumed):
    for key in ("image", "landmarks", "hx", "image_id"):
      np.testing.assert_array_equal(a[key], b[key])


def test_flip_swaps_left_and_right_points():
  params = augment.AugmentParams(rotation=0, scale=0, translate=0, flip=True,
                                 color=False, occlusion=0)
  ex = next(iter(_examples(1)))
  perm = landmark_sets.IBUG68.flip_permutation
  plain = input_pipeline.crop_example(ex, permutation=perm, crop_size=32,
                                      context=1.4, shift=0.0)
  flips = 0
  for s in range(8):
    out = input_pipeline.crop_example(
        ex, permutation=perm, crop_size=32, context=1.4, shift=0.0,
        augment=params, seed=tf.constant([s, 0], tf.int64))
    if np.allclose(out["landmarks"], plain["landmarks"], atol=1e-4):
      continue
    flips += 1
    mirrored = plain["landmarks"].numpy()[list(perm)]
    mirrored[:, 0] = 31 - mirrored[:, 0]
    np.testing.assert_allclose(out["landmarks"], mirrored, atol=1e-3)
    np.testing.assert_allclose(out["image"], plain["image"][:, ::-1],
                               atol=1e-5)
  assert 0 < flips < 8


def test_clips_stay_inside_one_video_without_gaps():
  video_ids = np.array(["a"] * 5 + ["b"] * 4)
  frames = np.array([0, 1, 2, 3, 4, 0, 1, 3, 4], np.int32)  # b misses frame 2
  clips = input_pipeline.consecutive_clips(
      _examples(9, videos=(video_ids, frames)), 2, stride=1)
  got = [(c["video_id"][0].decode(), list(c["frame_index"]))
         for c in clips.as_numpy_iterator()]
  assert got == [("a", [0, 1]), ("a", [1, 2]), ("a", [2, 3]), ("a", [3, 4]),
                 ("b", [0, 1]), ("b", [3, 4])]


def test_degraded_and_event_flags_reach_eval_batches_and_clips():
  degraded = np.array([False, True, False, True])
  events = np.array(["none", "noise", "none", "occluder"])
  videos = (np.array(["a"] * 4), np.arange(4, dtype=np.int32))
  flags = tf.data.Dataset.from_tensor_slices((degraded, events))
  records = tf.data.Dataset.zip(_examples(4, videos=videos), flags).map(
      lambda example, flag: dict(example, degraded=flag[0], event=flag[1]))
  batch = next(iter(input_pipeline.eval_dataset(records, batch_size=4, **KW)))
  np.testing.assert_array_equal(batch["degraded"], degraded)
  assert [e.decode() for e in batch["event"].numpy()] == list(events)
  clips = next(iter(input_pipeline.eval_dataset(records, batch_size=2,
                                                clip_length=2, **KW)))
  np.testing.assert_array_equal(clips["degraded"], degraded.reshape(2, 2))
  plain = next(iter(input_pipeline.eval_dataset(_examples(2, videos=(
      videos[0][:2], videos[1][:2])), batch_size=2, **KW)))
  assert "degraded" not in plain and "event" not in plain


def _identical_frames(count: int) -> tf.data.Dataset:
  """`count` frames of one video, each the same image, landmarks and box."""
  ds = _examples(count, videos=(np.array(["a"] * count),
                                np.arange(count, dtype=np.int32)))
  return ds.map(lambda e: dict(e, image=tf.zeros_like(e["image"]) + 128,
                               landmarks=tf.zeros_like(e["landmarks"]) + 20.0,
                               box=tf.constant([14.0, 14.0, 34.0, 34.0])))


def test_clip_batches_share_one_augmentation_per_clip():
  # Every frame the same: one augmentation per clip then means identical
  # frames inside a clip.
  ds = _identical_frames(6)
  batch = next(iter(input_pipeline.training_dataset(
      ds, batch_size=2, augment=augment.AugmentParams(occlusion=0), seed=1,
      clip_length=3, shuffle_buffer=2, **KW)))
  assert batch["image"].shape == (2, 3, 32, 32, 3)
  assert batch["hx"].shape == (2, 3, N, 64)
  for b in range(2):
    np.testing.assert_allclose(batch["landmarks"][b, 0],
                               batch["landmarks"][b, 2], atol=1e-5)


def test_per_frame_occlusion_moves_the_occluder_but_not_the_crop():
  # Identical frames: within a clip, only a per-frame draw can differ.
  ds = _identical_frames(6)

  def first_batch(**params):
    return next(iter(input_pipeline.training_dataset(
        ds, batch_size=2, augment=augment.AugmentParams(**params), seed=1,
        clip_length=3, shuffle_buffer=2, **KW)))

  clean = first_batch(occlusion=0.0)  # the same warp and colour, no occluder
  per_clip = first_batch(occlusion=1.0)
  per_frame = first_batch(occlusion=1.0, occlusion_per_frame=True)
  for batch in (per_clip, per_frame):
    np.testing.assert_array_equal(batch["landmarks"], clean["landmarks"])
  # Where each frame differs from the clean crop: its occluder.
  masks = np.any(per_frame["image"].numpy() != clean["image"].numpy(), -1)
  for b in range(2):
    for t in (1, 2):  # one warp per clip: the same crop landmarks
      np.testing.assert_array_equal(clean["landmarks"][b, t],
                                    clean["landmarks"][b, 0])
      # Off: every frame is the clip's first, occluder included.
      np.testing.assert_array_equal(per_clip["image"][b, t],
                                    per_clip["image"][b, 0])
    assert all(m.any() for m in masks[b])
    assert len({m.tobytes() for m in masks[b]}) == 3  # in three places


def test_unknown_target_is_rejected():
  with pytest.raises(ValueError, match="target"):
    list(input_pipeline.eval_dataset(_examples(2), batch_size=2,
                                     **dict(KW, target="3d")))


@pytest.mark.parametrize("encoding", ["jpeg", "png", "uint8"])
def test_decoding_only_the_sampled_region_equals_warping_the_whole_image(
    encoding):
  rng = np.random.default_rng(4)
  smooth = tf.image.resize(rng.uniform(0, 255, (1, 12, 14, 3)), (96, 112))
  image = tf.cast(smooth[0], tf.uint8)
  # Face boxes inside, across the border of and wholly outside the image.
  boxes = np.array([[30, 20, 70, 60], [-20, 50, 30, 110],
                    [200, 200, 240, 240]], np.float32)
  encoded = {"jpeg": lambda: tf.io.encode_jpeg(image, quality=95),
             "png": lambda: tf.io.encode_png(image),
             "uint8": lambda: image}[encoding]()
  examples = tf.data.Dataset.from_tensor_slices({
      "image": tf.stack([encoded] * 3),
      "landmarks": np.repeat(boxes[:, None, :2], N, 1),
      "visible": np.ones((3, N), bool), "box": boxes})
  batch = next(iter(input_pipeline.eval_dataset(examples, batch_size=3,
                                                **KW)))
  whole = tf.cast(tf.io.decode_image(encoded, channels=3)
                  if encoding != "uint8" else image, tf.float32) / 255
  for i in range(3):
    to_image = coordinates.crop_to_image_matrix(batch["window"][i], 32)
    expected = augment.warp(whole, to_image, 32).numpy()
    # A JPEG decoded in part may round chroma differently at block edges.
    atol = 3 / 255 if encoding == "jpeg" else 1e-5
    np.testing.assert_allclose(batch["image"][i], expected, atol=atol)
  assert np.all(batch["image"][2].numpy() == 0.0)


def test_template_boxes_follow_the_training_markup_box_rule():
  # A face in another markup (Talking Face) whose shared points are a known
  # similarity of the template's: its box is the tight box of the whole
  # template under that similarity, whatever its other points are.
  rng = np.random.default_rng(5)
  template = rng.uniform(0, 64, (N, 2))
  shared_template = (36, 39, 42, 45, 30, 48, 54)
  shared_record = (27, 29, 34, 32, 67, 48, 54)
  angle, scale, shift = -0.2, 3.0, np.array([100.0, 80.0])
  rotation = scale * np.array([[np.cos(angle), -np.sin(angle)],
                               [np.sin(angle), np.cos(angle)]])
  mapped = template @ rotation.T + shift
  record = rng.uniform(0, 400, (N, 2))
  record[list(shared_record)] = mapped[list(shared_template)]
  ds = tf.data.Dataset.from_tensors({
      "landmarks": record.astype(np.float32),
      "box": np.zeros(4, np.float32)})
  out = next(iter(input_pipeline.template_boxes(
      ds, template, shared_template, shared_record)))
  np.testing.assert_allclose(out["box"], [*mapped.min(0), *mapped.max(0)],
                             atol=2e-3)


def _ordered_videos(lengths, size=16):
  """An ordered multi-video stream (as the 300-VW builder writes it)."""
  ids = np.concatenate([[f"v{i:02d}"] * n for i, n in enumerate(lengths)])
  frames = np.concatenate([np.arange(n, dtype=np.int32) for n in lengths])
  count = len(ids)
  rng = np.random.default_rng(1)
  points = rng.uniform(4, 12, (count, N, 2)).astype(np.float32)
  return tf.data.Dataset.from_tensor_slices({
      "image": np.zeros((count, size, size, 3), np.uint8),
      "landmarks": points, "visible": np.ones((count, N), bool),
      "box": np.concatenate([points.min(1), points.max(1)], -1),
      "image_id": ids, "video_id": ids, "frame_index": frames}), ids


def _per_video(stream, ids):
  ranges = input_pipeline.video_ranges(ids)
  return ([stream.skip(a).take(b - a) for a, b in ranges],
          [b - a for a, b in ranges])


def test_video_ranges_are_the_runs_of_an_ordered_stream():
  assert input_pipeline.video_ranges([b"a", b"a", b"b", b"c", b"c"]) == [
      (0, 2), (2, 3), (3, 5)]
  with pytest.raises(ValueError, match="'a' are not contiguous"):
    input_pipeline.video_ranges(["a", "b", "a"])


def test_training_batches_mix_videos_as_uniform_sampling_does():
  # 20 videos of 30 ... 125 frames, stored in order. Drawing each frame of
  # the union with equal probability, a batch of B holds on average
  # sum_v 1 - (1 - p_v)^B distinct videos, p_v = frames of v / all frames.
  lengths = [30 + 5 * i for i in range(20)]
  stream, ids = _ordered_videos(lengths)
  sources, sizes = _per_video(stream, ids)
  batch, batches = 10, 150
  ds = input_pipeline.training_dataset(
      sources, weights=sizes, batch_size=batch, augment=None, seed=3,
      shuffle_buffer=64, **dict(KW, crop_size=8, target=None))
  distinct = np.array([len(set(b["video_id"])) for b in
                       ds.take(batches).as_numpy_iterator()])
  p = np.array(lengths) / sum(lengths)
  expected = np.sum(1.0 - (1.0 - p) ** batch)  # 7.8 of 10
  tolerance = 4 * distinct.std() / np.sqrt(batches)
  assert abs(distinct.mean() - expected) < tolerance, (distinct.mean(),
                                                       expected)
  # The frames of a video are drawn in proportion to its length.
  drawn = np.concatenate([b["video_id"] for b in
                          ds.take(batches).as_numpy_iterator()])
  share = np.array([np.mean(drawn == f"v{i:02d}".encode())
                    for i in range(20)])
  np.testing.assert_allclose(share, p, atol=4 * np.sqrt(p.max() / len(drawn)))


def test_resumed_multi_source_clip_stream_replays_the_same_batches():
  stream, ids = _ordered_videos([9, 14, 11])
  sources, sizes = _per_video(stream, ids)
  kw = dict(KW, crop_size=8, target=None, batch_size=2,
            augment=augment.AugmentParams(), seed=5, shuffle_buffer=6,
            clip_length=3, weights=sizes)
  whole = list(input_pipeline.training_dataset(
      sources, first_example=0, **kw).take(6).as_numpy_iterator())
  resumed = list(input_pipeline.training_dataset(
      sources, first_example=4 * 2, **kw).take(2).as_numpy_iterator())
  for a, b in zip(whole[4:], resumed):
    for key in ("image", "landmarks", "video_id", "frame_index"):
      np.testing.assert_array_equal(a[key], b[key])
  for b in whole:  # clips: 3 consecutive frames of one video
    assert all(len(set(v)) == 1 for v in b["video_id"])
    np.testing.assert_array_equal(np.diff(b["frame_index"], axis=1), 1)
