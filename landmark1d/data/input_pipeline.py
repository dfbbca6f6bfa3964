"""tf.data pipelines: tfds examples -> face crops, heatmap targets, batches.

Batches follow docs/CONTRACTS.md ("Batches"). Three entry points:

- `training_dataset`: an endless, augmented stream of per-replica batches that
  is a pure function of `(seed, first_example)`: batch k of a run started at
  `first_example = s * B` equals batch s + k of a run started at 0. Built as
  sources (one per video or image set) -> each repeated and shuffled with its
  own seed (the small encoded records) -> seeded weighted sampling among them
  -> enumerate (global index) -> skip -> shard -> decode / crop / augment keyed
  on (seed, index) -> batch -> targets, so a resumed run sees exactly the data
  an uninterrupted one would have seen.
- `eval_dataset`: deterministic crops in a stable order, no augmentation;
  `coordinates.crop_to_image(pred, batch["window"], F)` maps predictions back.
- clips (`clips=True` on either): T consecutive frames of one video become
  one example with a time axis; every frame of a clip shares one augmentation.

The crop window is `coordinates.square_window(box, context, shift)` around the
dataset's face box; one warp maps the original image to the F x F crop.
"""

from __future__ import annotations

import tensorflow as tf

from landmark1d.data import augment as augment_lib
from landmark1d.geometry import coordinates
from landmark1d.geometry import heatmaps
from landmark1d.geometry import landmark_sets

# Per-example fields carried from records into batches when the records have
# them; `degraded` / `event` flag the frames a transient event spoiled (the
# synthetic video_transient configs), so scoring can split on them.
PASSTHROUGH = ("image_id", "video_id", "frame_index", "box_size", "degraded",
               "event")


def _sampled_box(matrix, height, width, crop_size: int):
  """`(y0, x0, h, w)`: the image pixels a crop warp reads.

  The crop's corners go through `matrix` (crop -> image); a margin keeps the
  bilinear neighbours, and the box is clamped to the image (at least 1 x 1,
  so a crop wholly outside the image still decodes).
  """
  edge = crop_size - 0.5
  corners = tf.constant([[-0.5, -0.5], [edge, -0.5], [-0.5, edge],
                         [edge, edge]])
  source = coordinates.apply_affine(corners, matrix)
  size = tf.stack([width, height])
  limit = tf.cast(size, tf.float32)
  lo = tf.clip_by_value(tf.floor(tf.reduce_min(source, 0)) - 1.0, 0.0, limit)
  hi = tf.clip_by_value(tf.math.ceil(tf.reduce_max(source, 0)) + 2.0, 0.0,
                        limit)
  lo = tf.minimum(tf.cast(lo, tf.int32), size - 1)
  hi = tf.maximum(tf.cast(hi, tf.int32), lo + 1)
  return lo[1], lo[0], hi[1] - lo[1], hi[0] - lo[0]


def _decode_sampled_region(image, matrix, crop_size: int):
  """Decodes the part of `image` that a crop warp reads (JPEG: only that part).

  Decoding and converting a whole photo costs more than the warp, and the
  face window is usually a fraction of it.

  Args:
    image: encoded bytes or a `(H, W, 3)` uint8 image.
    matrix: `(3, 3)` crop -> image pixel map.
    crop_size: F.

  Returns:
    `(region (h, w, 3) float32 in [0, 1], crop -> region matrix (3, 3))`.
  """
  def cut(full):
    full = tf.ensure_shape(full, [None, None, 3])
    shape = tf.shape(full)
    y0, x0, h, w = _sampled_box(matrix, shape[0], shape[1], crop_size)
    return full[y0:y0 + h, x0:x0 + w], x0, y0

  if image.dtype == tf.string:
    def jpeg():
      shape = tf.image.extract_jpeg_shape(image)
      y0, x0, h, w = _sampled_box(matrix, shape[0], shape[1], crop_size)
      region = tf.image.decode_and_crop_jpeg(image, tf.stack([y0, x0, h, w]),
                                             channels=3)
      return region, x0, y0

    def other():
      return cut(tf.io.decode_image(image, channels=3,
                                    expand_animations=False))

    region, x0, y0 = tf.cond(tf.io.is_jpeg(image), jpeg, other)
  else:
    region, x0, y0 = cut(image)
  to_region = tf.stack([[1.0, 0.0, -tf.cast(x0, tf.float32)],
                        [0.0, 1.0, -tf.cast(y0, tf.float32)],
                        [0.0, 0.0, 1.0]])
  region = tf.ensure_shape(region, [None, None, 3])
  return tf.cast(region, tf.float32) / 255.0, to_region @ matrix


