"""1D and 2D Gaussian heatmap targets (eq. 2, 12) and coordinate decoders (eq. 7).

Every function here is batched over any leading dimensions, float32, and works
eagerly, inside `tf.function` and inside `tf.data` maps.

Shapes:
  landmarks  `(..., N, 2)` crop pixels `(x, y)`, see `landmark1d.geometry.coordinates`.
  1D heatmap `(..., N, L)`, one per axis (`hx` over x, `hy` over y).
  2D heatmap `(..., N, L, L)` indexed `[..., y, x]`.

Targets. The 2D target is FAN's unit-peak Gaussian (eq. 2) centred at the
landmark mapped to heatmap coordinates u = p * L / F:
    H(x, y) = exp(-((x - ux)^2 + (y - uy)^2) / (2 s^2)),   s = sigma * L / F.
The 1D targets are its marginals (eq. 12), divided by s * sqrt(2 pi):
    hx(x) = sum_y H(x, y) / (s sqrt(2 pi)).
Eq. 2 fixes H only up to scale; the division gives the 1D targets a peak of
about 1 at every L (exactly 1 when the Gaussian is not cut by the heatmap's
border), so losses are comparable across resolutions. The sum over the other
axis is computed in closed form, O(N L) rather than O(N L^2).

`sigma` is given in crop pixels, so a target has the same width on the face at
every L; in heatmap bins it is `sigma * L / F`.
"""

from __future__ import annotations

import math

import numpy as np
import tensorflow as tf

from landmark1d.geometry import coordinates

DECODERS_1D = ("argmax", "dark", "integral")
DECODERS_2D = ("argmax", "dark", "integral")

_EPS = 1e-10


def _check_positive(value, name):
  if isinstance(value, bool) or not isinstance(value, (int, float, np.number)):
    raise ValueError(f"{name} must be a positive number, got {value!r}")
  if not value > 0:
    raise ValueError(f"{name} must be > 0, got {value!r}")


def _check_length(length, name="length"):
  if isinstance(length, bool) or not isinstance(length, (int, np.integer)):
    raise ValueError(f"{name} (heatmap length L) must be an int, got {length!r}")
  if length <= 0:
    raise ValueError(f"{name} (heatmap length L) must be > 0, got {length}")


def _check_finite(tensor, name):
  """ValueError on NaN/Inf eagerly; a runtime assertion inside graphs."""
  if tf.executing_eagerly():
    values = tensor.numpy()
    if not np.all(np.isfinite(values)):
      bad = np.argwhere(~np.isfinite(values))[0].tolist()
      raise ValueError(f"{name} contains NaN or Inf (first at index {bad})")
    return tensor
  with tf.control_dependencies(
      [tf.debugging.assert_all_finite(tensor, f"{name} contains NaN or Inf")]):
    return tf.identity(tensor)


def _landmarks_and_mask(landmarks, visible, crop_size):
  """Validates inputs; returns landmarks and a float mask of usable points."""
  _check_positive(crop_size, "crop_size")
  landmarks = tf.convert_to_tensor(landmarks, tf.float32)
  if landmarks.shape.rank is None or landmarks.shape.rank < 2 or (
      landmarks.shape[-1] != 2):
    raise ValueError(
        f"landmarks must have shape (..., N, 2), got {landmarks.shape}")
  landmarks = _check_finite(landmarks, "landmarks")
  lo, hi = -0.5, crop_size - 0.5
  inside = tf.reduce_all((landmarks >= lo) & (landmarks <= hi), axis=-1)
  if visible is None:
    return landmarks, tf.cast(inside, tf.float32)
  visible = tf.convert_to_tensor(visible)
  if not visible.shape.is_compatible_with(landmarks.shape[:-1]):
    raise ValueError(f"visible has shape {visible.shape}, expected "
                     f"{landmarks.shape[:-1]} to match landmarks "
                     f"{landmarks.shape}")
  visible = tf.cast(visible, tf.bool)
  return landmarks, tf.cast(inside & visible, tf.float32)


def _gaussians(centres, length, s):
  """exp(-(i - c)^2 / (2 s^2)) for i in [0, L): `(..., N)` -> `(..., N, L)`."""
  grid = tf.range(length, dtype=tf.float32)
  return tf.exp(-tf.square(grid - centres[..., None]) / (2.0 * s * s))


