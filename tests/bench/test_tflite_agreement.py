"""bench/tflite_agreement.py scores every TFLite precision beside the
SavedModel on the same test crops."""

import json
import os

from bench import tflite_agreement


def test_reduced_run_scores_each_precision_and_float32_matches(
    tmp_path, smoke_detector_workdir):
  results = tflite_agreement.run("reduced", str(tmp_path / "out"),
                                 smoke_detector_workdir)
  written = json.loads((tmp_path / "out" / "tflite_agreement.json")
                       .read_text())
  assert written == json.loads(json.dumps(results))
  assert set(results["precisions"]) == {
      "saved_model", "tflite_float32", "tflite_float16", "tflite_int8"}
  assert results["images"] == 16
  reference = results["precisions"]["saved_model"]
  assert reference["gap_max_px"] == 0.0
  float32 = results["precisions"]["tflite_float32"]
  assert float32["gap_max_px"] < 1e-2
  assert abs(float32["nrmse_percent"] - reference["nrmse_percent"]) < 1e-3
  # Weights shrink with the precision (the tiny model's graph is a large
  # fixed part of the file).
  sizes = results["tflite_bytes"]
  assert sizes["int8"] < sizes["float16"] < sizes["float32"]
  assert os.path.getsize(tmp_path / "out" / "tflite_agreement.png") > 0
