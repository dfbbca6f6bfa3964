"""Landmark schemes: point names, horizontal-flip permutations, normalising points.

Every other module asks this one how many points a scheme has, how they swap
under a horizontal flip, and which points define the normalising distance. No
other module hard-codes a landmark count or index. Besides the built-in
schemes, a scheme can come from data (a user's scheme file,
`landmark1d.geometry.scheme_file`): its JSON form (`LandmarkSet.to_dict`)
travels in a run's config and an export's assets and is `register`ed where it
is read, so every lookup by name finds it.

Conventions:
  * Indices are 0-based everywhere (the 1-based numbers of the original
    annotation guides are quoted only in comments).
  * Names are anatomical: "right" is the subject's right, which appears on the
    image's left in a frontal, unmirrored photograph. So in the iBUG 68-point
    scheme the eye at indices 36-41 is `right_eye_*`.
  * Coordinates are `(x, y)`; see `landmark1d.geometry.coordinates` for the pixel
    convention shared by builders, pipelines, metrics and export.
"""

from __future__ import annotations

import dataclasses
from typing import Mapping, Sequence


@dataclasses.dataclass(frozen=True)
class LandmarkSet:
  """A landmark annotation scheme.

  Attributes:
    name: registry name, e.g. "ibug68".
    names: one anatomical name per point, in annotation order.
    flip_permutation: `flip_permutation[i]` is the index that point `i`
      becomes after a horizontal image flip (an involution).
    interocular: the two outer eye corners, the 300-W normaliser.
    pupils: two index groups whose means are the pupil centres (used for the
      inter-pupil normaliser), or None when the scheme has no eye contour.
    regions: facial areas (eyes, brows, nose, mouth, contour) to index lists,
      for per-area error breakdowns such as the paper's Fig. 4.
  """

  name: str
  names: tuple[str, ...]
  flip_permutation: tuple[int, ...]
  interocular: tuple[int, int]
  pupils: tuple[tuple[int, ...], tuple[int, ...]] | None
  regions: Mapping[str, tuple[int, ...]]

  def __post_init__(self):
    n = len(self.names)
    if len(set(self.names)) != n:
      raise ValueError(f"{self.name}: point names are not unique")
    if sorted(self.flip_permutation) != list(range(n)):
      raise ValueError(
          f"{self.name}: flip_permutation must be a permutation of 0..{n - 1}")
    if any(self.flip_permutation[j] != i
           for i, j in enumerate(self.flip_permutation)):
      raise ValueError(f"{self.name}: flip_permutation is not an involution")
    used = list(self.interocular)
    for group in (self.pupils or ()):
      used.extend(group)
    for indices in self.regions.values():
      used.extend(indices)
    if any(not 0 <= i < n for i in used):
      raise ValueError(f"{self.name}: an index is outside 0..{n - 1}")
    if len(self.interocular) != 2 or self.interocular[0] == self.interocular[1]:
      raise ValueError(f"{self.name}: the normalising points must be two "
                       f"different indices, got {self.interocular}")

  @property
  def num_points(self) -> int:
    return len(self.names)

  def to_dict(self) -> dict:
    """The scheme as JSON values (a run's config, an export's assets)."""
    return {"name": self.name, "names": list(self.names),
            "flip_permutation": list(self.flip_permutation),
            "interocular": list(self.interocular),
            "pupils": None if self.pupils is None else [
                list(group) for group in self.pupils],
            "regions": {k: list(v) for k, v in self.regions.items()}}

  @classmethod
  def from_dict(cls, values: dict) -> "LandmarkSet":
    """The scheme of `to_dict`'s JSON values (checked by `__post_init__`)."""
    pupils = values.get("pupils")
    return cls(
        name=str(values["name"]), names=tuple(values["names"]),
        flip_permutation=tuple(int(i) for i in values["flip_permutation"]),
        interocular=tuple(int(i) for i in values["interocular"]),
        pupils=None if pupils is None else tuple(
            tuple(int(i) for i in group) for group in pupils),
        regions={k: tuple(int(i) for i in v)
                 for k, v in values.get("regions", {}).items()})

  def index(self, point_name: str) -> int:
    """Index of a named point; raises ValueError naming the scheme if unknown."""
    try:
      return self.names.index(point_name)
    except ValueError:
      raise ValueError(
          f"{self.name} has no point named {point_name!r}") from None


