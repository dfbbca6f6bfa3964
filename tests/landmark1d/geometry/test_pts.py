""".pts files: published layout, round trips, errors naming file and line."""

import numpy as np
import pytest

from landmark1d.geometry import coordinates
from landmark1d.geometry import pts

# As the 300-W files are laid out: padded header, CRLF line ends.
_PUBLISHED = ("version: 1\r\nn_points:  3\r\n{\r\n446.000 91.000\r\n"
              "449.459 119.344\r\n450.957 150.614\r\n}\r\n")


def test_parse_reads_published_layout_as_written():
  points = pts.parse(_PUBLISHED)
  assert points.dtype == np.float32 and points.shape == (3, 2)
  np.testing.assert_array_equal(
      points, np.float32([[446, 91], [449.459, 119.344], [450.957, 150.614]]))


def test_write_read_round_trip_is_exact(tmp_path):
  rng = np.random.default_rng(0)
  points = rng.uniform(-5, 700, size=(68, 2)).astype(np.float32)
  path = str(tmp_path / "a.pts")
  pts.write(path, points)
  np.testing.assert_array_equal(pts.read(path, num_points=68), points)
  text = open(path, encoding="utf-8").read().splitlines()
  assert text[:3] == ["version: 1", "n_points: 68", "{"] and text[-1] == "}"


def test_one_based_file_maps_to_zero_based_pixels(tmp_path):
  # The top-left pixel centre is (1, 1) in a .pts file and (0, 0) here.
  path = str(tmp_path / "corner.pts")
  pts.write(path, coordinates.to_pts(np.float32([[0, 0], [9, 4]])))
  assert open(path, encoding="utf-8").read().splitlines()[3] == "1.0 1.0"
  np.testing.assert_array_equal(coordinates.from_pts(pts.read(path)),
                                [[0, 0], [9, 4]])


@pytest.mark.parametrize("text, where, what", [
    ("version: 1\nn_points: 2\n{\n1 2\n3 x\n}\n", ":5:", "two finite"),
    ("version: 1\nn_points: 2\n{\n1 2\n3 4 5\n}\n", ":5:", "two finite"),
    ("version: 1\nn_points: 2\n{\n1 2\nnan 4\n}\n", ":5:", "two finite"),
    ("version: 1\nn_points: 3\n{\n1 2\n3 4\n}\n", "", "3 but 2"),
    ("version: 1\nn_points: 2\n{\n1 2\n3 4\n", "", "no '}'"),
    ("version: 1\nn_points: 2\n1 2\n", ":3:", "header"),
    ("version: 1\n{\n1 2\n}\n", "", "n_points"),
    ("n_points: two\n{\n}\n", "", "integer"),
])
def test_malformed_file_error_names_file_and_line(tmp_path, text, where, what):
  path = tmp_path / "bad.pts"
  path.write_text(text, encoding="utf-8")
  with pytest.raises(ValueError, match=what) as info:
    pts.read(str(path))
  assert str(info.value).startswith(f"{path}{where}")


def test_wrong_point_count_is_rejected_naming_file(tmp_path):
  path = tmp_path / "five.pts"
  pts.write(str(path), np.zeros((5, 2)))
  with pytest.raises(ValueError, match=r"five\.pts: expected 68 points"):
    pts.read(str(path), num_points=68)


def test_missing_file_is_a_value_error_naming_it(tmp_path):
  with pytest.raises(ValueError, match="nothere.pts: cannot read"):
    pts.read(str(tmp_path / "nothere.pts"))


def test_format_rejects_bad_shapes_and_values():
  with pytest.raises(ValueError, match=r"shape \(N, 2\)"):
    pts.format_points(np.zeros((3, 3)))
  with pytest.raises(ValueError, match="finite"):
    pts.format_points(np.float32([[1, np.inf]]))
