"""The models on Keras' JAX backend equal the TensorFlow backend's, step for step.

One training step of the 1D and 2D detectors and the 1D tracker runs twice
from the same initial weights (passed through `.weights.h5` files): here with
`loop.gradient_step` (the TF loop's step, eager) and in a
`KERAS_BACKEND=jax` subprocess with `jax_step.train_step` under `jax.jit`
(the device benchmark's step). Outputs, loss, gradients, batch-norm
statistics and the updated weights must agree to float32 tolerance, and the
JAX process must not have imported TensorFlow.

Size. CI runs every layer of the paper's architecture (both heads with
feedback and a 3x resampling factor, co-attention, hourglass recursion,
inter-stack merges, eq. 13 fusion) at 2 stacks of depth 2, F = 64. At the
paper's size (4 stacks of depth 4, 256 channels, F = 256) the test costs
about 220 s of CPU, nearly all of it tracing and compiling the 4-stack graph,
which does not shrink with width or batch (BUILD_NOTES.md):
  LANDMARK1D_JAX_TEST_SIZE=paper pytest tests/landmark1d/training/test_jax_step.py
"""

import importlib.util
import json
import os
import subprocess
import sys

import keras
import numpy as np
import tensorflow as tf

from landmark1d.training import loop
from landmark1d.training import losses

CHILD = os.path.join(os.path.dirname(__file__), "jax_step_child.py")
_spec = importlib.util.spec_from_file_location("jax_step_child", CHILD)
child = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(child)

# Float32 tolerances per size, from what was measured (BUILD_NOTES.md). The
# two backends sum in different orders, and this network amplifies rounding:
# batch norm's backward subtracts the channel mean of the incoming gradient,
# so early layers' gradients are small differences of large sums. As a
# yardstick, TF against itself with oneDNN off and on, and the outputs after
# moving every weight by one float32 ulp.
SIZES = {
    # L = 3 F as in the paper's 1D setting (Section 5.1): 3 W = 2 * 2 * 3 W,
    # so CNN2 resamples by 2, 2 and 3 as at L = 768; the 2D head at L = F / 4
    # feeds its maps into the next stack, as FAN does. Measured, JAX against
    # TF (TF against TF): outputs 3.5e-5 (2e-5) of their largest value,
    # batch-norm statistics 5e-6 (3e-6), gradients 0.8 % (0.8 %) in norm.
    "ci": dict(architecture=dict(num_landmarks=68, input_size=64,
                                 num_stacks=2, channels=32,
                                 hourglass_depth=2),
               length_1d=192, length_2d=16, outputs=1e-4, statistics=1e-4,
               gradients=2e-2, noise_floor=1e-4, clear_share=0.99),
    # Section 5.1: F = 256, N = 68; FAN's 4 stacks of depth-4, 256-channel
    # hourglasses; 1D at L = 3 F = 768, 2D at FAN's 64. Measured: outputs
    # 2.5e-3 (1.7e-4; one ulp on every weight: 2.4e-4), batch-norm
    # statistics 3.3e-4 (1.9e-5), gradients 18 % (5.5 %) in norm.
    # noise_floor: a gradient that is zero in exact arithmetic (a
    # convolution bias right before batch norm, whose mean removes it) is
    # float32 noise on both sides, measured up to 4e-5 (ci) and 2.7e-4
    # (paper) of the model's largest gradient. clear_share: the share of
    # weights whose new values are compared directly (below), measured
    # 99.9 % (ci) and 73-92 % (paper).
    "paper": dict(architecture=dict(num_landmarks=68, input_size=256,
                                    num_stacks=4, channels=256,
                                    hourglass_depth=4),
                  length_1d=768, length_2d=64, outputs=1e-2,
                  statistics=2e-3, gradients=0.3, noise_floor=1e-3,
                  clear_share=0.6),
}
SIZE = SIZES[os.environ.get("LANDMARK1D_JAX_TEST_SIZE", "ci")]
ARCH = SIZE["architecture"]
LEARNING_RATE = 1e-4  # Section 4.1.3
SPECS = {
    "detector_1d": {"detector": dict(ARCH, head="1d",
                                     heatmap_length=SIZE["length_1d"])},
    "detector_2d": {"detector": dict(ARCH, head="2d",
                                     heatmap_length=SIZE["length_2d"])},
    "tracker_1d": {"detector": dict(ARCH, head="1d",
                                    heatmap_length=SIZE["length_1d"]),
                   "tracker": {"fusion_lambda": 0.3}},
}
def _batch(spec, rng):
  n, f = ARCH["num_landmarks"], ARCH["input_size"]
  length = spec["detector"]["heatmap_length"]
  prefix = (1, 2) if "tracker" in spec else (2,)  # one 2-frame clip
  mask = np.ones((*prefix, n), np.float32)
  mask[..., 3] = 0  # an invisible landmark: no loss, no gradient
  batch = {"image": rng.random((*prefix, f, f, 3), np.float32),
           "mask": mask}
  if spec["detector"]["head"] == "1d":
    batch["hx"] = rng.random((*prefix, n, length), np.float32)
    batch["hy"] = rng.random((*prefix, n, length), np.float32)
  else:
    batch["heatmap"] = rng.random((*prefix, n, length, length), np.float32)
  return batch