def pairs_to_permutation(n: int,
                         pairs: Sequence[tuple[int, int]]) -> tuple[int, ...]:
  """The flip permutation of `n` points that swaps each pair `(a, b)`."""
  perm = list(range(n))
  for a, b in pairs:
    perm[a], perm[b] = b, a
  return tuple(perm)


# The 20 mouth points of the iBUG 68 markup, which WFLW's 98 repeat in the
# same order: outer lip clockwise from the subject's right corner, then the
# inner lip.
_MOUTH20 = ("mouth_right", "upper_lip_right_1", "upper_lip_right_2",
            "upper_lip_centre", "upper_lip_left_2", "upper_lip_left_1",
            "mouth_left", "lower_lip_left_1", "lower_lip_left_2",
            "lower_lip_centre", "lower_lip_right_2", "lower_lip_right_1",
            "inner_mouth_right", "inner_upper_lip_right",
            "inner_upper_lip_centre", "inner_upper_lip_left",
            "inner_mouth_left", "inner_lower_lip_left",
            "inner_lower_lip_centre", "inner_lower_lip_right")


def _ibug68() -> LandmarkSet:
  # Jaw: 0-7 run down the subject's right side, 8 is the chin, 9-16 run up the
  # left side. Numbering from the chin keeps mirrored points' names aligned.
  jaw = [f"jaw_right_{8 - i}" for i in range(8)] + ["chin"] + [
      f"jaw_left_{i - 8}" for i in range(9, 17)]
  brows = [f"right_brow_{k}" for k in range(5)] + [
      f"left_brow_{4 - k}" for k in range(5)]  # 0 = outer end
  nose = ["nose_bridge_0", "nose_bridge_1", "nose_bridge_2", "nose_tip",
          "nose_base_right_2", "nose_base_right_1", "nose_base_centre",
          "nose_base_left_1", "nose_base_left_2"]
  eyes = ["right_eye_outer", "right_eye_upper_outer", "right_eye_upper_inner",
          "right_eye_inner", "right_eye_lower_inner", "right_eye_lower_outer",
          "left_eye_inner", "left_eye_upper_inner", "left_eye_upper_outer",
          "left_eye_outer", "left_eye_lower_outer", "left_eye_lower_inner"]
  mouth = list(_MOUTH20)
  pairs = [(i, 16 - i) for i in range(8)]
  pairs += [(17 + k, 26 - k) for k in range(5)]
  pairs += [(31, 35), (32, 34)]
  pairs += [(36, 45), (37, 44), (38, 43), (39, 42), (40, 47), (41, 46)]
  pairs += [(48, 54), (49, 53), (50, 52), (55, 59), (56, 58)]
  pairs += [(60, 64), (61, 63), (65, 67)]
  return LandmarkSet(
      name="ibug68",
      names=tuple(jaw + brows + nose + eyes + mouth),
      flip_permutation=pairs_to_permutation(68, pairs),
      interocular=(36, 45),
      pupils=(tuple(range(36, 42)), tuple(range(42, 48))),
      regions={
          "contour": tuple(range(0, 17)),
          "eyebrows": tuple(range(17, 27)),
          "nose": tuple(range(27, 36)),
          "eyes": tuple(range(36, 48)),
          "mouth": tuple(range(48, 68)),
      })


def _aflw19() -> LandmarkSet:
  # AFLW's 21 points without the two ear lobes (1-based 13 and 17), in the
  # order of the widely used AFLW-19 lists. Point 0 is the brow end seen on
  # the image's left, i.e. the subject's right.
  names = ("right_brow_outer", "right_brow_centre", "right_brow_inner",
           "left_brow_inner", "left_brow_centre", "left_brow_outer",
           "right_eye_outer", "right_eye_centre", "right_eye_inner",
           "left_eye_inner", "left_eye_centre", "left_eye_outer",
           "nose_right", "nose_tip", "nose_left",
           "mouth_right", "mouth_centre", "mouth_left", "chin")
  pairs = [(0, 5), (1, 4), (2, 3), (6, 11), (7, 10), (8, 9), (12, 14),
           (15, 17)]
  return LandmarkSet(
      name="aflw19",
      names=names,
      flip_permutation=pairs_to_permutation(19, pairs),
      interocular=(6, 11),
      pupils=((7,), (10,)),
      regions={
          "eyebrows": (0, 1, 2, 3, 4, 5),
          "eyes": (6, 7, 8, 9, 10, 11),
          "nose": (12, 13, 14),
          "mouth": (15, 16, 17),
          "contour": (18,),
      })


