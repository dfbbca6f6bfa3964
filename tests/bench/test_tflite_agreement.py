"""bench/tflite_agreement.py scores every TFLite precision beside the
SavedModel on the same test crops."""

import json
import os

from bench import tflite_agreement
from experiments import configs as registry
from landmark1d.runs import schema
from landmark1d.runs import train


def test_reduced_run_scores_each_precision_and_float32_matches(
    tmp_path, mini_data_dir):
  workdir = str(tmp_path / "run")
  config = schema.override(registry.get("synthetic_det1d_smoke"), [
      f"data.data_dir={mini_data_dir}", "data.dataset=synthetic_faces/mini"])
  train.run(config.validate(), workdir, log=lambda _: None)
  results = tflite_agreement.run("reduced", str(tmp_path / "out"), workdir)
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
