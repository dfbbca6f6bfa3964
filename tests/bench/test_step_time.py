"""bench/step_time.py: alternating runs, per-interval timing, the ratio.

The reduced mode traces the smoke detector twice (a minute or more on the
shared CI cores), so these check the parts: the order, the arithmetic on
hand-made timings, and one timed run of a one-layer model through the loop.
"""

import keras
import numpy as np
import pytest
import tensorflow as tf

from bench import step_time
from experiments import configs as registry


def test_runs_alternate_so_that_each_setting_goes_first_every_other_round():
  assert step_time.order(3) == [(0, 1), (0, 4), (1, 4), (1, 1), (2, 1),
                                (2, 4)]


def test_ratio_is_the_median_of_the_rounds_ratios_for_each_statistic():
  runs = [{"round": r, "steps_per_loop": k, "ms_per_step_min": fast,
           "ms_per_step_median": 2 * fast}
          for r, k, fast in ((0, 1, 100.0), (0, 4, 90.0), (1, 4, 120.0),
                             (1, 1, 100.0), (2, 1, 200.0), (2, 4, 220.0))]
  summary = step_time.summarise(runs)
  # Rounds: 90 / 100, 120 / 100, 220 / 200, whatever the scale.
  for stat in ("min", "median"):
    assert summary[f"ratios_by_round_{stat}"] == pytest.approx(
        [0.9, 1.2, 1.1])
    assert summary[f"ratio_4_over_1_{stat}"] == pytest.approx(1.1)
  assert summary["ms_per_step_min"] == {"1": 100.0, "4": 120.0}
  assert summary["ms_per_step_median"] == {"1": 200.0, "4": 240.0}


def test_a_run_times_each_interval_between_log_steps_but_the_first(tmp_path):
  rng = np.random.default_rng(0)
  batch = {"image": tf.constant(rng.normal(size=(8, 4)), tf.float32),
           "target": tf.constant(rng.normal(size=(8, 3)), tf.float32)}

  def build():
    x = keras.Input((4,))
    return keras.Model(x, {"y": keras.layers.Dense(3)(x)})

  def loss(outputs, b):
    return tf.reduce_sum(tf.square(outputs["y"] - b["target"]), -1)

  seconds = step_time.time_run(build, loss, batch, steps=12, log_every=4,
                               steps_per_loop=4, workdir=str(tmp_path))
  # Log steps 4, 8, 12: two intervals of four steps each.
  assert len(seconds) == 2 and all(0 < s < 10 for s in seconds)


def test_the_fixed_batch_has_the_configs_shapes_and_every_point_inside():
  config = registry.get("synthetic_det1d_smoke")
  batch = step_time.fixed_batch(config)
  b, f = config.train.batch_size, config.data.crop_size
  n, length = 68, config.model.heatmap_length
  assert batch["image"].shape == (b, f, f, 3)
  assert batch["hx"].shape == batch["hy"].shape == (b, n, length)
  assert bool(tf.reduce_all(batch["mask"] > 0))
