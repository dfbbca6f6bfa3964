"""Counting what a build found: split sizes against the published ones, skips.

People build from partial downloads (one subset, a few videos), so a count
that differs from the standard one is a loud warning with both numbers, never
a failure. The warning goes to absl logging (what `tfds build` shows) and to
Python's warnings (what tests and notebooks see).
"""

from __future__ import annotations

import warnings

from absl import logging

from landmark1d_datasets import _files


class CountWarning(UserWarning):
  """A split holds a different number of examples than the published one."""


class SkipWarning(UserWarning):
  """Items of a download were skipped (e.g. frames without annotation)."""


def check(dataset: str, split: str, found: int, expected: int,
          unit: str = "examples") -> bool:
  """Warns when `found` differs from the published `expected` count.

  Args:
    dataset: builder name, e.g. "ibug_300w".
    split: split name.
    found: number of items found in manual_dir.
    expected: the published number.
    unit: what is counted, for the message. Defaults to "examples".

  Returns:
    True when the counts match.
  """
  if found == expected:
    return True
  message = (f"{dataset}: split {split!r} has {found} {unit}, the published "
             f"dataset has {expected}; building from a partial or different "
             "download")
  logging.warning(message)
  warnings.warn(message, CountWarning, stacklevel=2)
  return False


def report_skipped(dataset: str, where: str, skipped: dict[str, int]) -> int:
  """Warns about skipped items, e.g. `{"frames without annotation": 3}`.

  Args:
    dataset: builder name.
    where: the part of the download, e.g. a video id.
    skipped: reason -> number of items skipped for it.

  Returns:
    The total number skipped.
  """
  total = sum(skipped.values())
  if total:
    reasons = ", ".join(f"{n} {reason}" for reason, n in skipped.items() if n)
    message = f"{dataset}: {where}: skipped {reasons}"
    logging.warning(message)
    warnings.warn(message, SkipWarning, stacklevel=2)
  return total


def frame_landmarks(dataset: str, annotations: dict, number: int,
                    num_points: int, skipped: dict[str, int]):
  """A video frame's 0-based landmarks, or None when the frame is skipped.

  A frame without a .pts file, or with one that does not parse, is counted
  in `skipped` ("frames without annotation" / "broken annotations") rather
  than failing the build.

  Args:
    dataset: builder name (for the log line).
    annotations: frame number -> .pts path.
    number: the frame's number.
    num_points: points expected in each .pts file.
    skipped: reason -> count, updated in place.

  Returns:
    `(landmarks (N, 2), visible (N,))` or None.
  """
  if number not in annotations:
    skipped["frames without annotation"] += 1
    return None
  try:
    return _files.read_pts_landmarks(annotations[number], num_points)
  except ValueError as e:
    skipped["broken annotations"] += 1
    logging.warning("%s: skipping frame: %s", dataset, e)
    return None
