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


def _flagged_videos():
  """2 videos x 4 frames, shuffled: static faces (inter-ocular 100 px) with
  every point of a frame d px off, so its NRMSE is d % and the jitter of a
  frame pair |d_t - d_(t-1)| %.

  video a (frames 0-3):   d 4 1 3 1, degraded at frame 2 (occluder)
  video b (frames 10-13): d 2 6 2 2, degraded at frame 11 (noise)
  """
  gt = np.repeat(_faces(1), 8, axis=0)
  offsets = np.array([4, 1, 3, 1, 2, 6, 2, 2], float)
  pred = gt + np.stack([np.zeros(8), offsets], -1)[:, None, :]
  video_ids = ["a"] * 4 + ["b"] * 4
  frames = np.array([0, 1, 2, 3, 10, 11, 12, 13])
  degraded = np.array([0, 0, 1, 0, 0, 1, 0, 0], bool)
  events = ["none", "none", "occluder", "none", "none", "noise", "none",
            "none"]
  order = np.array([5, 2, 7, 0, 3, 6, 1, 4])  # any order must do
  return scoring.Predictions(
      pred[order], gt[order], np.ones((8, 68), bool),
      [f"{video_ids[i]}{frames[i]}" for i in order],
      video_ids=[video_ids[i] for i in order], frame_indices=frames[order],
      degraded=degraded[order], events=[events[i] for i in order])


def _row(frames, nrmse, jitter):
  return {"frames": frames, "nrmse": pytest.approx(nrmse),
          "jitter": pytest.approx(jitter)}


def test_degraded_clean_and_skip_first_rows_are_frame_means():
  s = scoring.score(_flagged_videos(), landmark_set="ibug68", skip_first=2)
  # Pairs (t-1, t) belong to frame t: a 3, 2, 2 (ending a1 a2 a3) and
  # b 4, 4, 0 (ending b11 b12 b13); degraded pairs end in a2 and b11.
  assert s.frame_rows == {
      "all": _row(8, 21 / 8, 15 / 6),
      "degraded": _row(2, (3 + 6) / 2, (2 + 4) / 2),
      "clean": _row(6, (4 + 1 + 1 + 2 + 2 + 2) / 6, (3 + 2 + 4 + 0) / 4),
      # The first 2 frames of each video left out: a2 a3 b12 b13.
      "all_after_skip": _row(4, (3 + 1 + 2 + 2) / 4, (2 + 2 + 4 + 0) / 4),
      "degraded_after_skip": _row(1, 3.0, 2.0),
      "clean_after_skip": _row(3, (1 + 2 + 2) / 3, (2 + 4 + 0) / 3)}
  assert s.summary.nrmse == pytest.approx(21 / 8)
  assert s.jitter == pytest.approx(15 / 6)
  saved = s.to_dict()
  assert saved["frame_subsets"]["skip_first"] == 2
  assert set(saved) == {"summary", "regions", "jitter", "frame_subsets",
                        "events", "videos", "coordinate_variance",
                        "per_image_nrmse_percent"}


def test_degraded_flags_give_per_video_and_per_event_rows():
  s = scoring.score(_flagged_videos(), landmark_set="ibug68")
  assert s.video_rows == [
      dict(video="b", **_row(4, (2 + 6 + 2 + 2) / 4, (4 + 4 + 0) / 3)),
      dict(video="a", **_row(4, (4 + 1 + 3 + 1) / 4, (3 + 2 + 2) / 3))]
  assert s.event_rows == {
      "noise": _row(1, 6.0, 4.0), "occluder": _row(1, 3.0, 2.0),
      "none": _row(6, 2.0, (3 + 2 + 4 + 0) / 4)}
  assert set(s.frame_rows) == {"all", "degraded", "clean"}


def test_stills_without_flags_keep_the_old_layout():
  p = scoring.Predictions(_faces(2), _faces(2), np.ones((2, 68), bool),
                          ["a", "b"])
  s = scoring.score(p, landmark_set="ibug68")
  assert set(s.to_dict()) == {"summary", "regions", "coordinate_variance",
                              "per_image_nrmse_percent"}
  np.testing.assert_allclose(s.to_dict()["per_image_nrmse_percent"],
                             s.errors * 100.0)
  with pytest.raises(ValueError, match="skip_first=1 needs video"):
    scoring.score(p, landmark_set="ibug68", skip_first=1)


def test_map_videos_runs_fn_per_video_in_frame_order_and_restores_order():
  p = _flagged_videos()
  lengths = []

  def running_sum(track):
    lengths.append(len(track))
    return np.cumsum(track, axis=0)

  summed = scoring.map_videos(p, running_sum)
  assert sorted(lengths) == [4, 4]
  # Row of b's frame 12 holds frames 10 + 11 + 12 of b.
  rows = {image: i for i, image in enumerate(p.image_ids)}
  want = sum(p.landmarks[rows[f"b{f}"]] for f in (10, 11, 12))
  np.testing.assert_allclose(summed.landmarks[rows["b12"]], want)
  undone = scoring.map_videos(
      summed, lambda track: np.diff(track, axis=0, prepend=0.0))
  np.testing.assert_allclose(undone.landmarks, p.landmarks, atol=1e-9)
  assert summed.image_ids == p.image_ids and summed.events == p.events
  with pytest.raises(ValueError, match=r"fn returned shape \(3, 68, 2\) for "
                     "video"):
    scoring.map_videos(p, lambda track: track[1:])
  with pytest.raises(ValueError, match="map_videos needs video predictions"):
    scoring.map_videos(scoring.Predictions(
        p.landmarks, p.ground_truth, p.visible, p.image_ids), lambda t: t)
  with pytest.raises(ValueError, match="video 'a' has frame_index 0 "
                     "more than once"):
    scoring.map_videos(scoring.Predictions(
        p.landmarks[:2], p.ground_truth[:2], p.visible[:2], ["x", "y"],
        video_ids=["a", "a"], frame_indices=np.array([0, 0])), lambda t: t)
