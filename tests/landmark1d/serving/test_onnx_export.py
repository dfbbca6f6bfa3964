"""ONNX Runtime runs the exported crop signatures as the SavedModel does."""

import numpy as np
import onnxruntime
import pytest
import tensorflow as tf

from landmark1d.serving import onnx_export


@pytest.fixture(scope="module")
def tracker_onnx(tiny_exports, tmp_path_factory):
  folder = tmp_path_factory.mktemp("onnx")
  paths = onnx_export.export(tiny_exports["tracker"], str(folder))
  return paths, tf.saved_model.load(tiny_exports["tracker"]).signatures


def _session(path):
  return onnxruntime.InferenceSession(path,
                                      providers=["CPUExecutionProvider"])


def _run(session, feeds):
  names = [o.name for o in session.get_outputs()]
  return dict(zip(names, session.run(None, feeds)))


def test_a_tracker_export_gives_detect_and_track_step(tracker_onnx):
  paths, _ = tracker_onnx
  assert [p.rsplit("/", 1)[1] for p in paths] == ["detect.onnx",
                                                  "track_step.onnx"]
  detect = _session(paths[0])
  (images,) = detect.get_inputs()
  assert (images.name, images.type, images.shape[1:]) == (
      "images", "tensor(uint8)", [32, 32, 3])
  meta = detect.get_modelmeta().custom_metadata_map
  assert (meta["crop_size"], meta["context"], meta["tracker"]) == (
      "32", "1.4", "True")
  with pytest.raises(Exception, match="invalid dimensions for input: images"):
    detect.run(None, {"images": np.zeros((1, 48, 48, 3), np.uint8)})


def test_detect_through_onnxruntime_equals_the_savedmodel(tracker_onnx):
  paths, signatures = tracker_onnx
  crops = np.random.default_rng(0).integers(0, 256, (3, 32, 32, 3),
                                            dtype=np.uint8)
  got = _run(_session(paths[0]), {"images": crops})
  want = signatures["detect"](images=tf.constant(crops))
  np.testing.assert_allclose(got["landmarks"], want["landmarks"].numpy(),
                             atol=1e-3)
  np.testing.assert_allclose(got["confidence"], want["confidence"].numpy(),
                             atol=1e-5)
  assert got["landmarks"].std() > 1.0  # not a constant matching trivially


def test_track_step_through_onnxruntime_threads_the_state_as_the_savedmodel(
    tracker_onnx):
  paths, signatures = tracker_onnx
  session = _session(paths[1])
  rng = np.random.default_rng(1)
  frames = rng.integers(0, 256, (3, 2, 32, 32, 3), dtype=np.uint8)
  want_state = signatures["zero_state"](batch_size=tf.constant(2))
  got_state = {k: v.numpy() for k, v in want_state.items()}
  for frame in frames:
    want = signatures["track_step"](images=tf.constant(frame), **want_state)
    got = _run(session, {"images": frame, **got_state})
    np.testing.assert_allclose(got["landmarks"], want["landmarks"].numpy(),
                               atol=1e-3)
    want_state = {k: v for k, v in want.items() if k.startswith("state_")}
    got_state = {k: got[f"next_{k}"] for k in want_state}
    for key, value in want_state.items():
      np.testing.assert_allclose(got_state[key], value.numpy(), atol=1e-5)
  assert np.abs(got_state["state_0"]).max() > 0.0  # the state moved
