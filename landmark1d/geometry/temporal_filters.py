"""Temporal filters for landmark jitter: the practitioner's baselines.

The filters that landmark toolkits ship against frame-to-frame jitter (not part
of the paper, whose answer is the tracker's eq. 13 fusion): an exponential
moving average and the One Euro filter (Casiez, Roussel, Vogel, "1 Euro
Filter: A Simple Speed-based Low-pass Filter for Noisy Input in Interactive
Systems", CHI 2012). Both are causal, work elementwise on arrays of any shape
(e.g. `(K, N, 2)` landmarks in pixels), keep their state between calls and
refuse a change of shape until `reset()` (the number of faces changed).

The One Euro filter is a first-order low-pass whose cutoff rises with the
signal's speed: slow motion is smoothed hard (jitter goes), fast motion
barely (lag goes). Its cutoffs are in Hz, so `frequency` (or timestamps in
seconds) sets the time scale, and `beta` is in 1/(signal unit): per pixel for
pixel landmarks, since the speed is in pixels per second.
"""

from __future__ import annotations

import inspect
import math

import numpy as np


class _TemporalFilter:
  """State handling shared by the filters: shape checks and reset."""

  def __init__(self):
    self._previous = None  # last output, float64, None before a first sample

  def reset(self):
    """Forgets the past: the next sample starts a new sequence."""
    self._previous = None

  def _accept(self, x) -> np.ndarray:
    x = np.asarray(x)
    if not np.issubdtype(x.dtype, np.number):
      raise ValueError(f"x: expected numbers, got dtype {x.dtype}")
    if not np.all(np.isfinite(x)):
      raise ValueError("x: expected finite values (a NaN or inf would stay "
                       "in the filter's state)")
    if self._previous is not None and x.shape != self._previous.shape:
      raise ValueError(
          f"x: shape {x.shape} differs from the previous sample's "
          f"{self._previous.shape}; call reset() when the faces change")
    return x

  @staticmethod
  def _output(value: np.ndarray, like: np.ndarray) -> np.ndarray:
    # State stays float64; the output keeps a float input's precision.
    return value.astype(np.result_type(like.dtype, np.float32))


def _check_positive(name: str, value: float) -> float:
  value = float(value)
  if not (math.isfinite(value) and value > 0):
    raise ValueError(f"{name} must be a finite number > 0, got {value}")
  return value


class ExponentialMovingAverage(_TemporalFilter):
  """y_0 = x_0, y_t = alpha x_t + (1 - alpha) y_{t-1}.

  Args:
    alpha: weight of the new sample, in (0, 1]; 1 passes the input through.
      The mean lag is (1 - alpha) / alpha frames whatever the motion.
  """

  def __init__(self, alpha: float):
    super().__init__()
    alpha = float(alpha)
    if not 0.0 < alpha <= 1.0:
      raise ValueError(f"alpha must be in (0, 1], got {alpha}")
    self.alpha = alpha

  def __call__(self, x) -> np.ndarray:
    """Filters one sample `x` (any shape); returns an array of its shape."""
    x = self._accept(x)
    value = x.astype(np.float64)
    if self._previous is not None:
      value = self.alpha * value + (1.0 - self.alpha) * self._previous
    self._previous = value
    return self._output(value, x)