def _tf_step(model, head, batch):
  """The TF loop's step, eager: outputs, loss, variables, optimizer paths."""
  optimizer = keras.optimizers.Adam(LEARNING_RATE)
  captured = {}

  def loss_fn(outputs, batch):
    captured.update(outputs)
    return losses.for_head(head)(outputs, batch)

  step = loop.gradient_step(model, optimizer, loss_fn, len(batch["image"]))
  loss = step({k: tf.constant(v) for k, v in batch.items()})
  arrays = {f"output_{k}": v.numpy() for k, v in captured.items()}
  arrays["loss"] = loss.numpy()
  for part, variables in (("trainable", model.trainable_variables),
                          ("non_trainable", model.non_trainable_variables),
                          ("optimizer", optimizer.variables)):
    arrays.update({f"{part}_{i:04d}": np.asarray(v)
                   for i, v in enumerate(variables)})
  return arrays, [v.path for v in optimizer.variables]


def _moments(arrays, paths):
  """Adam's `(m, v)` per trainable variable, in variable order, and names.

  After one step from zero moments, m = (1 - beta_1) g and
  v = (1 - beta_2) g^2 (Keras' Adam): the gradient, read back.
  """
  found = []
  for i, path in enumerate(paths):
    if path.endswith("_momentum"):
      assert paths[i + 1] == path[:-len("momentum")] + "velocity"
      found.append((arrays[f"optimizer_{i:04d}"],
                    arrays[f"optimizer_{i + 1:04d}"],
                    path.split("/")[-1][:-len("_momentum")]))
  return found


def _assert_close(name, got, want, atol, rtol=0.0):
  """|got - want| <= atol + rtol |want| everywhere, naming what differs."""
  err = np.abs(got - want) - rtol * np.abs(want)
  assert np.all(err <= atol), (
      f"{name}: JAX and TF differ by up to "
      f"{np.max(np.abs(got - want)):.3g} (allowed {atol:.3g} + {rtol} |x|)")


def _adam_step(w0, m, v, optimizer):
  """Keras' Adam update after its first step, from its moments (NumPy)."""
  alpha = LEARNING_RATE * np.sqrt(1 - optimizer.beta_2) / (1 - optimizer.beta_1)
  return w0 - alpha * m / (np.sqrt(v) + optimizer.epsilon)


