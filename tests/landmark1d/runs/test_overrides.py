"""The override engine on a toy dataclass tree: coercion, paths, differences."""

from __future__ import annotations

import dataclasses

import pytest

from landmark1d.runs import overrides


@dataclasses.dataclass(frozen=True)
class Ranges:
  low: float = 0.0
  high: float = 1.0

  def __post_init__(self):
    if self.low > self.high:
      raise ValueError(f"low {self.low} > high {self.high}")


@dataclasses.dataclass
class Inner:
  count: int = 1
  names: tuple[str, ...] = ("a",)
  label: str | None = None
  ranges: Ranges | None = dataclasses.field(default_factory=Ranges)


@dataclasses.dataclass
class Outer:
  on: bool = True
  inner: Inner = dataclasses.field(default_factory=Inner)


def test_strings_and_json_values_become_the_declared_types():
  values = overrides.apply(Outer, dataclasses.asdict(Outer()), [
      "on=no", "inner.count=3", "inner.names=x,y", "inner.label=none",
      "inner.ranges.high=2.5"])
  built = overrides.from_dict(Outer, values)
  assert built == Outer(on=False, inner=Inner(count=3, names=("x", "y"),
                                              ranges=Ranges(high=2.5)))
  # JSON values (lists for tuples, null) and partial dicts read the same.
  assert overrides.from_dict(Outer, {"inner": {"names": ["x", "y"],
                                               "ranges": None}}) == Outer(
                                                   inner=Inner(
                                                       names=("x", "y"),
                                                       ranges=None))
  assert overrides.coerce(2.0, int, "n") == 2


@pytest.mark.parametrize("assignment, message", [
    ("inner.count=2.5", "inner.count: cannot read '2.5' as int"),
    ("on=maybe", "on: cannot read 'maybe' as bool"),
    ("inner.cnt=2", r"unknown field 'inner.cnt'; fields here: \['count', "
     r"'label', 'names', 'ranges'\]"),
    ("outer.on=1", r"no config section 'outer'; sections: \['inner'\]"),
    ("inner.ranges.low=5", "inner.ranges: low 5.0 > high 1.0"),
    ("count", "must look like section.field=value"),
])
def test_errors_name_the_path(assignment, message):
  with pytest.raises(ValueError, match=message):
    overrides.from_dict(Outer, overrides.apply(
        Outer, dataclasses.asdict(Outer()), [assignment]))


def test_unknown_keys_list_the_valid_ones_and_moved_paths_say_where():
  with pytest.raises(ValueError, match=r"\['inner.cont'\]; valid: "
                     r"\['inner.count', 'inner.label'"):
    overrides.from_dict(Outer, {"inner": {"cont": 1}})
  with pytest.raises(ValueError, match=r"moved to inner.count"):
    overrides.apply(Outer, dataclasses.asdict(Outer()), ["inner.n=1"],
                    moved={"inner.n": "inner.count"})


def test_a_section_that_is_none_must_be_set_before_its_fields():
  values = dataclasses.asdict(Outer(inner=Inner(ranges=None)))
  with pytest.raises(ValueError, match="inner.ranges is none; pass "
                     "inner.ranges=default first"):
    overrides.apply(Outer, values, ["inner.ranges.low=0.5"])
  values = overrides.apply(Outer, values, ["inner.ranges=default",
                                           "inner.ranges.low=0.5"])
  assert overrides.from_dict(Outer, values).inner.ranges == Ranges(low=0.5)
  values = overrides.apply(Outer, values, ["inner.ranges=none"])
  assert overrides.from_dict(Outer, values).inner.ranges is None


def test_differences_list_paths_and_whole_sections():
  a = dataclasses.asdict(Outer())
  b = dataclasses.asdict(Outer(on=False, inner=Inner(count=2, ranges=None)))
  assert list(overrides.differences(a, b)) == [
      ("inner.count", 1, 2), ("inner.ranges", {"low": 0.0, "high": 1.0}, None),
      ("on", True, False)]
  assert not list(overrides.differences(a, dataclasses.asdict(Outer())))