def _axis_gaussians(landmarks, crop_size, length, sigma, visible):
  """Validated per-axis unit-peak Gaussians `(..., N, L)`, mask, sigma in bins."""
  _check_length(length)
  _check_positive(sigma, "sigma")
  landmarks, mask = _landmarks_and_mask(landmarks, visible, crop_size)
  u = coordinates.crop_to_heatmap(landmarks, crop_size, length)
  s = sigma * length / crop_size
  return (_gaussians(u[..., 0], length, s), _gaussians(u[..., 1], length, s),
          mask, s)


def encode_1d(landmarks, crop_size: int, length: int, sigma: float,
              visible=None):
  """1D targets of eq. 12: the x and y marginals of the 2D Gaussian target.

  Args:
    landmarks: `(..., N, 2)` crop coordinates `(x, y)`.
    crop_size: crop side F in pixels.
    length: heatmap length L (any positive int, L > F included).
    sigma: Gaussian standard deviation in crop pixels.
    visible: optional `(..., N)` bool/0-1 visibility.

  Returns:
    `(hx, hy, mask)`: `(..., N, L)` float32 targets for each axis and an
    `(..., N)` float32 mask that is 1 for visible landmarks inside the crop.
    Masked landmarks have all-zero targets.
  """
  gx, gy, mask, s = _axis_gaussians(landmarks, crop_size, length, sigma,
                                    visible)
  norm = s * math.sqrt(2.0 * math.pi)
  # eq. 12: sum_y gx(x) gy(y) = gx(x) * sum_y gy(y).
  hx = gx * (tf.reduce_sum(gy, -1, keepdims=True) / norm)
  hy = gy * (tf.reduce_sum(gx, -1, keepdims=True) / norm)
  return hx * mask[..., None], hy * mask[..., None], mask


def encode_2d(landmarks, crop_size: int, length: int, sigma: float,
              visible=None):
  """Unit-peak 2D Gaussian targets (eq. 2) for the 2D-heatmap baseline.

  Args:
    landmarks: `(..., N, 2)` crop coordinates `(x, y)`.
    crop_size: crop side F in pixels.
    length: heatmap side L.
    sigma: Gaussian standard deviation in crop pixels.
    visible: optional `(..., N)` visibility.

  Returns:
    `(heatmap, mask)`: `(..., N, L, L)` indexed `[..., y, x]`, and the
    `(..., N)` mask as in `encode_1d`.
  """
  gx, gy, mask, _ = _axis_gaussians(landmarks, crop_size, length, sigma,
                                    visible)
  heatmap = gy[..., :, None] * gx[..., None, :]
  return heatmap * mask[..., None, None], mask


# ----------------------------------------------------------------------------
# Decoders.


def _smooth_1d(h, s):
  """Gaussian blur of `(..., L)` heatmaps with a kernel of std `s` bins."""
  radius = max(1, int(math.ceil(3.0 * s)))
  taps = np.exp(-0.5 * (np.arange(-radius, radius + 1) / s) ** 2)
  kernel = tf.constant((taps / taps.sum())[:, None, None], tf.float32)
  shape = tf.shape(h)
  flat = tf.reshape(h, [-1, shape[-1], 1])
  out = tf.nn.conv1d(flat, kernel, stride=1, padding="SAME")
  return tf.reshape(out, shape)


def _argmax_1d(h):
  return tf.argmax(h, axis=-1, output_type=tf.int32)


def _taylor_offset_1d(h, index):
  """DARK's second-order Taylor step on log h around the integer peak."""
  length = tf.shape(h)[-1]
  log_h = tf.math.log(tf.maximum(h, _EPS))
  left = tf.maximum(index - 1, 0)
  right = tf.minimum(index + 1, length - 1)
  at = lambda i: tf.gather(log_h, i[..., None], batch_dims=len(h.shape) - 1)[
      ..., 0]
  l_m, l_0, l_p = at(left), at(index), at(right)
  d1 = 0.5 * (l_p - l_m)
  d2 = l_p - 2.0 * l_0 + l_m
  interior = (index > 0) & (index < length - 1) & (d2 < 0.0)
  offset = tf.where(interior, -d1 / tf.where(interior, d2, -1.0), 0.0)
  return tf.clip_by_value(offset, -1.0, 1.0)