# The 7 points that the iBUG 68 and the FGNet Talking Face markups both define
# unambiguously: the four eye corners, the nose tip and the two mouth corners.
# Liu et al. (TSTN, the paper's [14]) evaluate Talking Face on 7 common points;
# these are the points present in both schemes with the same anatomical meaning,
# so a model trained on 300-VW (iBUG 68) can be scored against TF ground truth.
COMMON7_FROM_IBUG68 = (36, 39, 42, 45, 30, 48, 54)


def _common7() -> LandmarkSet:
  ibug = IBUG68
  names = tuple(ibug.names[i] for i in COMMON7_FROM_IBUG68)
  return LandmarkSet(
      name="common7",
      names=names,
      flip_permutation=(3, 2, 1, 0, 4, 6, 5),
      interocular=(0, 3),
      pupils=None,
      regions={"eyes": (0, 1, 2, 3), "nose": (4,), "mouth": (5, 6)})


def _mirror_permutation(names: Sequence[str]) -> tuple[int, ...]:
  """The flip permutation that swaps each "right" name with its "left" twin
  (names without a side map to themselves)."""
  index = {name: i for i, name in enumerate(names)}
  perm = []
  for name in names:
    mirrored = (name.replace("right", "@").replace("left", "right")
                .replace("@", "left"))
    if mirrored not in index:
      raise ValueError(f"point {name!r} has no mirrored twin {mirrored!r}")
    perm.append(index[mirrored])
  return tuple(perm)


def _wflw98() -> LandmarkSet:
  # WFLW's 98 points (Wu et al., CVPR 2018, the layout of its annotation
  # figure): a 33-point contour from the subject's right temple over the chin
  # (16) to the left temple; each brow's upper edge then its lower edge; nose
  # bridge and base; each eye clockwise from its outer (right eye) or inner
  # (left eye) corner; the 20 mouth points in iBUG's order; the two pupils.
  # The flip pairs are the published ones (HRNet's and PIPNet's WFLW lists),
  # here derived from the names so that they cannot drift from the layout.
  contour = [f"contour_right_{16 - i}" for i in range(16)] + ["chin"] + [
      f"contour_left_{i}" for i in range(1, 17)]
  brows = ([f"right_brow_upper_{k}" for k in range(5)]  # 0 = outer end
           + [f"right_brow_lower_{k}" for k in (3, 2, 1, 0)]
           + [f"left_brow_upper_{k}" for k in (4, 3, 2, 1, 0)]
           + [f"left_brow_lower_{k}" for k in range(4)])
  nose = [f"nose_bridge_{k}" for k in range(4)] + [
      "nose_base_right_2", "nose_base_right_1", "nose_base_centre",
      "nose_base_left_1", "nose_base_left_2"]
  eyes = [f"right_eye_{p}" for p in (
      "outer", "upper_outer", "upper_centre", "upper_inner", "inner",
      "lower_inner", "lower_centre", "lower_outer")] + [
          f"left_eye_{p}" for p in (
              "inner", "upper_inner", "upper_centre", "upper_outer", "outer",
              "lower_outer", "lower_centre", "lower_inner")]
  names = tuple(contour + brows + nose + eyes + list(_MOUTH20)
                + ["right_pupil", "left_pupil"])
  return LandmarkSet(
      name="wflw98",
      names=names,
      flip_permutation=_mirror_permutation(names),
      interocular=(60, 72),
      pupils=((96,), (97,)),
      regions={
          "contour": tuple(range(0, 33)),
          "eyebrows": tuple(range(33, 51)),
          "nose": tuple(range(51, 60)),
          "eyes": tuple(range(60, 76)) + (96, 97),
          "mouth": tuple(range(76, 96)),
      })


IBUG68 = _ibug68()
AFLW19 = _aflw19()
COMMON7 = _common7()
WFLW98 = _wflw98()

_REGISTRY = {s.name: s for s in (IBUG68, AFLW19, COMMON7, WFLW98)}

# (scheme, subset) -> indices of the subset's points within the scheme, in the
# subset's order. Used to score models against test sets of another markup.
SUBSETS = {("ibug68", "common7"): COMMON7_FROM_IBUG68}


def get(name: str) -> LandmarkSet:
  """Returns the landmark set registered under `name`."""
  try:
    return _REGISTRY[name]
  except KeyError:
    raise ValueError(f"Unknown landmark set {name!r}; known: "
                     f"{sorted(_REGISTRY)}") from None