def crop_example(example: dict, *, permutation, crop_size: int,
                 context: float, shift: float,
                 augment: augment_lib.AugmentParams | None = None,
                 seed=None, frame=None) -> dict:
  """One example -> one (optionally augmented) face crop with crop landmarks.

  Args:
    example: a tfds example (`image` encoded or decoded, `landmarks (N, 2)`,
      `visible (N,)`, `box (4,)`, ids).
    permutation: the landmark set's flip permutation.
    crop_size: F.
    context, shift: crop window rule (`coordinates.square_window`).
    augment: augmentation ranges, or None for a plain crop.
    seed: `(2,)` int seed, required with `augment`.
    frame: the example's position in its clip (int scalar), or None for a
      still (`augment_lib.photometric`).

  Returns:
    `image (F, F, 3)` in [0, 1], `landmarks (N, 2)` crop px, `visible (N,)`,
    `window (3,)`, `landmarks_image (N, 2)`, and the passthrough ids.
  """
  window = coordinates.square_window(example["box"], context, shift)
  to_image = coordinates.crop_to_image_matrix(window, crop_size)
  landmarks = coordinates.image_to_crop(example["landmarks"], window,
                                        crop_size)
  visible = tf.cast(example["visible"], tf.bool)
  matrix = to_image
  if augment is not None:
    warp_seed, color_seed = tf.unstack(
        tf.random.experimental.stateless_split(seed, 2))
    affine, flipped = augment_lib.random_affine(warp_seed, augment, crop_size)
    matrix = to_image @ affine
    landmarks = coordinates.apply_affine(landmarks, tf.linalg.inv(affine))
    perm = tf.constant(permutation, tf.int32)
    landmarks = tf.where(flipped, tf.gather(landmarks, perm), landmarks)
    visible = tf.where(flipped, tf.gather(visible, perm), visible)
  region, matrix = _decode_sampled_region(example["image"], matrix, crop_size)
  image = augment_lib.warp(region, matrix, crop_size)
  if augment is not None:
    image = augment_lib.photometric(image, color_seed, augment, frame)
  out = {"image": image, "landmarks": landmarks, "visible": visible,
         "window": window,
         "landmarks_image": tf.cast(example["landmarks"], tf.float32)}
  out.update({k: example[k] for k in PASSTHROUGH if k in example})
  return out


def template_boxes(records: tf.data.Dataset, template, template_points,
                   record_points) -> tf.data.Dataset:
  """Replaces each face box by the box a template shape gives it.

  For test sets in another markup (Talking Face): the boxes the model was
  trained with are tight boxes of its own markup, so the template (the
  training mean shape) is fitted to the points both markups share by a
  similarity transform (`coordinates.similarity_fit`), and the tight box of
  the whole fitted template becomes the face box.

  Args:
    records: examples with `landmarks (M, 2)` in the record's markup.
    template: `(N, 2)` shape in the model's markup (any scale / position).
    template_points: indices of the shared points in the template.
    record_points: indices of the same points in the records' markup.

  Returns:
    The examples with a new `box (4,)`.
  """
  template = tf.constant(template, tf.float32)
  shared = tf.gather(template, list(template_points))

  def rebox(example):
    points = tf.gather(tf.cast(example["landmarks"], tf.float32),
                       list(record_points))
    fitted = coordinates.apply_affine(
        template, coordinates.similarity_fit(shared, points))
    return dict(example, box=coordinates.tight_box(fitted))
  return records.map(rebox)


def add_targets(batch: dict, *, target: str | None, crop_size: int,
                heatmap_length: int, sigma: float) -> dict:
  """Adds `hx`/`hy` (1D), or `heatmap` (2D), and `mask` to a batch."""
  if target == "1d":
    batch["hx"], batch["hy"], batch["mask"] = heatmaps.encode_1d(
        batch["landmarks"], crop_size, heatmap_length, sigma,
        batch["visible"])
  elif target == "2d":
    batch["heatmap"], batch["mask"] = heatmaps.encode_2d(
        batch["landmarks"], crop_size, heatmap_length, sigma,
        batch["visible"])
  elif target is None:
    batch["mask"] = heatmaps.target_mask(batch["landmarks"], crop_size,
                                         batch["visible"])
  else:
    raise ValueError(f"target must be '1d', '2d' or None, got {target!r}")
  return batch