def _window_mean_1d(h, index, radius):
  """Local integral (soft-argmax) around the peak: sum w_i i / sum w_i."""
  length = tf.shape(h)[-1]
  grid = tf.range(length, dtype=tf.int32)
  near = tf.abs(grid - index[..., None]) <= radius
  weights = tf.where(near, tf.nn.relu(h), 0.0)
  total = tf.reduce_sum(weights, -1)
  mean = tf.reduce_sum(weights * tf.cast(grid, tf.float32), -1) / tf.maximum(
      total, _EPS)
  return tf.where(total > 0.0, mean, tf.cast(index, tf.float32))


def _decode_axis(h, method, s):
  """`(..., L)` -> sub-bin peak position in heatmap index units."""
  if method == "argmax":
    return tf.cast(_argmax_1d(h), tf.float32)
  if method == "dark":
    smoothed = _smooth_1d(h, s) if s else h
    index = _argmax_1d(smoothed)
    return tf.cast(index, tf.float32) + _taylor_offset_1d(smoothed, index)
  if method == "integral":
    radius = int(math.ceil(3.0 * s)) if s else h.shape[-1]
    return _window_mean_1d(h, _argmax_1d(h), radius)
  raise ValueError(
      f"Unknown 1D decoder {method!r}; choose one of {DECODERS_1D}")


def _target_agreement(inner, energy, target_energy, scale):
  """Dice similarity of a heatmap h >= 0 and its target g (eq. 2).

  2 <h, g> / (|h|^2 + |g|^2) = 1 - |h - g|^2 / (|h|^2 + |g|^2): one minus the
  L2 loss of eq. 11 relative to the two energies, in [0, 1] because
  0 <= 2 <h, g> <= 2 |h| |g| <= |h|^2 + |g|^2, and 1 only for h = g. With
  h = scale * h' (h' peaking at most at 1) it is 2 <h', g> / (scale |h'|^2 +
  |g|^2 / scale), which no large heatmap value overflows into NaN.

  Args:
    inner: `<h', g>`.
    energy: `|h'|^2`.
    target_energy: `|g|^2`, > 0.
    scale: > 0.

  Returns:
    The similarity, same shape.
  """
  return 2.0 * inner / (scale * energy + target_energy / scale)


def _unit_peak(h, axes):
  """`(h', c)` with ReLU(h) = c h', c = max(peak, 1), for `_target_agreement`.

  Any c > 0 keeps the similarity exact. c >= 1 shrinks large heatmaps before
  they are squared and never divides by a small number: float16 TFLite
  conversions round tiny constants to 0 and int8 ones refuse a divisor that
  quantizes to 0.
  """
  p = tf.nn.relu(h)
  scale = tf.maximum(tf.reduce_max(p, axes, keepdims=True), 1.0)
  return p / scale, tf.squeeze(scale, axes)


def _confidence_1d(hx, hy, u, s):
  """`(..., N)` agreement of the separable heatmap hx(x) hy(y) with the
  unit-peak target gx(x) gy(y) of eq. 2 centred at the decoded `u`
  (`(..., N, 2)` heatmap units); each inner product of two separable maps
  is a product of per-axis ones, so this costs O(L), not O(L^2)."""
  length = hx.shape[-1]
  gx, gy = _gaussians(u[..., 0], length, s), _gaussians(u[..., 1], length, s)
  (px, mx), (py, my) = _unit_peak(hx, [-1]), _unit_peak(hy, [-1])
  dot = lambda a, b: tf.reduce_sum(a * b, -1)
  return _target_agreement(dot(px, gx) * dot(py, gy),
                           dot(px, px) * dot(py, py),
                           dot(gx, gx) * dot(gy, gy), mx * my)


def _confidence_2d(heatmap, u, s):
  """`(..., N)` agreement of 2D heatmaps with the eq. 2 target at `u`."""
  length = heatmap.shape[-1]
  gx, gy = _gaussians(u[..., 0], length, s), _gaussians(u[..., 1], length, s)
  g = gy[..., :, None] * gx[..., None, :]
  p, peak = _unit_peak(heatmap, [-2, -1])
  dot = lambda a, b: tf.reduce_sum(a * b, [-2, -1])
  return _target_agreement(dot(p, g), dot(p, p), dot(g, g), peak)


