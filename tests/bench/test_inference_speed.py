"""bench/inference_speed.py times every runtime and the dlib peer."""

import json
import time

from bench import inference_speed


def test_faces_per_second_counts_faces_over_wall_time():
  calls = []

  def call(crops):
    calls.append(len(crops))
    time.sleep(0.01)

  rate = inference_speed.faces_per_second(call, [0] * 4, seconds=0.1)
  # 4 faces per 10 ms call: at most 400 faces/s, less the loop's overhead.
  assert 250 < rate <= 400
  assert calls[0] == 4 and len(calls) >= 10


def test_reduced_run_writes_a_rate_for_every_runtime_batch_and_the_peer(
    tmp_path):
  results = inference_speed.run("reduced", str(tmp_path))
  written = json.loads((tmp_path / "inference_speed.json").read_text())
  assert written["faces_per_s"] == results["faces_per_s"]
  expected = {f"tiny_F32_L64/{runtime}/batch{b}"
              for runtime in ("keras", "saved_model", "tflite_float32")
              for b in (1, 4)} | {"dlib_shape_predictor/batch1"}
  assert set(results["faces_per_s"]) == expected
  assert all(rate > 0 for rate in results["faces_per_s"].values())
  assert results["peer"].startswith("dlib")
  assert (tmp_path / "inference_speed.png").stat().st_size > 0


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
