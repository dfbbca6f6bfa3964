"""A user's point scheme file: N, flip pairs, normalising points, groups.

The folder builder (`datasets/landmarks_folder`) reads the scheme of a
user's own annotations from a small JSON file beside them::

  {
    "name": "my_face5",
    "num_points": 5,
    "names": ["right_eye", "left_eye", "nose", "mouth_right", "mouth_left"],
    "flip_pairs": [[0, 1], [3, 4]],
    "normalizing_points": [0, 1],
    "groups": {"eyes": [0, 1], "mouth": [3, 4]}
  }

`name`, `num_points` and `normalizing_points` are required. `names` default
to "p0" ... "p<N-1>", `flip_pairs` to none (a point not in a pair maps to
itself under a horizontal flip), `groups` (per-area scores, the paper's
Fig. 4 breakdown) to none. Indices are 0-based. Every mistake is a
ValueError naming the file and the line of the offending key.
"""

from __future__ import annotations

import json
import re

import tensorflow as tf

from landmark1d.geometry import landmark_sets

KEYS = ("name", "num_points", "names", "flip_pairs", "normalizing_points",
        "groups")
REQUIRED = ("name", "num_points", "normalizing_points")
_NAME = re.compile(r"^[A-Za-z0-9_]+$")


def read(path: str) -> landmark_sets.LandmarkSet:
  """Reads a scheme file.

  Args:
    path: the JSON file.

  Returns:
    The scheme, not registered.

  Raises:
    ValueError: naming `path` and the line, for unreadable JSON, an unknown
      or missing key, a wrong count, or an index outside 0..N-1.
  """
  try:
    with tf.io.gfile.GFile(path, "r") as f:
      text = f.read()
  except (tf.errors.OpError, OSError) as e:
    raise ValueError(f"{path}: cannot read the scheme file ({e})") from None
  return parse(text, path)


def parse(text: str, source: str = "<string>") -> landmark_sets.LandmarkSet:
  """Parses a scheme file's text (see `read`); `source` names it in errors."""
  try:
    values = json.loads(text)
  except json.JSONDecodeError as e:
    raise ValueError(f"{source}:{e.lineno}: not valid JSON ({e.msg})") from None
  if not isinstance(values, dict):
    raise ValueError(f"{source}:1: expected a JSON object with keys "
                     f"{', '.join(KEYS)}")

  def fail(key: str, message: str):
    raise ValueError(f"{source}:{_line_of(text, key)}: {key}: {message}")

  for key in values:
    if key not in KEYS:
      fail(key, f"unknown key; expected {', '.join(KEYS)}")
  for key in REQUIRED:
    if key not in values:
      raise ValueError(f"{source}:1: missing the required key {key!r}")
  name = values["name"]
  if not isinstance(name, str) or not _NAME.match(name):
    fail("name", f"expected letters, digits and '_', got {name!r}")
  n = values["num_points"]
  if not isinstance(n, int) or isinstance(n, bool) or n < 2:
    fail("num_points", f"expected an integer >= 2, got {n!r}")
  names = values.get("names", [f"p{i}" for i in range(n)])
  if (not isinstance(names, list) or len(names) != n
      or not all(isinstance(x, str) and x for x in names)):
    fail("names", f"expected {n} non-empty strings (num_points), got "
         f"{names!r}")
  if len(set(names)) != n:
    fail("names", "the names are not unique")

  def indices(key: str, value, what: str) -> tuple[int, ...]:
    if not isinstance(value, list) or not all(
        isinstance(i, int) and not isinstance(i, bool) for i in value):
      fail(key, f"{what} must be a list of point indices, got {value!r}")
    outside = [i for i in value if not 0 <= i < n]
    if outside:
      fail(key, f"{what} {value}: index {outside[0]} is outside 0..{n - 1} "
           f"(num_points is {n})")
    return tuple(value)

  pairs = values.get("flip_pairs", [])
  if not isinstance(pairs, list):
    fail("flip_pairs", f"expected a list of [a, b] pairs, got {pairs!r}")
  seen = set()
  for k, pair in enumerate(pairs):
    pair = indices("flip_pairs", pair, f"pair {k}")
    if len(pair) != 2 or pair[0] == pair[1]:
      fail("flip_pairs", f"pair {k} {list(pair)}: expected two different "
           "indices")
    if seen & set(pair):
      fail("flip_pairs", f"pair {k} {list(pair)}: a point is in two pairs")
    seen.update(pair)
  norm = indices("normalizing_points", values["normalizing_points"],
                 "the normalising points")
  if len(norm) != 2 or norm[0] == norm[1]:
    fail("normalizing_points", f"expected two different indices, got "
         f"{list(norm)}")
  groups = values.get("groups", {})
  if not isinstance(groups, dict):
    fail("groups", f"expected an object of name: [indices], got {groups!r}")
  regions = {group: indices("groups", members, f"group {group!r}")
             for group, members in groups.items()}
  return landmark_sets.LandmarkSet(
      name=name, names=tuple(names),
      flip_permutation=landmark_sets.pairs_to_permutation(n, pairs),
      interocular=norm, pupils=None, regions=regions)


def _line_of(text: str, key: str) -> int:
  """The 1-based line where `"key"` first appears (1 if nowhere)."""
  at = text.find(f'"{key}"')
  return 1 if at < 0 else text.count("\n", 0, at) + 1
