"""NRMSE (eq. 15), AUC, failure rate, CED, jitter."""

import math

import numpy as np
import pytest

from landmark1d.eval import metrics
from landmark1d.geometry import landmark_sets


def _face68(interocular=100.0):
  gt = np.zeros((1, 68, 2))
  gt[0, :, 0] = np.arange(68)  # distinct points
  gt[0, 36] = (0.0, 0.0)
  gt[0, 45] = (interocular, 0.0)
  return gt


def test_nrmse_hand_computed_interocular():
  gt = _face68(100.0)
  pred = gt.copy()
  pred[0, 0] += (3.0, 4.0)  # error 5 on one point, 0 elsewhere
  norm = metrics.normalizing_distance(gt, "ibug68")
  np.testing.assert_allclose(norm, [100.0])
  np.testing.assert_allclose(metrics.nrmse(pred, gt, norm), [5.0 / 68 / 100])


def test_nrmse_hand_computed_face_size_aflw():
  gt = np.zeros((2, 19, 2))
  gt[:, :, 0] = np.arange(19)
  pred = gt + np.array([6.0, 8.0])  # every point off by 10 px
  norm = metrics.normalizing_distance(gt, landmark_sets.AFLW19, "face_size",
                                      face_size=[200.0, 50.0])
  np.testing.assert_allclose(metrics.nrmse(pred, gt, norm), [0.05, 0.2])


def test_interpupil_uses_eye_centres():
  gt = _face68()
  gt[0, 36:42] = (10.0, 0.0)
  gt[0, 42:48] = (70.0, 0.0)
  np.testing.assert_allclose(
      metrics.normalizing_distance(gt, "ibug68", "interpupil"), [60.0])


def test_invisible_points_are_left_out_of_the_mean():
  gt = np.zeros((1, 3, 2))
  pred = np.array([[[1.0, 0.0], [2.0, 0.0], [100.0, 0.0]]])
  visible = np.array([[True, True, False]])
  np.testing.assert_allclose(metrics.nrmse(pred, gt, [1.0], visible), [1.5])


def test_auc_and_failure_rate_hand_computed():
  errors = [0.02, 0.04, 0.09, 0.20]
  # each image adds max(0, 1 - e / t): 0.75 + 0.5 + 0 + 0 over 4 images.
  assert metrics.auc(errors, 0.08) == pytest.approx(1.25 / 4)
  assert metrics.failure_rate(errors, 0.08) == pytest.approx(0.5)
  assert metrics.failure_rate(errors, 0.10) == pytest.approx(0.25)


def test_auc_equals_the_numerical_area_under_the_ced():
  errors = np.random.default_rng(0).gamma(2.0, 0.02, size=300)
  x, y = metrics.ced_curve(errors, 0.1, num=20001)
  numeric = np.sum((y[1:] + y[:-1]) / 2 * np.diff(x)) / 0.1
  assert metrics.auc(errors, 0.1) == pytest.approx(numeric, abs=1e-3)


def test_summary_is_in_percent():
  s = metrics.summarize([0.02, 0.04, 0.09, 0.20])
  assert s.count == 4
  assert s.nrmse == pytest.approx(8.75)
  assert s.failure_rate["0.08"] == pytest.approx(50.0)
  assert s.auc["0.1"] == pytest.approx((0.8 + 0.6 + 0.1) / 4 * 100)


def test_bootstrap_interval_of_a_constant_has_zero_width():
  low, high = metrics.bootstrap_interval(np.full(30, 4.25))
  assert low == high == pytest.approx(4.25)


def test_bootstrap_interval_is_reproducible_and_covers_the_mean():
  values = np.random.default_rng(1).exponential(2.0, 80)
  assert metrics.bootstrap_interval(values) == metrics.bootstrap_interval(
      values)
  # 200 samples of 100 draws from N(3, 1): a 95 % interval should hold the
  # true mean about 190 times (binomial sd ~3; the percentile bootstrap runs
  # a little short at n = 100).
  rng = np.random.default_rng(2)
  hits = 0
  widths = []
  for _ in range(200):
    low, high = metrics.bootstrap_interval(rng.normal(3.0, 1.0, 100),
                                           resamples=500)
    hits += low <= 3.0 <= high
    widths.append(high - low)
  assert 175 <= hits <= 200
  # The width matches 2 x 1.96 x sigma / sqrt(n).
  assert np.mean(widths) == pytest.approx(2 * 1.96 / 10, rel=0.1)