def register(landmark_set: LandmarkSet) -> LandmarkSet:
  """Adds a scheme (a dataset's native markup, or one defined by a user's
  scheme file) to the registry; registering an equal scheme again is a no-op,
  so a run's config can carry its scheme and register it on every load.

  Raises:
    ValueError: another scheme is registered under the same name.
  """
  known = _REGISTRY.get(landmark_set.name)
  if known is not None and known != landmark_set:
    raise ValueError(f"Landmark set {landmark_set.name!r} is already "
                     "registered with other points; give the new scheme "
                     "another name")
  _REGISTRY[landmark_set.name] = landmark_set
  return landmark_set


def as_set(landmark_set: LandmarkSet | str) -> LandmarkSet:
  """A `LandmarkSet`, given one or its registered name."""
  if isinstance(landmark_set, LandmarkSet):
    return landmark_set
  return get(landmark_set)


def names() -> list[str]:
  return sorted(_REGISTRY)


def _talking_face68() -> LandmarkSet:
  # The FGNet Talking Face markup: Cootes' 68-point AAM scheme, the XM2VTS
  # markup (point order as in Milborrow's STASM landmark table). Its own
  # numbering runs from the image's left, so indices 0 (temple), 27-31 (eye),
  # 37-40/46 (nose side) and 48 (mouth corner) are on the subject's right;
  # only the brows start on the image's right (15-20 is the subject's left).
  # Which side the inner-lip pairs 60/62 and 63/65 start on is not documented
  # by the sources; the flip pairs are.
  jaw = (["right_temple"] + [f"jaw_right_{7 - i}" for i in range(1, 7)]
         + ["chin"] + [f"jaw_left_{i - 7}" for i in range(8, 14)]
         + ["left_temple"])
  brow = ("outer", "outer_top", "inner_top", "inner", "lower_inner",
          "lower_outer")
  eye = ("outer", "top", "inner", "bottom", "pupil")
  names = (jaw + [f"left_brow_{p}" for p in brow]
           + [f"right_brow_{p}" for p in brow]
           + [f"right_eye_{p}" for p in eye] + [f"left_eye_{p}" for p in eye]
           + ["nose_right_top", "nose_right_mid", "nose_right_base_0",
              "nose_right_base_1", "nose_base_centre", "nose_left_base_1",
              "nose_left_base_0", "nose_left_mid", "nose_left_top",
              "right_nostril", "left_nostril"]
           + ["mouth_right", "upper_lip_right_1", "upper_lip_right_2",
              "upper_lip_centre", "upper_lip_left_2", "upper_lip_left_1",
              "mouth_left", "lower_lip_left_1", "lower_lip_left_2",
              "lower_lip_centre", "lower_lip_right_2", "lower_lip_right_1",
              "inner_lower_lip_right", "inner_lower_lip_centre",
              "inner_lower_lip_left", "inner_mouth_right", "inner_mouth_centre",
              "inner_mouth_left", "inner_upper_lip_centre"]
           + ["nose_tip"])
  pairs = [(i, 14 - i) for i in range(7)]
  pairs += [(15 + k, 21 + k) for k in range(6)]
  pairs += [(27 + k, 32 + k) for k in range(5)]
  pairs += [(37, 45), (38, 44), (39, 43), (40, 42), (46, 47)]
  pairs += [(48, 54), (49, 53), (50, 52), (55, 59), (56, 58)]
  pairs += [(60, 62), (63, 65)]
  return LandmarkSet(
      name="talking_face68",
      names=tuple(names),
      flip_permutation=pairs_to_permutation(68, pairs),
      interocular=(27, 32),
      pupils=((31,), (36,)),
      regions={
          "contour": tuple(range(0, 15)),
          "eyebrows": tuple(range(15, 27)),
          "eyes": tuple(range(27, 37)),
          "nose": tuple(range(37, 48)) + (67,),
          "mouth": tuple(range(48, 67)),
      })


TALKING_FACE68 = register(_talking_face68())
# Eye corners (right outer, right inner, left inner, left outer), nose tip and
# mouth corners (right, left) of the Talking Face markup, in COMMON7's order.
COMMON7_FROM_TALKING_FACE68 = (27, 29, 34, 32, 67, 48, 54)
SUBSETS[("talking_face68", "common7")] = COMMON7_FROM_TALKING_FACE68
