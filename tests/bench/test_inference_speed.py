"""bench/inference_speed.py times every runtime, dlib and MediaPipe."""

import importlib.util
import json
import subprocess
import time
import zipfile

import numpy as np
import pytest
import tensorflow as tf

from bench import inference_speed


def _stand_in_tflite(path):
  """A float32-input .tflite (8 px) standing in for MediaPipe's model."""
  @tf.function(input_signature=[tf.TensorSpec((1, 8, 8, 3), tf.float32)])
  def model(x):
    return {"mean": tf.reduce_mean(x, axis=(1, 2))}
  converter = tf.lite.TFLiteConverter.from_concrete_functions(
      [model.get_concrete_function()], model)
  path.write_bytes(converter.convert())
  return str(path)


def test_faces_per_second_counts_faces_over_wall_time():
  calls = []

  def call(crops):
    calls.append(len(crops))
    time.sleep(0.01)

  rate = inference_speed.faces_per_second(call, [0] * 4, seconds=0.1)
  # 4 faces per 10 ms call: at most 400 faces/s, less the loop's overhead.
  assert 250 < rate <= 400
  assert calls[0] == 4 and len(calls) >= 10


def test_reduced_run_writes_a_rate_for_every_runtime_batch_and_the_peers(
    tmp_path):
  stand_in = _stand_in_tflite(tmp_path / "face_landmark.tflite")
  results = inference_speed.run("reduced", str(tmp_path / "out"), stand_in)
  written = json.loads((tmp_path / "out" / "inference_speed.json").read_text())
  assert written["faces_per_s"] == results["faces_per_s"]
  expected = {f"tiny_F32_L64/{runtime}/batch{b}"
              for runtime in ("keras", "saved_model", "tflite_float32")
              for b in (1, 4)} | {"dlib_shape_predictor/batch1"}
  assert set(results["faces_per_s"]) == expected
  assert all(rate > 0 for rate in results["faces_per_s"].values())
  assert results["peer"].startswith("dlib")
  side = written["side_by_side"]
  ours = {f"synthetic_det1d_mobile_smoke/{runtime}"
          for runtime in ("tflite_float32", "tflite_int8", "onnxruntime")}
  onnx = all(importlib.util.find_spec(m) for m in ("tf2onnx", "onnxruntime"))
  assert set(side["skipped"]) == (
      set() if onnx else {"synthetic_det1d_mobile_smoke/onnxruntime"})
  assert set(side["rows"]) == (ours - set(side["skipped"])) | {
      inference_speed.MEDIAPIPE_ROW, inference_speed.DLIB_ROW}
  for row in side["rows"].values():
    assert len(row["rounds_ms"]) == 2 and 0 < row["min_ms"] <= row["median_ms"]
  assert side["rows"][inference_speed.MEDIAPIPE_ROW][
      "median_ms_over_mediapipe"] == 1.0
  assert side["models"]["synthetic_det1d_mobile_smoke"]["backbone"] == "mobile"
  assert (tmp_path / "out" / "inference_speed.png").stat().st_size > 0


def test_rounds_interleave_the_rows_starting_one_later_each_round():
  seen = []
  rows = {name: (seen.append, name) for name in "abc"}
  times = inference_speed.interleaved_ms(rows, rounds=3, calls=2)
  assert seen == list("abc") + list("aabbcc") + list("bbccaa") + list(
      "ccaabb")
  assert {name: len(t) for name, t in times.items()} == {"a": 3, "b": 3,
                                                         "c": 3}


def test_side_by_side_takes_medians_and_divides_by_mediapipe():
  out = inference_speed.side_by_side({
      "mobile/tflite_int8": [1.0, 3.0, 1.5],
      inference_speed.MEDIAPIPE_ROW: [2.0, 4.0, 3.0]})
  mobile = out["mobile/tflite_int8"]
  assert (mobile["median_ms"], mobile["min_ms"]) == (1.5, 1.0)
  assert mobile["median_ms_over_mediapipe"] == 0.5


def test_mediapipe_model_comes_out_of_the_wheel_once(tmp_path, monkeypatch):
  downloads = []

  def pip_download(command, **kwargs):
    del kwargs
    downloads.append(command)
    folder = command[command.index("-d") + 1]
    with zipfile.ZipFile(f"{folder}/mediapipe-0.10.21-cp311.whl", "w") as z:
      z.writestr(inference_speed.MEDIAPIPE_MEMBER, b"tflite bytes")
      z.writestr("mediapipe/other.txt", b"")
    return subprocess.CompletedProcess(command, 0, "", "")
  monkeypatch.setattr(inference_speed.subprocess, "run", pip_download)
  path = tmp_path / "cache" / "face_landmark.tflite"
  assert inference_speed.fetch_mediapipe(str(path)) is None
  assert path.read_bytes() == b"tflite bytes"
  assert "mediapipe==0.10.21" in downloads[0] and "--no-deps" in downloads[0]
  assert inference_speed.fetch_mediapipe(str(path)) is None  # cached
  assert len(downloads) == 1