def test_summary_carries_the_bootstrap_interval_in_percent():
  errors = np.random.default_rng(3).uniform(0.02, 0.1, 50)
  s = metrics.summarize(errors)
  low, high = metrics.bootstrap_interval(errors * 100)
  assert s.nrmse_interval == {"low": low, "high": high, "confidence": 0.95,
                              "resamples": 2000, "seed": 0}
  assert low < s.nrmse < high


def test_region_nrmse_breaks_down_by_area():
  gt = _face68(100.0)
  pred = gt.copy()
  pred[0, 48:68] += (0.0, 10.0)  # only the mouth is off
  regions = metrics.region_nrmse(pred, gt, [100.0], "ibug68")
  assert regions["mouth"] == pytest.approx(10.0)
  assert regions["eyes"] == 0.0 and regions["contour"] == 0.0


def test_coordinate_variance_is_of_the_shape_not_of_its_place_or_size():
  first = _face68(100.0)[0]
  second = first.copy()
  second[48:68, 0] += 6.8  # the mouth's 20 points move right by 6.8 px
  # Second image: that shape twice as large (norm 200) and elsewhere.
  gt = np.stack([first, 2.0 * second + (50.0, 20.0)])
  variance = metrics.region_coordinate_variance(gt, gt, [100.0, 200.0],
                                                "ibug68")
  # The centroid moves 20 * 6.8 / 68 = 2 px: every point but the mouth's is
  # 2 % of the inter-ocular distance apart in the two images (variance
  # (2 / 2)^2 = 1), the mouth's 6.8 - 2 = 4.8 % (variance 2.4^2 = 5.76).
  assert variance["contour"] == {"x": pytest.approx(1.0), "y": 0.0}
  assert variance["eyes"]["x"] == pytest.approx(1.0)
  assert variance["mouth"]["x"] == pytest.approx(5.76)
  assert variance["mouth"]["y"] == 0.0


def test_coordinate_variance_leaves_invisible_points_out():
  gt = np.stack([_face68(100.0)[0]] * 3)
  gt[2, 48:68] = 0.0  # AFLW-style (0, 0) for points not annotated
  visible = np.ones((3, 68), bool)
  visible[2, 48:68] = False
  gt[1, 48:68, 1] += 10.0  # and the mouth opens in image 1
  shown = gt.copy()
  variance = metrics.region_coordinate_variance(shown, gt, np.full(3, 100.0),
                                                "ibug68", visible)
  # Centroids: image 1's moves down by 200 / 68 px; image 2's is that of
  # its 48 visible points. The mouth's y over images 0 and 1: 0 and
  # 10 - 200 / 68 (%), variance ((10 - 200 / 68) / 2)^2.
  assert variance["mouth"]["y"] == pytest.approx(((10 - 200 / 68) / 2) ** 2)
  none_visible = np.zeros((3, 68), bool)
  none_visible[:, :48] = True
  assert metrics.region_coordinate_variance(
      shown, gt, np.full(3, 100.0), "ibug68", none_visible)["mouth"] is None


def test_jitter_ignores_constant_offsets_and_sees_shaking():
  gt = np.cumsum(np.ones((5, 2, 2)), axis=0)  # smooth motion
  steady = gt + 3.0
  shaky = gt.copy()
  shaky[1::2] += (0.0, 2.0)  # up and down by 2 px every other frame
  np.testing.assert_allclose(metrics.jitter(steady, gt, np.ones(5)), 0.0)
  np.testing.assert_allclose(metrics.jitter(shaky, gt, np.full(5, 2.0)),
                             [1.0, 1.0, 1.0, 1.0])


def test_bad_input_is_a_clear_value_error():
  gt = _face68()
  with pytest.raises(ValueError, match="67 landmarks per image, expected 68"):
    metrics.normalizing_distance(gt[:, :67], "ibug68")
  with pytest.raises(ValueError, match="same shape"):
    metrics.point_errors(gt[:, :10], gt)
  bad = gt.copy()
  bad[0, 3, 0] = math.nan
  with pytest.raises(ValueError, match="predictions contains NaN"):
    metrics.nrmse(bad, gt, [1.0])
  with pytest.raises(ValueError, match="needs face_size"):
    metrics.normalizing_distance(gt, "ibug68", "face_size")
  with pytest.raises(ValueError, match="must be > 0"):
    metrics.normalizing_distance(np.zeros((1, 68, 2)), "ibug68")
  with pytest.raises(ValueError, match="normalization must be one of"):
    metrics.normalizing_distance(gt, "ibug68", "diagonal")