class OneEuroFilter(_TemporalFilter):
  """The One Euro filter (Casiez et al., CHI 2012), elementwise.

  With sample period T_e and alpha(f_c) = 1 / (1 + tau / T_e),
  tau = 1 / (2 pi f_c):
    dx_t = (x_t - xhat_{t-1}) / T_e
    dxhat_t = dxhat_{t-1} + alpha(d_cutoff) (dx_t - dxhat_{t-1})
    f_c = min_cutoff + beta |dxhat_t|
    xhat_t = xhat_{t-1} + alpha(f_c) (x_t - xhat_{t-1})
  The first sample passes through with derivative 0.

  Args:
    min_cutoff: cutoff at rest, Hz: lower smooths still landmarks more.
      Defaults to 1.0.
    beta: cutoff gained per unit of speed, 1 / (signal unit), e.g. per pixel
      for pixel landmarks (speed in px / s): higher lags less on fast motion.
      Defaults to 0.0 (a fixed low-pass at `min_cutoff`).
    d_cutoff: cutoff of the speed estimate, Hz. Defaults to 1.0.
    frequency: samples per second when `__call__` gets no timestamps, e.g. a
      video's frame rate. Defaults to 30.0.
  """

  def __init__(self, min_cutoff: float = 1.0, beta: float = 0.0,
               d_cutoff: float = 1.0, frequency: float = 30.0):
    super().__init__()
    self.min_cutoff = _check_positive("min_cutoff", min_cutoff)
    self.beta = float(beta)
    if not (math.isfinite(self.beta) and self.beta >= 0):
      raise ValueError(f"beta must be a finite number >= 0, got {beta}")
    self.d_cutoff = _check_positive("d_cutoff", d_cutoff)
    self.frequency = _check_positive("frequency", frequency)
    self._speed = None
    self._timestamp = None

  def reset(self):
    super().reset()
    self._speed = None
    self._timestamp = None

  @staticmethod
  def _alpha(cutoff, period: float):
    tau = 1.0 / (2.0 * math.pi * cutoff)
    return 1.0 / (1.0 + tau / period)

  def _period(self, timestamp) -> float:
    if timestamp is None or self._timestamp is None:
      return 1.0 / self.frequency
    period = float(timestamp) - self._timestamp
    if not period > 0:
      raise ValueError(f"timestamp: expected increasing times (seconds), got "
                       f"{timestamp} after {self._timestamp}")
    return period

  def __call__(self, x, timestamp: float | None = None) -> np.ndarray:
    """Filters one sample.

    Args:
      x: the sample, any shape (fixed until `reset`).
      timestamp: its time in seconds; the sample period is then the time
        since the previous timestamped sample instead of 1 / frequency.

    Returns:
      The filtered sample, `x`'s shape.
    """
    x = self._accept(x)
    value = x.astype(np.float64)
    if self._previous is None:
      self._speed = np.zeros_like(value)
    else:
      period = self._period(timestamp)
      speed = (value - self._previous) / period
      self._speed += self._alpha(self.d_cutoff, period) * (speed - self._speed)
      cutoff = self.min_cutoff + self.beta * np.abs(self._speed)
      value = self._previous + self._alpha(cutoff, period) * (
          value - self._previous)
    if timestamp is not None:
      self._timestamp = float(timestamp)
    self._previous = value
    return self._output(value, x)


FILTERS = {"ema": ExponentialMovingAverage, "one_euro": OneEuroFilter}
NAMES = ("none",) + tuple(FILTERS)


def make_filter(name: str, **params):
  """A fresh filter by name: "none" (None), "ema" or "one_euro".

  Args:
    name: one of `NAMES`.
    **params: the filter's constructor arguments (`alpha`; or `min_cutoff`,
      `beta`, `d_cutoff`, `frequency`).

  Returns:
    The filter, or None for "none".

  Raises:
    ValueError: an unknown name or parameter, or a bad value, in one line.
  """
  if name not in NAMES:
    raise ValueError(f"smoothing: unknown filter {name!r}; expected one of "
                     f"{', '.join(NAMES)}")
  accepted = (() if name == "none" else
              tuple(inspect.signature(FILTERS[name]).parameters))
  unknown = sorted(set(params) - set(accepted))
  if unknown:
    raise ValueError(f"{name}: unknown parameter(s) {', '.join(unknown)}; "
                     f"expected {', '.join(accepted) or 'none'}")
  return None if name == "none" else FILTERS[name](**params)


def filter_sequence(points, filt) -> np.ndarray:
  """A whole sequence through a filter, from a fresh state.

  Args:
    points: `(T, ...)` samples in time order, e.g. `(T, N, 2)` one video's
      landmarks.
    filt: a filter from `make_filter`, or None (returned unfiltered).

  Returns:
    `(T, ...)` the filtered samples.
  """
  points = np.asarray(points)
  if points.ndim < 1:
    raise ValueError(f"points: expected (T, ...) samples in time order, got "
                     f"shape {points.shape}")
  if filt is None:
    return points.copy()
  filt.reset()
  if not len(points):
    return points.copy()
  return np.stack([filt(sample) for sample in points])