def consecutive_clips(frames: tf.data.Dataset, clip_length: int,
                      stride: int | None = None) -> tf.data.Dataset:
  """Cuts ordered video frames into clips of T consecutive frames.

  A clip never spans two videos or a gap in `frame_index` (frames a builder
  skipped): such windows are dropped.

  Args:
    frames: examples in video order with `video_id` and `frame_index`.
    clip_length: T.
    stride: frames between clip starts. Defaults to T (no overlap).

  Returns:
    A dataset of examples whose every field has a leading time axis T.
  """
  if clip_length < 1:
    raise ValueError(f"clip_length must be >= 1, got {clip_length}")
  windows = frames.batch(clip_length, drop_remainder=True) if (
      stride is None or stride == clip_length) else frames.window(
          clip_length, shift=stride, drop_remainder=True).flat_map(
              lambda w: tf.data.Dataset.zip(
                  {k: v.batch(clip_length) for k, v in w.items()}))

  def one_video_without_gaps(clip):
    same = tf.reduce_all(clip["video_id"] == clip["video_id"][0])
    steps = clip["frame_index"][1:] - clip["frame_index"][:-1]
    return same & tf.reduce_all(steps == 1)

  return windows.filter(one_video_without_gaps)


def video_ranges(video_ids) -> list[tuple[int, int]]:
  """`[start, stop)` of each video in an ordered stream's frame video ids.

  Raises:
    ValueError: when one video's frames are not contiguous.
  """
  ids = [v.decode() if isinstance(v, bytes) else str(v) for v in video_ids]
  ranges, seen, start = [], set(), 0
  for i in range(1, len(ids) + 1):
    if i == len(ids) or ids[i] != ids[start]:
      if ids[start] in seen:
        raise ValueError(f"the frames of video {ids[start]!r} are not "
                         "contiguous; video frames must be stored in order")
      seen.add(ids[start])
      ranges.append((start, i))
      start = i
  return ranges


def _crop_fn(*, clips: bool, permutation, crop_size, context, shift,
             augment):
  def crop(example, seed=None):
    kwargs = dict(permutation=permutation, crop_size=crop_size,
                  context=context, shift=shift, augment=augment, seed=seed)
    if not clips:
      return crop_example(example, **kwargs)
    # The same seed for every frame: one augmentation per clip (but for a
    # per-frame occluder, `AugmentParams.occlusion_per_frame`).
    positions = tf.range(tf.shape(example["landmarks"])[0])
    return tf.map_fn(
        lambda item: crop_example(item[0], frame=item[1], **kwargs),
        (example, positions),
        fn_output_signature=_frame_signature(example, crop_size))
  return crop


def _frame_signature(clip: dict, crop_size: int):
  n = clip["landmarks"].shape[1]
  sig = {"image": tf.TensorSpec([crop_size, crop_size, 3], tf.float32),
         "landmarks": tf.TensorSpec([n, 2], tf.float32),
         "visible": tf.TensorSpec([n], tf.bool),
         "window": tf.TensorSpec([3], tf.float32),
         "landmarks_image": tf.TensorSpec([n, 2], tf.float32)}
  sig.update({k: tf.TensorSpec(clip[k].shape[1:], clip[k].dtype)
              for k in PASSTHROUGH if k in clip})
  return sig