def _compare(name, got_jax, got_tf, paths, initial):
  assert sorted(got_jax) == sorted(got_tf), name
  for key in sorted(k for k in got_tf if k.startswith("output_")):
    _assert_close(f"{name} {key}", got_jax[key], got_tf[key],
                  SIZE["outputs"] * np.max(np.abs(got_tf[key])))
  _assert_close(f"{name} loss", got_jax["loss"], got_tf["loss"], 0.0, 1e-5)
  for key in sorted(k for k in got_tf if k.startswith("non_trainable_")):
    _assert_close(f"{name} {key} (batch-norm statistics)", got_jax[key],
                  got_tf[key], SIZE["statistics"] * np.max(np.abs(got_tf[key])))
  optimizer = keras.optimizers.Adam(LEARNING_RATE)
  moments_tf = _moments(got_tf, paths)
  moments_jax = _moments(got_jax, paths)
  assert len(moments_tf) == len(initial)
  floor = SIZE["noise_floor"] * max(np.max(np.abs(m)) for m, _, _ in moments_tf)
  clear_weights = all_weights = 0
  for i, ((m_tf, v_tf, what), (m_jax, v_jax, _), w0) in enumerate(
      zip(moments_tf, moments_jax, initial)):
    what = f"{name} {what}"
    # m is (1 - beta_1) g, sqrt(v) is sqrt(1 - beta_2) |g|: the gradients.
    for got, want, scale in ((m_jax, m_tf, floor),
                             (np.sqrt(v_jax), np.sqrt(v_tf),
                              floor * np.sqrt(1 - optimizer.beta_2)
                              / (1 - optimizer.beta_1))):
      gap = np.linalg.norm(got - want)
      assert (gap <= SIZE["gradients"] * np.linalg.norm(want)
              or np.max(np.abs(got - want)) <= scale), (
                  f"{what}: gradients differ by {gap:.3g} in norm "
                  f"(theirs {np.linalg.norm(want):.3g})")
    key = f"trainable_{i:04d}"
    # Each backend's new weights are Adam's step from its own moments ...
    for got, m, v in ((got_jax, m_jax, v_jax), (got_tf, m_tf, v_tf)):
      _assert_close(f"{what} after the step", got[key],
                    _adam_step(w0, m, v, optimizer), 1e-3 * LEARNING_RATE,
                    1e-6)
      # (Plus float32 rounding of the new weight.)
      assert np.all(np.abs(got[key] - w0)
                    <= LEARNING_RATE * (1 + 1e-5) + 1e-6 * np.abs(w0)), what
    # ... and that step is lr g / (|g| + eps'), eps' = eps / sqrt(1 -
    # beta_2): lr times the gradient's sign where |g| >> eps'. It is the
    # same on both backends (to lr / 400) where |g| > 100 eps' and the
    # gradients' difference is under a quarter of |g|. Elsewhere (gradients
    # near zero) both moved by at most lr, checked above. A weight no loss
    # term reaches (the tracker reads only the last stack) has zero
    # gradients on both sides and must not move on either.
    eps_g = optimizer.epsilon / np.sqrt(1 - optimizer.beta_2)
    g_tf = m_tf / (1 - optimizer.beta_1)
    clear = (((np.abs(m_tf) > 4 * np.abs(m_jax - m_tf))
              & (np.abs(g_tf) > 100 * eps_g))
             | ((m_tf == 0) & (m_jax == 0)))
    _assert_close(f"{what} after the step", got_jax[key][clear],
                  got_tf[key][clear], 1e-2 * LEARNING_RATE, 1e-6)
    clear_weights += int(clear.sum())
    all_weights += int(clear.size)
  assert clear_weights >= SIZE["clear_share"] * all_weights, (
      name, clear_weights, all_weights)


def test_one_training_step_on_jax_equals_tensorflow(tmp_path):
  rng = np.random.default_rng(0)
  with open(tmp_path / "specs.json", "w", encoding="utf-8") as f:
    json.dump({k: dict(v, learning_rate=LEARNING_RATE)
               for k, v in SPECS.items()}, f)
  models, initial = {}, {}
  for name, spec in SPECS.items():
    keras.utils.set_random_seed(len(name))
    models[name] = child.build(spec)
    models[name].save_weights(str(tmp_path / f"{name}.weights.h5"))
    initial[name] = [v.numpy() for v in models[name].trainable_variables]
    np.savez(tmp_path / f"{name}.npz", **_batch(spec, rng))
  env = dict(os.environ, KERAS_BACKEND="jax", JAX_PLATFORMS="cpu",
             # LLVM's optimisations are a third of the compile time here and
             # change no value beyond float32 rounding.
             XLA_FLAGS="--xla_backend_optimization_level=0")
  jax_run = subprocess.Popen([sys.executable, CHILD, str(tmp_path)], env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             text=True)
  # The TF steps run meanwhile, beside XLA's (mostly one-thread) compiler.
  got_tf = {}
  for name, spec in SPECS.items():
    with np.load(tmp_path / f"{name}.npz") as f:
      got_tf[name] = _tf_step(models[name], spec["detector"]["head"], dict(f))
  log, _ = jax_run.communicate()
  assert jax_run.returncode == 0, log[-3000:]
  with open(tmp_path / "modules.json", encoding="utf-8") as f:
    assert json.load(f) == {"backend": "jax", "tensorflow": []}
  for name in SPECS:
    with np.load(tmp_path / f"{name}.jax.npz") as f:
      arrays, paths = got_tf[name]
      _compare(name, dict(f), arrays, paths, initial[name])