def _check_heatmap(h, name, rank):
  h = tf.convert_to_tensor(h, tf.float32)
  if h.shape.rank is not None and h.shape.rank < rank:
    raise ValueError(f"{name} must have rank >= {rank}, got shape {h.shape}")
  return h


def decode_1d(hx, hy, crop_size: int, method: str = "argmax",
              sigma: float | None = None):
  """Landmarks from 1D heatmaps.

  Args:
    hx: `(..., N, L)` x-axis heatmaps.
    hy: `(..., N, L)` y-axis heatmaps (same shape).
    crop_size: crop side F in pixels.
    method: "argmax" (eq. 7, as in the paper), "dark" (Taylor refinement of
      log h around the peak, after a Gaussian blur when `sigma` is given, as in
      DARK adapted to 1D) or "integral" (mean position under the heatmap within
      3 sigma of the peak, or over the whole heatmap without `sigma`).
    sigma: target sigma in crop pixels, used by "dark", "integral" and the
      confidence.

  Returns:
    `(landmarks, confidence)`: `(..., N, 2)` crop coordinates and `(..., N)`
    confidences in [0, 1]: the Dice similarity of the separable heatmap
    hx(x) hy(y) (after ReLU) and the unit-peak target of eq. 2 centred at
    the decoded landmark (1 for a pair equal to the eq. 12 targets of that
    point, 0 for an all-zero pair); None without `sigma`, the target's
    width.
  """
  if method not in DECODERS_1D:
    raise ValueError(
        f"Unknown 1D decoder {method!r}; choose one of {DECODERS_1D}")
  _check_positive(crop_size, "crop_size")
  hx = _check_heatmap(hx, "hx", 2)
  hy = _check_heatmap(hy, "hy", 2)
  if not hx.shape.is_compatible_with(hy.shape):
    raise ValueError(f"hx {hx.shape} and hy {hy.shape} must have equal shapes")
  length = hx.shape[-1]
  if length is None:
    raise ValueError("decode_1d needs a static heatmap length")
  s = sigma * length / crop_size if sigma else None
  u = tf.stack([_decode_axis(hx, method, s), _decode_axis(hy, method, s)], -1)
  confidence = _confidence_1d(hx, hy, u, s) if s else None
  return coordinates.heatmap_to_crop(u, crop_size, length), confidence


def _smooth_2d(h, s):
  return tf.linalg.matrix_transpose(
      _smooth_1d(tf.linalg.matrix_transpose(_smooth_1d(h, s)), s))


def _taylor_offset_2d(h, ix, iy):
  """Newton step -H^-1 g on log h at the integer peak (DARK)."""
  length = tf.shape(h)[-1]
  log_h = tf.math.log(tf.maximum(h, _EPS))
  flat = tf.reshape(log_h, tf.concat([tf.shape(h)[:-2], [-1]], 0))
  batch_dims = len(h.shape) - 2

  def at(dx, dy):
    x = tf.clip_by_value(ix + dx, 0, length - 1)
    y = tf.clip_by_value(iy + dy, 0, length - 1)
    return tf.gather(flat, (y * length + x)[..., None],
                     batch_dims=batch_dims)[..., 0]

  c = at(0, 0)
  gx = 0.5 * (at(1, 0) - at(-1, 0))
  gy = 0.5 * (at(0, 1) - at(0, -1))
  hxx = at(1, 0) - 2.0 * c + at(-1, 0)
  hyy = at(0, 1) - 2.0 * c + at(0, -1)
  hxy = 0.25 * (at(1, 1) - at(1, -1) - at(-1, 1) + at(-1, -1))
  det = hxx * hyy - hxy * hxy
  interior = ((ix > 0) & (ix < length - 1) & (iy > 0) & (iy < length - 1) &
              (hxx < 0.0) & (det > 0.0))
  safe_det = tf.where(interior, det, 1.0)
  dx = -(hyy * gx - hxy * gy) / safe_det
  dy = -(hxx * gy - hxy * gx) / safe_det
  dx = tf.clip_by_value(tf.where(interior, dx, 0.0), -1.0, 1.0)
  dy = tf.clip_by_value(tf.where(interior, dy, 0.0), -1.0, 1.0)
  return dx, dy


