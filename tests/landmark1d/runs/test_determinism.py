"""`train.deterministic`: the same seed on the same machine, the same weights."""

import keras
import numpy as np

from experiments import configs as registry
from landmark1d.runs import common
from landmark1d.runs import schema
from landmark1d.runs import train
from landmark1d.training import loop


def _config(data_dir):
  return schema.override(registry.get("synthetic_det1d_smoke"), [
      f"data.data_dir={data_dir}", "data.dataset=synthetic_faces/mini",
      "train.deterministic=true", "train.lr_schedule=cosine",
      "train.steps=3", "train.eval_every=3", "train.seed=3"])


def _train(data_dir, workdir, log=lambda _: None):
  config = _config(data_dir)
  train.run(config, str(workdir), log=log)
  model = common.restore(config, str(workdir))
  return [v.numpy() for v in model.variables]


def test_two_runs_with_one_seed_give_bit_identical_weights(mini_data_dir,
                                                           tmp_path):
  lines = []
  first = _train(mini_data_dir, tmp_path / "a", log=lines.append)
  second = _train(mini_data_dir, tmp_path / "b")
  assert len(first) == len(second) > 50
  for a, b in zip(first, second):
    np.testing.assert_array_equal(a, b)  # bit for bit, not within tolerance
  # Not vacuous: the runs trained away from their (seeded) initial weights.
  keras.utils.set_random_seed(3)
  initial = common.build_detector(_config(mini_data_dir)).variables
  assert any(not np.array_equal(a, b.numpy())
             for a, b in zip(first, initial) if b.trainable)
  # In-training validation scored the validation split, never the test one.
  assert any("validation NRMSE" in line and "(split 'validation')" in line
             for line in lines)


def test_cosine_schedule_falls_from_the_initial_rate_to_zero():
  schedule = loop.learning_rate("cosine", 1e-3, 100)
  for step, want in ((0, 1e-3), (25, 1e-3 * (1 + np.cos(np.pi / 4)) / 2),
                     (50, 5e-4), (100, 0.0), (150, 0.0)):
    np.testing.assert_allclose(float(schedule(step)), want, atol=1e-9)
  assert loop.learning_rate("constant", 1e-3, 100) == 1e-3
