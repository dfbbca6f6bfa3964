"""The SavedModel serves the Keras model's landmarks without this package,
through both of TensorFlow's loaders and through `saved_model_cli run`."""

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import tensorflow as tf

from landmark1d import models
from landmark1d.geometry import coordinates
from landmark1d.geometry import heatmaps
from landmark1d.serving import saved_model

F = 32
TINY = dict(num_landmarks=68, input_size=F, num_stacks=1, channels=16,
            hourglass_depth=2, attention_dims=2)
# kind -> (head, heatmap length, decoder, tracker)
KINDS = {"det1d": ("1d", 64, "dark", False),
         "det2d": ("2d", 16, "argmax", False),
         "trk1d": ("1d", 64, "argmax", True),
         "trk2d": ("2d", 16, "argmax", True)}
DETECTOR_SIGNATURES = {"serving_default", "detect", "detect_image",
                       "detect_images", "metadata"}
TRACKER_SIGNATURES = {"track_step", "track_step_image", "zero_state"}

# Runs in a fresh interpreter: plain TensorFlow, no landmark1d on the path.
# For each export (one interpreter serves them all: its start-up and the TF
# import are most of a small export's run), every signature runs on the same
# inputs through the object-based loader (`tf.saved_model.load`) and through
# the session loader TensorFlow Serving uses
# (`tf.compat.v1.saved_model.loader.load`); the outputs go to one .npz per
# export as "<loader>.<signature>.<output>".
_CLIENT = textwrap.dedent("""
    import json, sys
    import numpy as np
    import tensorflow as tf
    assert "landmark1d" not in sys.modules
    inputs, jobs = sys.argv[1], json.loads(sys.argv[2])
    data = dict(np.load(inputs))

    def run_all(call, names):
      r = {"detect": call("detect", images=data["crops"]),
           "serving_default": call("serving_default", images=data["crops"]),
           "detect_image": call("detect_image", image=data["image"],
                                boxes=data["boxes"]),
           "detect_images": call("detect_images", images=data["padded"],
                                 sizes=data["sizes"], boxes=data["boxes"],
                                 image_index=data["image_index"]),
           "metadata": call("metadata")}
      if "track_step" in names:
        state = call("zero_state", batch_size=np.int32(2))
        r["zero_state"] = state
        steps = []
        for t in range(data["clip"].shape[1]):
          step = call("track_step", images=data["clip"][:, t], **state)
          state = {k: v for k, v in step.items() if k.startswith("state_")}
          steps.append(step)
        r["track_step"] = {k: np.stack([s[k] for s in steps], 1)
                           for k in steps[0]}
        r["track_step_image"] = call("track_step_image", image=data["image"],
                                     boxes=data["boxes"], **state)
      return r

    def serve(path, out, wrong_crop):
      loaded = tf.saved_model.load(path)
      def call_object(name, **feeds):
        out = loaded.signatures[name](**{k: tf.constant(v)
                                         for k, v in feeds.items()})
        return {k: v.numpy() for k, v in out.items()}
      results = {"object": run_all(call_object, set(loaded.signatures))}

      info = {}
      with tf.compat.v1.Graph().as_default() as graph:
        with tf.compat.v1.Session(graph=graph) as session:
          meta_graph = tf.compat.v1.saved_model.loader.load(session, ["serve"],
                                                            path)
          sigs = meta_graph.signature_def
          info["signatures"] = sorted(k for k in sigs if not k.startswith("__"))
          def call_session(name, **feeds):
            sig = sigs[name]
            return session.run(
                {k: t.name for k, t in sig.outputs.items()},
                {sig.inputs[k].name: v for k, v in feeds.items()})
          results["session"] = run_all(call_session, set(sigs))
      if wrong_crop:
        # Python's Session refuses a feed that contradicts the signature's
        # shape; TensorFlow Serving's C++ does not. Feed through a shapeless
        # placeholder to reach the graph's own check, as a server would.
        with tf.compat.v1.Graph().as_default() as graph:
          with tf.compat.v1.Session(graph=graph) as session:
            free = tf.compat.v1.placeholder(tf.uint8, [None, None, None, 3])
            meta_graph = tf.compat.v1.saved_model.loader.load(
                session, ["serve"], path,
                input_map={sigs["detect"].inputs["images"].name: free})
            try:
              session.run(meta_graph.signature_def["detect"].outputs[
                  "landmarks"].name, {free: np.zeros((1, 48, 48, 3), np.uint8)})
              info["wrong_crop"] = "accepted"
            except tf.errors.InvalidArgumentError as e:
              info["wrong_crop"] = e.message

      np.savez(out, **{f"{loader}.{sig}.{k}": np.asarray(v)
                       for loader, r in results.items()
                       for sig, outputs in r.items()
                       for k, v in outputs.items()})
      json.dump(info, open(out + ".json", "w"))
    for job in jobs:
      serve(**job)
    print("landmark1d" in sys.modules)
""")