def _argmax_2d(h):
  length = tf.shape(h)[-1]
  flat = tf.reshape(h, tf.concat([tf.shape(h)[:-2], [-1]], 0))
  index = tf.argmax(flat, axis=-1, output_type=tf.int32)
  return index % length, index // length


def decode_2d(heatmap, crop_size: int, method: str = "argmax",
              sigma: float | None = None):
  """Landmarks from 2D heatmaps, with the same decoders as `decode_1d`.

  Args:
    heatmap: `(..., N, L, L)` heatmaps indexed `[..., y, x]`.
    crop_size: crop side F in pixels.
    method: "argmax", "dark" or "integral" (see `decode_1d`).
    sigma: target sigma in crop pixels, used by "dark", "integral" and the
      confidence.

  Returns:
    `(landmarks, confidence)`: `(..., N, 2)` crop coordinates and `(..., N)`
    confidences in [0, 1], the Dice similarity of the heatmap (after ReLU)
    and the eq. 2 target centred at the decoded landmark; None without
    `sigma`.
  """
  if method not in DECODERS_2D:
    raise ValueError(
        f"Unknown 2D decoder {method!r}; choose one of {DECODERS_2D}")
  _check_positive(crop_size, "crop_size")
  heatmap = _check_heatmap(heatmap, "heatmap", 3)
  h = heatmap
  length = h.shape[-1]
  if length is None or h.shape[-2] != length:
    raise ValueError(f"2D heatmaps must be square with a static size, got "
                     f"{h.shape}")
  s = sigma * length / crop_size if sigma else None
  if method == "dark" and s:
    h = _smooth_2d(h, s)
  ix, iy = _argmax_2d(h)
  u = tf.cast(tf.stack([ix, iy], -1), tf.float32)
  if method == "dark":
    dx, dy = _taylor_offset_2d(h, ix, iy)
    u += tf.stack([dx, dy], -1)
  elif method == "integral":
    radius = int(math.ceil(3.0 * s)) if s else length
    grid = tf.range(length, dtype=tf.int32)
    near_x = tf.abs(grid - ix[..., None]) <= radius
    near_y = tf.abs(grid - iy[..., None]) <= radius
    near = near_y[..., :, None] & near_x[..., None, :]
    weights = tf.where(near, tf.nn.relu(h), 0.0)
    total = tf.reduce_sum(weights, [-2, -1])
    g = tf.cast(grid, tf.float32)
    mx = tf.reduce_sum(tf.reduce_sum(weights, -2) * g, -1)
    my = tf.reduce_sum(tf.reduce_sum(weights, -1) * g, -1)
    mean = tf.stack([mx, my], -1) / tf.maximum(total, _EPS)[..., None]
    u = tf.where((total > 0.0)[..., None], mean, u)
  confidence = _confidence_2d(heatmap, u, s) if s else None
  return coordinates.heatmap_to_crop(u, crop_size, length), confidence


def decode_outputs(outputs: dict, crop_size: int, method: str = "argmax",
                   sigma: float | None = None, stacked: bool = False):
  """Landmarks from a model's output dict, 1D (`hx`, `hy`) or 2D (`heatmap`).

  Args:
    outputs: `{"hx", "hy"}` `(..., N, L)` or `{"heatmap"}` `(..., N, L, L)`.
    crop_size: F.
    method: decoder name.
    sigma: target sigma in crop pixels (dark / integral, the confidence).
    stacked: the outputs have a stack axis at 1; decode the last stack.

  Returns:
    `(landmarks (..., N, 2), confidence (..., N))` as `decode_1d` / `decode_2d`.
  """
  pick = (lambda t: t[:, -1]) if stacked else (lambda t: t)
  if "hx" in outputs:
    return decode_1d(pick(outputs["hx"]), pick(outputs["hy"]), crop_size,
                     method, sigma)
  return decode_2d(pick(outputs["heatmap"]), crop_size, method, sigma)


def target_mask(landmarks, crop_size: int, visible=None):
  """The `(..., N)` float mask the encoders use: visible and inside the crop."""
  return _landmarks_and_mask(landmarks, visible, crop_size)[1]

