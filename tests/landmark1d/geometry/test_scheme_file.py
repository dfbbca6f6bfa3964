"""Scheme files: a user's N, flip pairs, normalising points and groups, and
one-line errors naming the file and the offending key's line."""

import json

import pytest

from landmark1d.geometry import scheme_file

FIVE = """{
  "name": "face5",
  "num_points": 5,
  "names": ["right_eye", "left_eye", "nose", "mouth_right", "mouth_left"],
  "flip_pairs": [[0, 1], [3, 4]],
  "normalizing_points": [0, 1],
  "groups": {"eyes": [0, 1], "mouth": [3, 4]}
}"""


def test_a_scheme_file_gives_n_flips_normaliser_and_groups(tmp_path):
  path = tmp_path / "scheme.json"
  path.write_text(FIVE)
  scheme = scheme_file.read(str(path))
  assert scheme.name == "face5" and scheme.num_points == 5
  assert scheme.flip_permutation == (1, 0, 2, 4, 3)
  assert scheme.interocular == (0, 1) and scheme.pupils is None
  assert dict(scheme.regions) == {"eyes": (0, 1), "mouth": (3, 4)}
  assert scheme.index("nose") == 2


def test_names_and_flip_pairs_are_optional():
  scheme = scheme_file.parse(json.dumps(
      {"name": "bare", "num_points": 3, "normalizing_points": [0, 2]}))
  assert scheme.names == ("p0", "p1", "p2")
  assert scheme.flip_permutation == (0, 1, 2)
  assert dict(scheme.regions) == {}


def _changed(line_text: str, replacement: str) -> str:
  assert line_text in FIVE
  return FIVE.replace(line_text, replacement)


@pytest.mark.parametrize("text,message", [
    (_changed("[[0, 1], [3, 4]]", "[[0, 1], [3, 5]]"),
     "src:5: flip_pairs: pair 1 [3, 5]: index 5 is outside 0..4 "
     "(num_points is 5)"),
    (_changed("[[0, 1], [3, 4]]", "[[0, 1], [1, 4]]"),
     "src:5: flip_pairs: pair 1 [1, 4]: a point is in two pairs"),
    (_changed('"num_points": 5', '"num_points": 6'),
     "src:4: names: expected 6 non-empty strings (num_points), got"),
    (_changed('"normalizing_points": [0, 1]', '"normalizing_points": [1, 1]'),
     "src:6: normalizing_points: expected two different indices, got [1, 1]"),
    (_changed('"eyes": [0, 1]', '"eyes": [0, 9]'),
     "src:7: groups: group 'eyes' [0, 9]: index 9 is outside 0..4"),
    (_changed('"name": "face5"', '"name": "face 5"'),
     "src:2: name: expected letters, digits and '_', got 'face 5'"),
    (_changed('"groups"', '"group"'),
     "src:7: group: unknown key; expected name, num_points, names, "),
    (_changed('"num_points": 5,', ''), "src:1: missing the required key "
     "'num_points'"),
    (FIVE[:-2], "src:7: not valid JSON"),
])
def test_mistakes_name_the_file_and_line(text, message):
  with pytest.raises(ValueError) as raised:
    scheme_file.parse(text, "src")
  assert str(raised.value).startswith(message)
  assert "\n" not in str(raised.value)


def test_a_missing_file_is_named(tmp_path):
  with pytest.raises(ValueError, match=f"{tmp_path}/nope.json: cannot read"):
    scheme_file.read(str(tmp_path / "nope.json"))
