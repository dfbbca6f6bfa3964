"""Landmark schemes: flip permutations, normalising points, names."""

import dataclasses
import json

import pytest

from landmark1d.geometry import landmark_sets

ALL = [landmark_sets.IBUG68, landmark_sets.AFLW19, landmark_sets.COMMON7,
       landmark_sets.WFLW98]


def _mirror_name(name):
  return (name.replace("left", "@").replace("right", "left")
          .replace("@", "right"))


@pytest.mark.parametrize("scheme", ALL, ids=lambda s: s.name)
def test_flip_permutation_is_an_involution(scheme):
  perm = scheme.flip_permutation
  assert [perm[perm[i]] for i in range(scheme.num_points)] == list(
      range(scheme.num_points))


@pytest.mark.parametrize("scheme", ALL, ids=lambda s: s.name)
def test_flip_maps_each_name_to_its_mirror(scheme):
  for i, j in enumerate(scheme.flip_permutation):
    assert scheme.names[j] == _mirror_name(scheme.names[i])


def test_ibug68_flip_maps_right_eye_onto_left_eye():
  s = landmark_sets.IBUG68
  right_eye, left_eye = range(36, 42), range(42, 48)
  assert sorted(s.flip_permutation[i] for i in right_eye) == list(left_eye)
  assert s.flip_permutation[36] == 45  # outer corner <-> outer corner
  assert s.flip_permutation[39] == 42  # inner corner <-> inner corner


def test_ibug68_hand_checked_pairs():
  perm = landmark_sets.IBUG68.flip_permutation
  assert (perm[0], perm[8], perm[16]) == (16, 8, 0)
  assert (perm[17], perm[21], perm[30], perm[33]) == (26, 22, 30, 33)
  assert (perm[48], perm[51], perm[57], perm[60], perm[66]) == (54, 51, 57,
                                                                 64, 66)


# WFLW's flip pairs as published with HRNet-Facial-Landmark-Detection (and
# PIPNet), typed in by hand: the reference the name-derived permutation must
# reproduce.
WFLW_PUBLISHED_PAIRS = (
    [(i, 32 - i) for i in range(16)]
    + [(33, 46), (34, 45), (35, 44), (36, 43), (37, 42), (38, 50), (39, 49),
       (40, 48), (41, 47)]
    + [(60, 72), (61, 71), (62, 70), (63, 69), (64, 68), (65, 75), (66, 74),
       (67, 73)]
    + [(55, 59), (56, 58)]
    + [(76, 82), (77, 81), (78, 80), (87, 83), (86, 84)]
    + [(88, 92), (89, 91), (95, 93), (96, 97)])


def test_wflw98_flip_is_the_published_pairs():
  perm = landmark_sets.WFLW98.flip_permutation
  swapped = {i for pair in WFLW_PUBLISHED_PAIRS for i in pair}
  for a, b in WFLW_PUBLISHED_PAIRS:
    assert (perm[a], perm[b]) == (b, a)
  fixed = [i for i in range(98) if i not in swapped]
  assert fixed == [16, 51, 52, 53, 54, 57, 79, 85, 90, 94]  # the midline
  assert all(perm[i] == i for i in fixed)


def test_wflw98_layout_and_normaliser():
  s = landmark_sets.WFLW98
  assert s.num_points == 98 and landmark_sets.get("wflw98") is s
  assert (s.flip_permutation[0], s.flip_permutation[32]) == (32, 0)
  assert s.interocular == (60, 72)  # WFLW's NME: outer eye corners
  assert [s.names[i] for i in (60, 64, 68, 72, 96, 97)] == [
      "right_eye_outer", "right_eye_inner", "left_eye_inner",
      "left_eye_outer", "right_pupil", "left_pupil"]
  assert (s.flip_permutation[60], s.flip_permutation[64]) == (72, 68)
  covered = sorted(i for idx in s.regions.values() for i in idx)
  assert covered == list(range(98))


def test_normalising_points():
  assert landmark_sets.IBUG68.interocular == (36, 45)
  assert landmark_sets.IBUG68.names[36] == "right_eye_outer"
  assert landmark_sets.IBUG68.names[45] == "left_eye_outer"
  assert landmark_sets.AFLW19.names[6] == "right_eye_outer"
  assert landmark_sets.AFLW19.names[11] == "left_eye_outer"


def test_common7_picks_eye_corners_nose_tip_mouth_corners_from_ibug68():
  names = [landmark_sets.IBUG68.names[i]
           for i in landmark_sets.COMMON7_FROM_IBUG68]
  assert names == ["right_eye_outer", "right_eye_inner", "left_eye_inner",
                   "left_eye_outer", "nose_tip", "mouth_right", "mouth_left"]
  assert landmark_sets.COMMON7.names == tuple(names)


def test_regions_cover_ibug68_exactly_once():
  covered = sorted(i for idx in landmark_sets.IBUG68.regions.values()
                   for i in idx)
  assert covered == list(range(68))


def test_registry_rejects_unknown_names():
  assert landmark_sets.get("aflw19") is landmark_sets.AFLW19
  with pytest.raises(ValueError, match="Unknown landmark set 'ibug69'"):
    landmark_sets.get("ibug69")
  with pytest.raises(ValueError, match="no point named"):
    landmark_sets.IBUG68.index("third_eye")


def test_invalid_scheme_is_rejected():
  with pytest.raises(ValueError, match="not an involution"):
    landmark_sets.LandmarkSet(name="bad", names=("a", "b", "c"),
                              flip_permutation=(1, 2, 0), interocular=(0, 1),
                              pupils=None, regions={})


@pytest.mark.parametrize("scheme", ALL + [landmark_sets.TALKING_FACE68],
                         ids=lambda s: s.name)
def test_json_form_round_trips_every_field(scheme):
  values = json.loads(json.dumps(scheme.to_dict()))
  assert landmark_sets.LandmarkSet.from_dict(values) == scheme


def test_registering_a_scheme_again_is_a_no_op_another_under_its_name_fails():
  scheme = landmark_sets.LandmarkSet(
      name="test_two_points", names=("a", "b"), flip_permutation=(1, 0),
      interocular=(0, 1), pupils=None, regions={"all": (0, 1)})
  assert landmark_sets.register(scheme) is scheme
  assert landmark_sets.register(landmark_sets.LandmarkSet.from_dict(
      scheme.to_dict())) == scheme
  assert landmark_sets.as_set("test_two_points") == scheme
  other = dataclasses.replace(scheme, flip_permutation=(0, 1))
  with pytest.raises(ValueError, match="'test_two_points' is already "
                     "registered with other points"):
    landmark_sets.register(other)


def test_pairs_to_permutation_swaps_each_pair():
  assert landmark_sets.pairs_to_permutation(5, [(0, 1), (3, 4)]) == (
      1, 0, 2, 4, 3)
