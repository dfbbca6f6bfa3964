"""Counting what a build found: split sizes against the published ones, skips.

People build from partial downloads (one subset, a few videos), so a count
that differs from the standard one is a loud warning with both numbers, never
a failure. The warning goes to absl logging (what `tfds build` shows) and to
Python's warnings (what tests and notebooks see).
"""

from __future__ import annotations

import warnings

from absl import logging


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
