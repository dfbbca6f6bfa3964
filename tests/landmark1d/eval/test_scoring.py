"""Scoring collected predictions: subsets, videos, the mean shape."""

import numpy as np
import pytest

from landmark1d.eval import scoring
from landmark1d.geometry import landmark_sets


def _faces(n, seed=0):
  rng = np.random.default_rng(seed)
  gt = rng.uniform(0, 200, size=(n, 68, 2))
  gt[:, 36] = (50.0, 100.0)
  gt[:, 45] = (150.0, 100.0)  # inter-ocular distance 100
  return gt


def test_score_matches_hand_computed_nrmse():
  gt = _faces(2)
  pred = gt.copy()
  pred[0] += (0.0, 2.0)  # every point 2 px off: NRMSE 2 %
  p = scoring.Predictions(pred, gt, np.ones((2, 68), bool), ["a", "b"])
  s = scoring.score(p, landmark_set="ibug68")
  np.testing.assert_allclose(s.errors, [0.02, 0.0])
  assert s.summary.nrmse == pytest.approx(1.0)
  assert s.regions["mouth"] == pytest.approx(1.0)


def test_common7_subset_scores_only_the_shared_points():
  gt = _faces(1)
  pred = gt.copy()
  pred[0, 0] += 50.0  # a jaw point: not among the 7 common points
  pred[0, 30] += (0.0, 7.0)  # the nose tip: one of them
  p = scoring.Predictions(pred, gt, np.ones((1, 68), bool), ["f"])
  s = scoring.score(p, landmark_set="ibug68", eval_subset="common7")
  np.testing.assert_allclose(s.errors, [7.0 / 7 / 100])


def test_unknown_subset_mapping_is_a_clear_error():
  p = scoring.Predictions(_faces(1), _faces(1), np.ones((1, 68), bool),
                          ["f"])
  with pytest.raises(ValueError, match="no mapping of the 'common7' points "
                     "into the 'aflw19' markup"):
    scoring.score(p, landmark_set="ibug68", eval_subset="common7",
                  ground_truth_set="aflw19")


def test_video_jitter_is_computed_per_unbroken_run():
  gt = np.repeat(_faces(1), 6, axis=0)
  pred = gt.copy()
  pred[1::2] += (0.0, 1.0)  # 1 px up/down every frame: jitter 1 % of 100 px
  p = scoring.Predictions(
      pred, gt, np.ones((6, 68), bool), [str(i) for i in range(6)],
      video_ids=["v1"] * 3 + ["v2"] * 3,
      frame_indices=np.array([0, 1, 2, 0, 1, 2]))
  s = scoring.score(p, landmark_set="ibug68")
  assert s.jitter == pytest.approx(1.0)
  assert s.jitter_truth == pytest.approx(0.0)


def test_concatenate_and_length_checks():
  gt = _faces(3)
  parts = [scoring.Predictions(gt[:1], gt[:1], np.ones((1, 68), bool),
                               ["a"]),
           scoring.Predictions(gt[1:], gt[1:], np.ones((2, 68), bool),
                               ["b", "c"])]
  joined = scoring.Predictions.concatenate(parts)
  assert joined.image_ids == ["a", "b", "c"] and joined.landmarks.shape == (
      3, 68, 2)
  with pytest.raises(ValueError, match="image_ids has 1 entries for 3"):
    scoring.Predictions(gt, gt, np.ones((3, 68), bool), ["a"])


def test_subset_table_is_consistent_with_landmark_sets():
  assert scoring.subset_of("ibug68", "common7") == (
      landmark_sets.COMMON7_FROM_IBUG68)
  assert scoring.subset_of("common7", "common7") == tuple(range(7))


def test_mean_shape_averages_each_point_where_it_is_annotated():
  crops = np.array([[[10.0, 20.0], [30.0, 40.0]],
                    [[12.0, 22.0], [-50.0, -50.0]]])  # point 1 unannotated
  visible = np.array([[True, True], [True, False]])
  np.testing.assert_allclose(scoring.mean_shape(crops, visible),
                             [[11.0, 21.0], [30.0, 40.0]])
  np.testing.assert_allclose(scoring.mean_shape(crops),
                             [[11.0, 21.0], [-10.0, -5.0]])
  with pytest.raises(ValueError, match="landmark 1 is annotated in no"):
    scoring.mean_shape(crops, np.array([[True, False], [True, False]]))