def training_dataset(records, *,
                     landmark_set: landmark_sets.LandmarkSet | str,
                     crop_size: int, heatmap_length: int, sigma: float,
                     target: str | None, batch_size: int,
                     augment: augment_lib.AugmentParams | None,
                     context: float, shift: float, seed: int = 0,
                     first_example: int = 0, shuffle_buffer: int = 512,
                     input_context: tf.distribute.InputContext | None = None,
                     clip_length: int = 0, weights=None) -> tf.data.Dataset:
  """The endless, resumable training stream of per-replica batches.

  Several sources (one per video, one per image set: see
  `runs.datasets.training_sources`) are each repeated and shuffled, then
  sampled with `weights` (`tf.data.Dataset.sample_from_datasets`), so
  consecutive examples come from independently drawn sources; the shuffle
  buffer is shared out among the sources.

  Args:
    records: tfds examples, or a list of such sources; images preferably
      still encoded (`decoders={"image": tfds.decode.SkipDecoding()}`) so
      that shuffling moves bytes, not pixels. Video frames must be in order.
    landmark_set: the scheme or its registered name (flip permutation).
    crop_size, heatmap_length, sigma, target: crop and targets.
    batch_size: the GLOBAL batch size (examples, or clips with clips).
    augment: augmentation ranges or None.
    context, shift: crop window rule.
    seed: sampling, shuffling and augmentation seed.
    first_example: global index of the first example (= first_step * B).
    shuffle_buffer: examples (or clips) in the shuffle buffers, all sources
      together.
    input_context: from `distribute_datasets_from_function`; shards the
      stream and sizes the per-replica batch.
    clip_length: T > 0 makes clips for a tracker: every start frame of T
      consecutive frames of one video is a clip.
    weights: one sampling weight per source (e.g. its size); None: equal.

  Returns:
    Batches of `(B_replica, ...)` (clips: `(B_replica, T, ...)`).
  """
  permutation = landmark_sets.as_set(landmark_set).flip_permutation
  per_replica = batch_size
  sources = list(records) if isinstance(records, (list, tuple)) else [records]
  weights = [1.0] * len(sources) if weights is None else list(weights)
  if len(weights) != len(sources) or min(weights) <= 0:
    raise ValueError(f"need one positive weight per source: {len(sources)} "
                     f"sources, weights {weights}")
  buffer = max(1, shuffle_buffer // len(sources))
  streams = []
  for i, source in enumerate(sources):
    if clip_length:
      source = consecutive_clips(source, clip_length, stride=1)
    streams.append(source.repeat().shuffle(
        buffer, seed=seed + 1_000_003 * i, reshuffle_each_iteration=True))
  ds = streams[0] if len(streams) == 1 else (
      tf.data.Dataset.sample_from_datasets(
          streams, weights=[w / sum(weights) for w in weights], seed=seed))
  ds = ds.enumerate().skip(first_example)
  if input_context is not None:
    per_replica = input_context.get_per_replica_batch_size(batch_size)
    ds = ds.shard(input_context.num_input_pipelines,
                  input_context.input_pipeline_id)
  crop = _crop_fn(clips=bool(clip_length), permutation=permutation,
                  crop_size=crop_size, context=context, shift=shift,
                  augment=augment)

  def prepare(index, example):
    key = tf.stack([tf.cast(seed, tf.int64), index])
    return crop(example, seed=key)

  ds = ds.map(prepare, num_parallel_calls=tf.data.AUTOTUNE,
              deterministic=True)
  ds = ds.batch(per_replica, drop_remainder=True)
  ds = ds.map(lambda b: add_targets(b, target=target, crop_size=crop_size,
                                    heatmap_length=heatmap_length,
                                    sigma=sigma),
              num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
  options = tf.data.Options()
  options.deterministic = True
  options.experimental_distribute.auto_shard_policy = (
      tf.data.experimental.AutoShardPolicy.OFF)
  return ds.with_options(options).prefetch(tf.data.AUTOTUNE)


def eval_dataset(records: tf.data.Dataset, *,
                 landmark_set: landmark_sets.LandmarkSet | str,
                 crop_size: int, heatmap_length: int, sigma: float,
                 target: str | None, batch_size: int, context: float,
                 shift: float, max_examples: int = 0,
                 clip_length: int = 0) -> tf.data.Dataset:
  """Deterministic evaluation batches in the records' order (last one short).

  Args:
    records: tfds examples (image encoded or decoded).
    landmark_set, crop_size, heatmap_length, sigma, target, context, shift:
      as in `training_dataset`.
    batch_size: batch size.
    max_examples: keep only the first examples (0: all).
    clip_length: T > 0 cuts clips (frames beyond the last full clip drop).

  Returns:
    Batches as in `training_dataset`, without augmentation.
  """
  permutation = landmark_sets.as_set(landmark_set).flip_permutation
  if max_examples:
    records = records.take(max_examples)
  if clip_length:
    records = consecutive_clips(records, clip_length)
  crop = _crop_fn(clips=bool(clip_length), permutation=permutation,
                  crop_size=crop_size, context=context, shift=shift,
                  augment=None)
  ds = records.map(crop, num_parallel_calls=tf.data.AUTOTUNE,
                   deterministic=True).batch(batch_size)
  ds = ds.map(lambda b: add_targets(b, target=target, crop_size=crop_size,
                                    heatmap_length=heatmap_length,
                                    sigma=sigma),
              num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
  return ds.prefetch(tf.data.AUTOTUNE)
