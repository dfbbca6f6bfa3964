"""bench/confidence_separation.py: the rank AUC, face-free twins of test
stills, and a reduced run on a trained smoke model."""

import json

import numpy as np
import pytest

from bench import confidence_separation
from landmark1d_datasets.synthetic_faces import scene as scene_lib
from landmark1d_datasets.synthetic_faces import (
    synthetic_faces_dataset_builder as builder_lib)


def test_roc_auc_counts_the_pairs_a_positive_wins_ties_as_half():
  # Pairs (p, n): 3 > 1, 3 > 2, 3 = 3 (half); 2 > 1, 2 = 2 (half), 2 < 3;
  # 0.5 loses all three: 2.5 + 1.5 + 0 = 4 of 9.
  auc = confidence_separation.roc_auc([3.0, 2.0, 0.5], [1.0, 2.0, 3.0])
  assert auc == pytest.approx(4.0 / 9.0)
  assert confidence_separation.roc_auc([2, 3], [0, 1]) == 1.0
  assert confidence_separation.roc_auc([0, 1], [2, 3]) == 0.0
  assert confidence_separation.roc_auc([1, 1], [1]) == 0.5


def test_roc_auc_matches_the_pair_count_on_random_scores():
  rng = np.random.default_rng(0)
  pos = np.round(rng.normal(1.0, 1.0, 40), 1)  # rounding makes ties
  neg = np.round(rng.normal(0.0, 1.0, 30), 1)
  wins = (pos[:, None] > neg[None]) + 0.5 * (pos[:, None] == neg[None])
  assert confidence_separation.roc_auc(pos, neg) == pytest.approx(
      wins.mean())


def test_roc_auc_without_one_class_is_a_value_error():
  with pytest.raises(ValueError, match="both classes"):
    confidence_separation.roc_auc([1.0], [])


@pytest.mark.parametrize("index", [0, 1])
def test_the_face_free_twin_keeps_the_picture_around_the_face(index):
  config = builder_lib.Builder.builder_configs["images"]
  scene = builder_lib.still_scene(config, "test", index)
  face = scene_lib.render_scene(scene)
  empty = scene_lib.render_scene(confidence_separation.without_face(scene))
  assert not empty.visible.any()
  x0, y0, x1, y1 = builder_lib.tight_box(face.landmarks, face.visible)
  margin = max(x1 - x0, y1 - y0) / 2  # hair and blur reach past the box
  grid_y, grid_x = np.mgrid[:scene.image_size, :scene.image_size]
  far = ((grid_x < x0 - margin) | (grid_x > x1 + margin) |
         (grid_y < y0 - margin) | (grid_y > y1 + margin))
  assert far.sum() > 1000
  # Light, noise and JPEG are the same draws in both pictures.
  np.testing.assert_array_equal(face.image[far], empty.image[far])
  assert np.abs(face.image.astype(int) - empty.image.astype(int)).max() > 50


def test_reduced_run_scores_faces_backgrounds_and_zero_crops_in_0_1(
    tmp_path, smoke_detector_workdir):
  results = confidence_separation.run("reduced", str(tmp_path / "out"),
                                      smoke_detector_workdir)
  written = json.loads((tmp_path / "out" / "confidence_separation.json")
                       .read_text())
  assert written == json.loads(json.dumps(results))
  assert results["images"] == 6
  scores = results["scores"]
  assert len(scores["faces"]) == len(scores["backgrounds"]) == 6
  assert results["roc_auc"] == pytest.approx(confidence_separation.roc_auc(
      scores["faces"], scores["backgrounds"]))
  for name in ("zero", "uniform_noise"):
    other = results["other_inputs"][name]
    assert 0.0 <= other["min_landmark"] <= other["max_landmark"] <= 1.0
  assert all(0.0 <= v <= 1.0 for v in scores["faces"] + scores["backgrounds"])