def _env():
  return dict(os.environ, PYTHONPATH="", TF_CPP_MIN_LOG_LEVEL="2")


def _export(kind, folder):
  """The kind's tiny detector (and tracker), exported to `folder`/saved."""
  head, length, decoder, is_tracker = KINDS[kind]
  detector = models.build_detector(head, heatmap_length=length, **TINY)
  tracker = step = None
  if is_tracker:
    tracker = models.build_tracker(detector, filters=8)
    step = models.build_tracker_step(tracker)
  module = saved_model.LandmarkModule(
      detector, head=head, landmark_set="ibug68", crop_size=F,
      heatmap_length=length, sigma=1.0, decoder=decoder, context=1.4,
      shift=0.0, step_model=step)
  path = saved_model.export(module, str(folder / "saved"), {"name": "test"})
  return dict(detector=detector, tracker=tracker, path=path)


@pytest.fixture(scope="module")
def served_kinds(tmp_path_factory, tiny_models, tiny_exports):
  """Every kind's tiny export, run by one fresh-process client.

  "trk1d" is the session's tiny tracker export (the same head, L, decoder and
  crop rule), so it is not exported a second time.

  Returns:
    `{kind: dict}`, each with the kind's settings, its Keras models, the
    inputs, the export path, `outputs` (`{(loader, signature, output):
    array}`) and `info` (the session loader's signature names and, for
    "det1d", the message of a wrong crop size).
  """
  folder = tmp_path_factory.mktemp("served")
  rng = np.random.default_rng(0)
  inputs = {"image": rng.integers(0, 256, (60, 80, 3), dtype=np.uint8),
            "boxes": np.array([[20, 10, 50, 40], [5, 8, 30, 45]], np.float32),
            "crops": rng.integers(0, 256, (2, F, F, 3), dtype=np.uint8),
            "clip": rng.integers(0, 256, (2, 3, F, F, 3), dtype=np.uint8)}
  # detect_images: the image and its top-left 40 x 50 corner, zero-padded,
  # one box each.
  inputs["padded"] = np.stack([inputs["image"], np.pad(
      inputs["image"][:40, :50], [(0, 20), (0, 30), (0, 0)])])
  inputs["sizes"] = np.array([[60, 80], [40, 50]], np.int32)
  inputs["image_index"] = np.array([0, 1], np.int32)
  np.savez(str(folder / "in.npz"), **inputs)
  kinds, jobs = {}, []
  for kind, (head, _, decoder, _) in KINDS.items():
    if kind == "trk1d":
      exported = dict(tiny_models, path=tiny_exports["tracker"])
    else:
      exported = _export(kind, folder / kind)
    kinds[kind] = dict(exported, kind=kind, head=head, decoder=decoder,
                       inputs=inputs)
    # One kind is enough for the graph's shape check through the session
    # loader.
    jobs.append(dict(path=exported["path"], out=str(folder / f"{kind}.npz"),
                     wrong_crop=kind == "det1d"))
  proc = subprocess.run([sys.executable, "-c", _CLIENT,
                         str(folder / "in.npz"), json.dumps(jobs)],
                        cwd=str(folder), env=_env(), capture_output=True,
                        text=True, timeout=600)
  assert proc.returncode == 0, proc.stderr[-3000:]
  assert proc.stdout.strip().endswith("False")
  for kind, job in zip(kinds, jobs):
    kinds[kind]["outputs"] = {tuple(k.split(".")): v
                              for k, v in np.load(job["out"]).items()}
    kinds[kind]["info"] = json.load(open(job["out"] + ".json"))
  return kinds


