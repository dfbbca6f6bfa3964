"""The distributed training loop: loss reduction, resume, NaN guard."""

import os

import keras
import numpy as np
import pytest
import tensorflow as tf

from landmark1d.training import loop

GLOBAL_BATCH = 8


def _dataset_fn(first_step, ctx, poison_step=None):
  """y = x @ w_true, a pure function of the global example index."""
  rng = np.random.default_rng(0)
  w_true = rng.normal(size=(4, 3)).astype(np.float32)
  per_replica = ctx.get_per_replica_batch_size(GLOBAL_BATCH)

  def example(i):
    x = tf.random.stateless_normal([4], seed=tf.stack([i, 7]))
    y = tf.linalg.matvec(w_true, x, transpose_a=True)
    if poison_step is not None:
      y = tf.where(i // GLOBAL_BATCH == poison_step, np.nan, y)
    return {"image": x, "target": y}

  ds = tf.data.Dataset.range(first_step * GLOBAL_BATCH, 10**9).map(example)
  ds = ds.shard(ctx.num_input_pipelines, ctx.input_pipeline_id)
  return ds.batch(per_replica, drop_remainder=True)


def _loss(outputs, batch):
  return tf.reduce_sum(tf.square(outputs["y"] - batch["target"]), -1)


def _assert_same_weights(model_a, model_b):
  for a, b in zip(model_a.get_weights(), model_b.get_weights()):
    np.testing.assert_array_equal(a, b)


def _run(strategy, workdir, steps, poison_step=None, lr=0.05,
         schedule="constant", schedule_steps=None, log=None,
         steps_per_loop=1):
  keras.utils.set_random_seed(1)
  with strategy.scope():
    x = keras.Input((4,))
    model = keras.Model(x, {"y": keras.layers.Dense(3)(x)})
    optimizer = keras.optimizers.Adam(loop.learning_rate(
        schedule, lr, schedule_steps or steps))
  result = loop.train(
      strategy=strategy, model=model, optimizer=optimizer, loss_fn=_loss,
      dataset_fn=lambda s, ctx: _dataset_fn(s, ctx, poison_step),
      workdir=str(workdir),
      settings=loop.LoopSettings(steps=steps, global_batch_size=GLOBAL_BATCH,
                                 checkpoint_every=1, log_every=5,
                                 steps_per_loop=steps_per_loop),
      log=log or (lambda msg: None))
  return result, model


def test_loss_drops_on_one_device(tmp_path):
  result, _ = _run(loop.make_strategy("one_device"), tmp_path, 40)
  assert result.step == 40
  assert np.mean(result.losses[-5:]) < 0.3 * np.mean(result.losses[:5])


def test_two_replicas_match_one_device(tmp_path):
  one, model_one = _run(loop.make_strategy("one_device"), tmp_path / "a",
                        10)
  two_strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
  two, model_two = _run(two_strategy, tmp_path / "b", 10)
  assert two_strategy.num_replicas_in_sync == 2
  np.testing.assert_allclose(one.losses, two.losses, rtol=1e-4)
  for a, b in zip(model_one.get_weights(), model_two.get_weights()):
    np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("steps_per_loop, first_steps", [(1, 5), (4, 7)])
def test_resumed_run_equals_uninterrupted_run(tmp_path, steps_per_loop,
                                              first_steps):
  strategy = loop.make_strategy("one_device")
  _, straight = _run(strategy, tmp_path / "straight", 12)
  first, _ = _run(strategy, tmp_path / "resumed", first_steps,
                  steps_per_loop=steps_per_loop)
  second, resumed = _run(strategy, tmp_path / "resumed", 12,
                         steps_per_loop=steps_per_loop)
  assert (first.step, second.resumed_from, second.step) == (
      first_steps, first_steps, 12)
  _assert_same_weights(straight, resumed)


def test_four_steps_per_call_train_the_same_weights_as_one(tmp_path):
  strategy = loop.make_strategy("one_device")
  one, by_one = _run(strategy, tmp_path / "one", 12)
  four, by_four = _run(strategy, tmp_path / "four", 12, steps_per_loop=4)
  assert four.step == 12 and four.losses == one.losses
  _assert_same_weights(by_one, by_four)


def test_four_steps_per_call_stop_at_the_nan_step_before_saving_it(tmp_path):
  with pytest.raises(loop.NonFiniteLossError, match="loss is nan at step 7; "
                     r"stopped before saving. Last good checkpoint: \S*ckpt-5"):
    _run(loop.make_strategy("one_device"), tmp_path, 12, poison_step=6,
         steps_per_loop=4)


def _truncate(path):
  with open(path, "r+b") as f:
    f.truncate(os.path.getsize(path) // 2)


def test_a_truncated_newest_checkpoint_resumes_from_the_one_before(tmp_path):
  strategy = loop.make_strategy("one_device")
  _, straight = _run(strategy, tmp_path / "straight", 12)
  _run(strategy, tmp_path / "resumed", 5)
  damaged = tmp_path / "resumed" / "checkpoints" / "ckpt-5.data-00000-of-00001"
  _truncate(damaged)
  logged = []
  second, resumed = _run(strategy, tmp_path / "resumed", 12,
                         log=logged.append)
  assert (second.resumed_from, second.step) == (4, 12)
  assert any(line.startswith("warning:") and str(damaged) in line
             for line in logged), logged
  _assert_same_weights(straight, resumed)  # only step 5 was recomputed


def test_no_readable_checkpoint_is_one_plain_error(tmp_path):
  strategy = loop.make_strategy("one_device")
  _run(strategy, tmp_path, 3)
  for path in (tmp_path / "checkpoints").glob("ckpt-*.data-*"):
    _truncate(path)
  with pytest.raises(loop.DamagedCheckpointError,
                     match=f"no checkpoint in {tmp_path}/checkpoints reads"):
    _run(strategy, tmp_path, 6)


def test_resumed_cosine_schedule_run_equals_uninterrupted_run(tmp_path):
  # The schedule reads the optimizer's restored iteration count.
  strategy = loop.make_strategy("one_device")
  kwargs = dict(schedule="cosine", schedule_steps=12)
  _, straight = _run(strategy, tmp_path / "straight", 12, **kwargs)
  _run(strategy, tmp_path / "resumed", 5, **kwargs)
  _, resumed = _run(strategy, tmp_path / "resumed", 12, **kwargs)
  _, constant = _run(strategy, tmp_path / "constant", 12)
  _assert_same_weights(straight, resumed)
  assert not np.array_equal(straight.get_weights()[0],
                            constant.get_weights()[0])


def test_batch_norm_statistics_are_the_mean_over_the_batches_after_training(
    tmp_path):
  keras.utils.set_random_seed(1)
  strategy = loop.make_strategy("one_device")
  with strategy.scope():
    x = keras.Input((4,))
    norm = keras.layers.BatchNormalization(momentum=0.9)
    model = keras.Model(x, {"y": keras.layers.Dense(3)(norm(x))})
    optimizer = keras.optimizers.Adam(0.05)
  steps, batches, group = 6, 3, 2  # two passes of 2 x 8 examples
  loop.train(
      strategy=strategy, model=model, optimizer=optimizer, loss_fn=_loss,
      dataset_fn=_dataset_fn, workdir=str(tmp_path),
      settings=loop.LoopSettings(steps=steps, global_batch_size=GLOBAL_BATCH,
                                     bn_stats_batches=batches,
                                     bn_stats_group=group),
      log=lambda msg: None)
  # The batches after the last step, re-derived from the same pure stream:
  # whole passes of `group` batches, the last one filled up.
  stream = iter(_dataset_fn(steps, tf.distribute.InputContext()))
  inputs = np.concatenate([next(stream)["image"].numpy() for _ in range(4)])
  np.testing.assert_allclose(norm.moving_mean.numpy(), inputs.mean(0),
                             rtol=1e-5, atol=1e-6)
  np.testing.assert_allclose(norm.moving_variance.numpy(), inputs.var(0),
                             rtol=1e-4, atol=1e-6)
  assert norm.momentum == 0.9  # restored
  # The checkpoint holds these statistics, not the moving averages.
  saved = tf.train.load_checkpoint(str(tmp_path / "checkpoints"))
  stored = [saved.get_tensor(f"model/v{i:04d}/.ATTRIBUTES/VARIABLE_VALUE")
            for i, v in enumerate(model.variables)
            if v is norm.moving_mean]
  np.testing.assert_array_equal(stored[0], norm.moving_mean.numpy())


def test_precise_batch_norm_leaves_frozen_layers_as_they_were():
  x = keras.Input((4,))
  frozen, free = (keras.layers.BatchNormalization(epsilon=1e-3)
                  for _ in range(2))
  frozen.trainable = False  # as a tracker's detector with freeze_detector
  model = keras.Model(x, free(frozen(x)))
  frozen.moving_mean.assign([1.0, 2.0, 3.0, 4.0])
  before = [w.copy() for w in frozen.get_weights()]
  inputs = np.random.default_rng(0).random((8, 4)).astype(np.float32) * 5
  assert loop.recompute_batch_norm(model, [inputs]) == 1
  for was, now in zip(before, frozen.get_weights()):
    np.testing.assert_array_equal(now, was)
  # The free layer sees the frozen one's inference output.
  seen = (inputs - [1.0, 2.0, 3.0, 4.0]) / np.sqrt(1.0 + 1e-3)
  np.testing.assert_allclose(free.moving_mean.numpy(), seen.mean(0),
                             rtol=1e-5, atol=1e-6)
  free.trainable = False

  def unread():
    raise AssertionError("batches read with nothing to recompute")
    yield  # pylint: disable=unreachable
  assert loop.recompute_batch_norm(model, unread()) == 0


def test_nan_loss_stops_training_with_a_clear_error(tmp_path):
  with pytest.raises(loop.NonFiniteLossError, match="loss is nan at step 4"):
    _run(loop.make_strategy("one_device"), tmp_path, 10, poison_step=3)


def test_unknown_strategy_is_rejected():
  with pytest.raises(ValueError, match="strategy must be one of"):
    loop.make_strategy("horovod")
  with pytest.raises(ValueError, match="TF_CONFIG"):
    loop.make_strategy("multi_worker")