def test_face_crop_is_uint8_at_the_asked_side():
  crop = inference_speed.face_crop(48)
  assert crop.shape == (1, 48, 48, 3) and crop.dtype == np.uint8
  # The face (skin, not the green backdrop) fills the middle of the crop.
  middle = crop[0, 20:28, 20:28].astype(int)
  assert np.all(middle[..., 0] > middle[..., 1])


def test_targets_read_latency_as_inverse_rates_and_pick_the_best_lite():
  rates = {"paper_4stack_F256_L768/keras/batch1": 2.0,
           "paper_4stack_F256_2D_L64/keras/batch1": 2.5,
           "lite_x/saved_model/batch16": 30.0,
           "lite_x/tflite_float32/batch1": 40.0,
           "lite_x/keras/batch16": 90.0}
  out = inference_speed.targets(rates)
  # 1D at 2 faces/s takes 0.5 s, 2D at 2.5 faces/s 0.4 s: ratio 1.25.
  assert out["latency_1d_L768_over_2d_L64_keras"] == 1.25
  assert out["lite_best"]["runtime"] == "lite_x/tflite_float32/batch1"


def test_a_part_run_alone_keeps_the_other_from_the_json(tmp_path,
                                                        monkeypatch):
  with pytest.raises(ValueError, match="holds no reduced results of "
                     r"\['throughput'\] to keep"):
    inference_speed.run("reduced", str(tmp_path), parts=["side_by_side"])
  with pytest.raises(ValueError, match=r"parts \['speed'\] are not among"):
    inference_speed.run("reduced", str(tmp_path), parts=["speed"])
  stored = {"mode": "reduced", "faces_per_s": {"x/keras/batch1": 5.0},
            "targets": {}, "side_by_side": {"rows": {"old": {}}}}
  (tmp_path / "inference_speed.json").write_text(json.dumps(stored))
  part = {"rows": {"new": {"median_ms": 2.0}}}
  monkeypatch.setattr(inference_speed, "_side_by_side_part",
                      lambda mode, model: part)
  monkeypatch.setattr(inference_speed, "plot", lambda results, path: None)
  results = inference_speed.run("reduced", str(tmp_path),
                                parts=["side_by_side"])
  assert results == dict(stored, side_by_side=part)
  assert json.loads((tmp_path / "inference_speed.json").read_text()) == (
      results)


def _side_by_side_part():
  """A side-by-side part of two models, MediaPipe and dlib, ONNX skipped."""
  rows = inference_speed.side_by_side({
      "lite/tflite_float32": [4.0], "lite/tflite_int8": [3.0],
      "mobile/tflite_float32": [1.5], "mobile/tflite_int8": [1.8],
      inference_speed.MEDIAPIPE_ROW: [2.0],
      inference_speed.DLIB_ROW: [5.0]})
  size = dict(backbone="hourglass", channels=64, head_width=64, mflops=131.0)
  return {"rounds": 30, "calls_per_round": 40, "rows": rows,
          "models": {"lite": size, "mobile": dict(size, backbone="mobile",
                                                  head_width=32,
                                                  mflops=47.49)},
          "skipped": {"lite/onnxruntime": "not installed",
                      "mobile/onnxruntime": "not installed"},
          "machine": {"cpus_usable": 2,
                      "load_average_1_5_15_at_start": [0.41, 0, 0],
                      "load_average_1_5_15_at_end": [2.0, 0, 0]}}


def test_side_by_side_table_prints_ms_and_ratio_to_mediapipe_per_runtime():
  table = inference_speed.side_by_side_markdown(_side_by_side_part())
  lines = table.splitlines()
  assert ("| `mobile` | mobile, 64, 32 | 47 | 1.50 (0.75x) | 1.80 (0.90x) | "
          "skipped |") in lines
  assert ("| `lite` | hourglass, 64, 64 | 131 | 4.00 (2.00x) | 3.00 (1.50x) "
          "| skipped |") in lines
  assert "| MediaPipe face_landmark | | | 2.00 (1.00x) | | |" in lines
  assert "| dlib 68-point predictor | | | 5.00 (2.50x) | | |" in lines
  assert lines[-1].endswith("load average 0.4 at the start and 2.0 at the "
                            "end, on 2 cores.")