@pytest.fixture(scope="module", params=list(KINDS))
def served(request, served_kinds):
  """One kind of `served_kinds`."""
  return served_kinds[request.param]


def _by_signature(outputs, loader):
  result = {}
  for (name, signature, key), value in outputs.items():
    if name == loader:
      result.setdefault(signature, {})[key] = value
  return result


def test_session_loader_runs_every_signature_like_the_object_loader(served):
  expected = DETECTOR_SIGNATURES | (
      TRACKER_SIGNATURES if served["tracker"] is not None else set())
  assert set(served["info"]["signatures"]) == expected
  objects = _by_signature(served["outputs"], "object")
  session = _by_signature(served["outputs"], "session")
  assert set(objects) == set(session) == expected
  for signature, want in objects.items():
    got = session[signature]
    assert set(got) == set(want), signature
    for key, value in want.items():
      if value.dtype.kind == "f":
        np.testing.assert_allclose(got[key], value, atol=1e-4,
                                   err_msg=f"{signature}/{key}")
      else:
        np.testing.assert_array_equal(got[key], value,
                                      err_msg=f"{signature}/{key}")
  # serving_default is detect, and its landmarks are not a constant that
  # would match trivially.
  np.testing.assert_array_equal(objects["serving_default"]["landmarks"],
                                objects["detect"]["landmarks"])
  assert objects["detect"]["landmarks"].std() > 1.0


@pytest.mark.parametrize("served", ["det1d"], indirect=True)
def test_session_loader_names_a_wrong_crop_size(served):
  assert ("detect: images must be uint8 face crops of shape (batch, 32, 32, 3)"
          in served["info"]["wrong_crop"])


def _keras_landmarks(detector, head, decoder, crops01):
  out = detector(crops01, training=False)
  if head == "1d":
    return heatmaps.decode_1d(out["hx"][:, -1], out["hy"][:, -1], F,
                              decoder, 1.0)[0].numpy()
  return heatmaps.decode_2d(out["heatmap"][:, -1], F, decoder, 1.0)[0].numpy()


def test_detect_signatures_match_keras(served):
  got = _by_signature(served["outputs"], "object")
  inputs = served["inputs"]
  landmarks = lambda crops01: _keras_landmarks(  # pylint: disable=g-long-lambda
      served["detector"], served["head"], served["decoder"], crops01)
  want = landmarks(inputs["crops"].astype(np.float32) / 255)
  np.testing.assert_allclose(got["detect"]["landmarks"], want, atol=1e-4)
  windows = coordinates.square_window(inputs["boxes"], 1.4, 0.0)
  crops = saved_model.crop_faces(inputs["image"], windows, F) / 255.0
  want_image = coordinates.crop_to_image(landmarks(crops), windows, F).numpy()
  np.testing.assert_allclose(got["detect_image"]["landmarks"], want_image,
                             atol=1e-4)
  # Face 1 of detect_images is cut from the 40 x 50 corner alone: its window
  # runs past that image's edge, where the padding must not show.
  corner = saved_model.crop_faces(inputs["image"][:40, :50], windows[1:], F) / 255.0
  want_corner = coordinates.crop_to_image(landmarks(corner), windows[1:],
                                          F).numpy()
  np.testing.assert_allclose(got["detect_images"]["landmarks"],
                             np.concatenate([want_image[:1], want_corner]),
                             atol=1e-4)
  meta = got["metadata"]
  assert meta["head"] == served["head"].encode()
  assert meta["decoder"] == served["decoder"].encode()
  assert meta["num_landmarks"] == 68 and meta["crop_size"] == F
  assert bool(meta["tracker"]) == (served["tracker"] is not None)


