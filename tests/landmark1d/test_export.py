"""The SavedModel serves the Keras model's landmarks without this package."""

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import tensorflow as tf

from landmark1d import coordinates
from landmark1d import export
from landmark1d import heatmaps
from landmark1d import models

F = 32
TINY = dict(num_landmarks=68, input_size=F, num_stacks=1, channels=16,
            hourglass_depth=2, attention_dims=2)

# Runs in a fresh interpreter: plain TensorFlow, no landmark1d on the path.
_CLIENT = textwrap.dedent("""
    import json, sys
    import numpy as np
    import tensorflow as tf
    assert "landmark1d" not in sys.modules
    path, inputs, out = sys.argv[1:4]
    data = np.load(inputs)
    loaded = tf.saved_model.load(path)
    sigs = loaded.signatures
    result = {}
    result["crops"] = sigs["detect"](images=tf.constant(data["crops"]))
    result["image"] = sigs["detect_image"](image=tf.constant(data["image"]),
                                           boxes=tf.constant(data["boxes"]))
    if "track_step" in sigs:
      state = sigs["zero_state"](batch_size=tf.constant(2))
      steps = []
      for t in range(data["clip"].shape[1]):
        r = sigs["track_step"](images=tf.constant(data["clip"][:, t]), **state)
        state = {k: v for k, v in r.items() if k.startswith("state_")}
        steps.append(r["landmarks"].numpy())
      result["track"] = {"landmarks": np.stack(steps, 1)}
    meta = {k: v.numpy().tolist() if v.dtype != tf.string else v.numpy().decode()
            for k, v in sigs["metadata"]().items()}
    np.savez(out, **{f"{k}_{n}": np.asarray(v) for k, r in result.items()
                     for n, v in r.items()})
    json.dump(meta, open(out + ".json", "w"))
    print("landmark1d" in sys.modules)
""")


def _serve(tmp_path, module, inputs):
  path = str(tmp_path / "saved")
  export.export(module, path, {"name": "test"})
  np.savez(str(tmp_path / "in.npz"), **inputs)
  out = str(tmp_path / "out.npz")
  env = dict(os.environ, PYTHONPATH="", TF_CPP_MIN_LOG_LEVEL="2")
  proc = subprocess.run([sys.executable, "-c", _CLIENT, path,
                         str(tmp_path / "in.npz"), out], cwd=str(tmp_path),
                        env=env, capture_output=True, text=True, timeout=300)
  assert proc.returncode == 0, proc.stderr[-3000:]
  assert proc.stdout.strip().endswith("False")
  return dict(np.load(out)), json.load(open(out + ".json"))


def _inputs(rng):
  image = rng.integers(0, 256, (60, 80, 3), dtype=np.uint8)
  boxes = np.array([[20, 10, 50, 40], [5, 8, 30, 45]], np.float32)
  crops = rng.integers(0, 256, (2, F, F, 3), dtype=np.uint8)
  return {"image": image, "boxes": boxes, "crops": crops}


@pytest.mark.parametrize("head,length,decoder", [("1d", 64, "dark"),
                                                 ("2d", 16, "argmax")])
def test_detector_signatures_match_keras_in_a_fresh_process(tmp_path, head,
                                                            length, decoder):
  model = models.build_detector(head, heatmap_length=length, **TINY)
  module = export.LandmarkModule(
      model, head=head, landmark_set="ibug68", crop_size=F,
      heatmap_length=length, sigma=1.0, decoder=decoder, context=1.4,
      shift=0.0)
  inputs = _inputs(np.random.default_rng(0))
  served, meta = _serve(tmp_path, module, inputs)

  def keras_landmarks(crops01):
    out = model(crops01, training=False)
    if head == "1d":
      return heatmaps.decode_1d(out["hx"][:, -1], out["hy"][:, -1], F,
                                decoder, 1.0)[0].numpy()
    return heatmaps.decode_2d(out["heatmap"][:, -1], F, decoder,
                              1.0)[0].numpy()

  want = keras_landmarks(inputs["crops"].astype(np.float32) / 255)
  np.testing.assert_allclose(served["crops_landmarks"], want, atol=1e-4)
  windows = coordinates.square_window(inputs["boxes"], 1.4, 0.0)
  crops = export.crop_faces(inputs["image"], windows, F) / 255.0
  want_image = coordinates.crop_to_image(keras_landmarks(crops), windows,
                                         F).numpy()
  np.testing.assert_allclose(served["image_landmarks"], want_image, atol=1e-4)
  assert meta["head"] == head and meta["num_landmarks"] == 68
  assert meta["decoder"] == decoder and not meta["tracker"]


@pytest.mark.parametrize("head,length", [("1d", 64), ("2d", 16)])
def test_track_step_frame_by_frame_equals_the_clip_model(tmp_path, head,
                                                         length):
  detector = models.build_detector(head, heatmap_length=length, **TINY)
  tracker = models.build_tracker(detector, filters=8)
  step = models.build_tracker_step(tracker)
  module = export.LandmarkModule(
      detector, head=head, landmark_set="ibug68", crop_size=F,
      heatmap_length=length, sigma=1.0, decoder="argmax", context=1.4,
      shift=0.0, step_model=step)
  rng = np.random.default_rng(1)
  inputs = _inputs(rng)
  inputs["clip"] = rng.integers(0, 256, (2, 4, F, F, 3), dtype=np.uint8)
  served, meta = _serve(tmp_path, module, inputs)
  out = tracker(inputs["clip"].astype(np.float32) / 255, training=False)
  want = heatmaps.decode_outputs(out, F, "argmax")[0].numpy()
  np.testing.assert_allclose(served["track_landmarks"], want, atol=1e-4)
  assert meta["tracker"]


def test_unknown_decoder_is_rejected():
  model = models.build_detector("1d", heatmap_length=64, **TINY)
  with pytest.raises(ValueError, match="decoder"):
    export.LandmarkModule(model, head="1d", landmark_set="ibug68",
                          crop_size=F, heatmap_length=64, sigma=1.0,
                          decoder="median", context=1.4, shift=0.0)


def test_wrong_input_shapes_are_named_by_the_signatures(tiny_exports):
  sigs = tf.saved_model.load(tiny_exports["tracker"]).signatures
  with pytest.raises(tf.errors.InvalidArgumentError,
                     match=r"detect: images must be .* \(batch, 32, 32, 3\)"):
    sigs["detect"](images=tf.zeros([1, 64, 64, 3], tf.uint8))
  with pytest.raises(tf.errors.InvalidArgumentError,
                     match=r"detect_image: image must be uint8 \(height"):
    sigs["detect_image"](image=tf.zeros([40, 40, 4], tf.uint8),
                         boxes=tf.constant([[5.0, 5.0, 30.0, 30.0]]))
  state = sigs["zero_state"](batch_size=tf.constant(1))
  with pytest.raises(tf.errors.InvalidArgumentError,
                     match="track_step: images must be"):
    sigs["track_step"](images=tf.zeros([1, 16, 16, 3], tf.uint8), **state)
  with pytest.raises(tf.errors.InvalidArgumentError,
                     match="expected to be a uint8 tensor"):
    sigs["detect"](images=tf.zeros([1, 32, 32, 3], tf.float32))
