"""Backgrounds, occluders, light and blur: deterministic, and never shifting."""

import numpy as np
import pytest

from landmark1d_datasets.synthetic_faces import effects


@pytest.mark.parametrize("length, angle", [(3.0, 0.0), (5.5, 0.7),
                                           (4.2, 2.0)])
def test_motion_kernel_is_normalised_and_centred(length, angle):
  kernel = effects.motion_kernel(length, angle)
  k = kernel.shape[0]
  assert kernel.shape == (k, k) and k % 2 == 1
  assert kernel.sum() == pytest.approx(1.0, abs=1e-6)
  ys, xs = np.mgrid[0:k, 0:k]
  centre = (k - 1) / 2
  assert (kernel * xs).sum() == pytest.approx(centre, abs=1e-5)
  assert (kernel * ys).sum() == pytest.approx(centre, abs=1e-5)
  # Elongated along the angle: second moments across it are small.
  across = -(xs - centre) * np.sin(angle) + (ys - centre) * np.cos(angle)
  along = (xs - centre) * np.cos(angle) + (ys - centre) * np.sin(angle)
  assert (kernel * along**2).sum() > 3 * (kernel * across**2).sum()


def test_background_depends_only_on_its_seed():
  a = effects.draw_background(64, 5, clutter=True)
  b = effects.draw_background(64, 5, clutter=True)
  c = effects.draw_background(64, 6, clutter=True)
  plain = effects.draw_background(64, 5, clutter=False)
  assert a.shape == (64, 64, 3) and a.dtype == np.float32
  np.testing.assert_array_equal(a, b)
  assert np.abs(a - c).mean() > 5
  # Without clutter, a smooth two-colour ramp: neighbours barely differ.
  assert np.abs(np.diff(plain, axis=0)).max() <= 6
  assert np.abs(np.diff(plain, axis=1)).max() <= 6


def test_neutral_light_changes_nothing_and_gain_scales():
  canvas = np.full((8, 8, 3), 100.0, np.float32)
  effects.apply_lighting(canvas, None, effects.Lighting(), scale=10.0)
  np.testing.assert_allclose(canvas, 100.0)
  effects.apply_lighting(canvas, None,
                         effects.Lighting(gain=0.5, tint=(1.0, 2.0, 1.0)),
                         scale=10.0)
  np.testing.assert_allclose(canvas[0, 0], [50.0, 100.0, 50.0])


def test_occluder_rectangle_paints_its_area():
  canvas = np.zeros((40, 40, 3), np.float32)
  effects.draw_occluder(canvas, effects.Occluder(
      "rectangle", (20.0, 20.0), (10.0, 6.0), 0.3, (255.0, 0.0, 0.0)))
  assert canvas[..., 0].sum() / 255.0 == pytest.approx(60.0, rel=1e-5)
  assert canvas[..., 1:].max() == 0.0