@pytest.mark.parametrize("served", ["trk1d", "trk2d"], indirect=True)
def test_track_step_frame_by_frame_equals_the_clip_model(served):
  clip = served["inputs"]["clip"].astype(np.float32) / 255
  out = served["tracker"](clip, training=False)
  want = heatmaps.decode_outputs(out, F, "argmax")[0].numpy()
  got = _by_signature(served["outputs"], "object")["track_step"]
  np.testing.assert_allclose(got["landmarks"], want, atol=1e-4)


@pytest.mark.parametrize("served", ["det1d"], indirect=True)
def test_saved_model_cli_run_returns_the_landmarks(served, tmp_path):
  # The console script `saved_model_cli` is this module's main().
  np.save(str(tmp_path / "crops.npy"), served["inputs"]["crops"])
  proc = subprocess.run(
      [sys.executable, "-m", "tensorflow.python.tools.saved_model_cli", "run",
       "--dir", served["path"], "--tag_set", "serve", "--signature_def",
       "detect", "--inputs", f"images={tmp_path / 'crops.npy'}", "--outdir",
       str(tmp_path / "out")], env=_env(), capture_output=True, text=True,
      timeout=300)
  assert proc.returncode == 0, proc.stderr[-3000:]
  want = _by_signature(served["outputs"], "object")["detect"]
  for key in ("landmarks", "confidence"):
    np.testing.assert_allclose(np.load(str(tmp_path / "out" / f"{key}.npy")),
                               want[key], atol=1e-4)


def test_unknown_decoder_is_rejected():
  model = models.build_detector("1d", heatmap_length=64, **TINY)
  with pytest.raises(ValueError, match="decoder"):
    saved_model.LandmarkModule(model, head="1d", landmark_set="ibug68",
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


def test_mobile_backbone_exports_through_the_same_path(tmp_path):
  detector = models.build_detector("1d", heatmap_length=64,
                                   backbone="mobile", **TINY)
  module = saved_model.LandmarkModule(
      detector, head="1d", landmark_set="ibug68", crop_size=F,
      heatmap_length=64, sigma=1.0, decoder="argmax", context=1.4, shift=0.0)
  path = saved_model.export(module, str(tmp_path / "saved"), {"name": "test"})
  crops = np.random.default_rng(2).integers(0, 256, (2, F, F, 3), np.uint8)
  got = tf.saved_model.load(path).signatures["detect"](
      images=tf.constant(crops))["landmarks"].numpy()
  want = _keras_landmarks(detector, "1d", "argmax",
                          crops.astype(np.float32) / 255)
  np.testing.assert_allclose(got, want, atol=1e-4)


def test_confidence_lies_in_0_1_for_zero_noise_and_saturated_crops(
    tiny_exports):
  sigs = tf.saved_model.load(tiny_exports["detector"]).signatures
  rng = np.random.default_rng(0)
  crops = np.concatenate([np.zeros((1, F, F, 3), np.uint8),
                          np.full((1, F, F, 3), 255, np.uint8),
                          rng.integers(0, 256, (6, F, F, 3), dtype=np.uint8)])
  confidence = sigs["detect"](images=tf.constant(crops))["confidence"].numpy()
  assert confidence.shape == (8, 68)
  assert np.all((confidence >= 0.0) & (confidence <= 1.0))
  # A box far outside the image crops nothing but the zero padding.
  far = sigs["detect_image"](image=tf.constant(crops[2]),
                             boxes=tf.constant([[500.0, 500.0, 540.0, 540.0]]))
  assert np.all((far["confidence"].numpy() >= 0.0) &
                (far["confidence"].numpy() <= 1.0))
