"""Reading and writing .pts landmark files, the one place that knows the format.

The .pts format of 300-W, 300-VW and FGNet Talking Face (Cootes' am_tools)::

  version: 1
  n_points:  68
  {
  x_1 y_1
  ...
  x_n y_n
  }

Header lines are `key: value` pairs before the opening brace; `n_points` is
required. Coordinates are stored exactly as in the file: the published files
are 1-based (MATLAB, centre of the top-left pixel at (1, 1)), so callers
convert with `landmark1d.geometry.coordinates.from_pts` after reading and
`coordinates.to_pts` before writing. Keeping the conversion out of this module
keeps it a pure file-format layer that round-trips any file byte-exactly in
value.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf


def parse(text: str, source: str = "<string>",
          num_points: int | None = None) -> np.ndarray:
  """Parses the text of a .pts file.

  Args:
    text: the file's contents.
    source: the file name, quoted in error messages. Defaults to "<string>".
    num_points: the point count the caller expects, or None to accept the
      count declared in the header. Defaults to None.

  Returns:
    `(N, 2)` float32 `(x, y)` coordinates as written in the file.

  Raises:
    ValueError: naming `source` and the line when the header, the braces, a
      coordinate line or the point count is malformed.
  """
  lines = text.splitlines()
  header = {}
  i = 0
  while i < len(lines) and lines[i].strip() != "{":
    line = lines[i].strip()
    if line:
      key, sep, value = line.partition(":")
      if not sep:
        raise ValueError(f"{source}:{i + 1}: expected a 'key: value' header "
                         f"line or '{{', got {line!r}")
      header[key.strip()] = value.strip()
    i += 1
  if i == len(lines):
    raise ValueError(f"{source}: no '{{' opening the point list")
  if "n_points" not in header:
    raise ValueError(f"{source}: header has no 'n_points' line")
  try:
    declared = int(header["n_points"])
  except ValueError:
    raise ValueError(f"{source}: n_points must be an integer, got "
                     f"{header['n_points']!r}") from None
  if num_points is not None and declared != num_points:
    raise ValueError(f"{source}: expected {num_points} points, the header "
                     f"declares {declared}")
  points = []
  for j in range(i + 1, len(lines)):
    line = lines[j].strip()
    if not line:
      continue
    if line == "}":
      break
    fields = line.split()
    try:
      values = [float(f) for f in fields]
    except ValueError:
      values = []
    if len(values) != 2 or not np.all(np.isfinite(values)):
      raise ValueError(f"{source}:{j + 1}: expected two finite numbers "
                       f"'x y', got {line!r}")
    points.append(values)
  else:
    raise ValueError(f"{source}: no '}}' closing the point list")
  if len(points) != declared:
    raise ValueError(f"{source}: n_points is {declared} but {len(points)} "
                     "points are listed")
  return np.asarray(points, np.float32).reshape(-1, 2)


def read(path: str, num_points: int | None = None) -> np.ndarray:
  """Reads a .pts file (any path tf.io.gfile can open).

  Args:
    path: the file.
    num_points: the expected point count, or None to accept the header's.
      Defaults to None.

  Returns:
    `(N, 2)` float32 coordinates as written in the file (1-based for the
    published datasets).

  Raises:
    ValueError: naming the file (and line) when it is missing, unreadable or
      malformed.
  """
  try:
    with tf.io.gfile.GFile(path, "rb") as f:
      raw = f.read()
  except (tf.errors.OpError, OSError) as e:
    raise ValueError(f"{path}: cannot read the .pts file ({e})") from None
  try:
    text = raw.decode("utf-8")
  except UnicodeDecodeError:
    text = raw.decode("latin-1")
  return parse(text, path, num_points)


def format_points(points) -> str:
  """The text of a .pts file holding `points` `(N, 2)` (values as given)."""
  points = np.asarray(points, np.float64)
  if points.ndim != 2 or points.shape[1] != 2:
    raise ValueError(f".pts points must have shape (N, 2), got "
                     f"{points.shape}")
  if not np.all(np.isfinite(points)):
    raise ValueError(".pts points must be finite")
  # repr-exact floats ('%r') so that reading back gives the same float32.
  rows = [f"{x!r} {y!r}" for x, y in points.tolist()]
  return "\n".join(["version: 1", f"n_points: {len(rows)}", "{", *rows,
                    "}"]) + "\n"


def write(path: str, points) -> None:
  """Writes `points` `(N, 2)` to a .pts file, values as given (module doc)."""
  with tf.io.gfile.GFile(path, "w") as f:
    f.write(format_points(points))
