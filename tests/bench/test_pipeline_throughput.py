"""bench/pipeline_throughput.py runs in its reduced mode and measures the
pipeline it claims to measure."""

import json

import numpy as np

from bench import pipeline_throughput
from landmark1d.data import input_pipeline


def test_reduced_run_writes_a_positive_rate_for_every_stage(tmp_path):
  results = pipeline_throughput.run("reduced", str(tmp_path),
                                    data_dir=str(tmp_path / "no_build"))
  written = json.loads((tmp_path / "pipeline_throughput.json").read_text())
  assert written["examples_per_s"] == results["examples_per_s"]
  assert set(written["examples_per_s"]) == {
      "jpeg_crop", "jpeg_crop_augment", "jpeg_crop_augment_1d_targets_L3F",
      "jpeg_crop_augment_2d_targets_LF4"}
  assert all(rate > 0 for rate in written["examples_per_s"].values())
  assert "no synthetic_faces/images build" in written["synthetic"]
  assert (tmp_path / "pipeline_throughput.png").stat().st_size > 0


def test_benchmark_photos_are_jpegs_whose_box_bounds_the_landmarks():
  examples = pipeline_throughput.jpeg_examples(3, 120)
  for ex in examples.as_numpy_iterator():
    assert ex["image"][:2] == b"\xff\xd8"  # JPEG start-of-image marker
    np.testing.assert_allclose(ex["box"][:2], ex["landmarks"].min(0))
    np.testing.assert_allclose(ex["box"][2:], ex["landmarks"].max(0))
  batch = next(iter(input_pipeline.eval_dataset(
      examples, landmark_set="ibug68", crop_size=32, heatmap_length=96,
      sigma=1.0, target="1d", batch_size=3, context=1.4, shift=0.0)))
  assert batch["hx"].shape == (3, 68, 96)
  # The box plus context keeps every point inside the crop.
  assert float(np.min(batch["mask"])) == 1.0
