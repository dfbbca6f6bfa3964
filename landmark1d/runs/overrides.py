"""Typed dataclass trees from JSON values and `path=value` overrides.

The engine under `runs.schema`, which knows nothing of what the fields mean:

- `from_dict(cls, values)` builds a dataclass (and its nested dataclasses)
  from JSON values or command-line strings, converting each value to the
  field's declared type (bool, int, float, str, `X | None`, `tuple[X, ...]`,
  nested and optional nested dataclasses). An unknown field is an error that
  lists the valid ones, so a typo never silently trains the wrong model.
- `apply(cls, values, assignments)` sets `section.field=value` strings in a
  dict of `cls`'s layout, checking every path against the declared fields.
- `differences(a, b)` lists the dotted paths where two such dicts differ.

Strings read as values: "true" / "false" (also 1 / 0, yes / no) for bool,
comma-separated items for tuples, "none" for a field that may be None; in
an override, "default" sets a nested dataclass to all its defaults.

Why our own engine rather than a library: omegaconf (structured configs
from dataclasses, dot-list overrides) would check the paths and coerce, but
it brings a grammar runtime (it pins antlr4-python3-runtime 4.9) and PyYAML,
works on its own containers (DictConfig, converted back to dataclasses by
`to_object`) and reads strings by its own grammar, while our `a,b` tuples,
`none` and error messages are an interface that written configs and
documented commands use; dacite builds dataclasses from dicts but parses no
strings (bool("false") is True), so the coercion below would stay anyway.
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from typing import Any, Iterator


class ConfigError(ValueError):
  """A config value or path that cannot be read, named in the message."""


def _hints(cls) -> dict:
  return typing.get_type_hints(cls)


def _optional(hint):
  """`(inner, True)` for `X | None`, else `(hint, False)`."""
  if typing.get_origin(hint) in (typing.Union, types.UnionType):
    args = typing.get_args(hint)
    if type(None) in args:
      inner = [a for a in args if a is not type(None)]
      return inner[0], True
  return hint, False


def from_dict(cls, values: dict, prefix: str = ""):
  """An instance of dataclass `cls` from a (partial) dict of its fields.

  Missing fields take their defaults.

  Args:
    cls: a dataclass type.
    values: field name -> JSON value or string.
    prefix: dotted path of `values` in the whole config, for messages.

  Raises:
    ConfigError: naming the path, for unknown fields and unreadable values.
  """
  if not isinstance(values, dict):
    raise ConfigError(f"config section {prefix.rstrip('.') or '<root>'} must "
                     f"be a mapping, got {values!r}")
  hints = _hints(cls)
  names = [f.name for f in dataclasses.fields(cls)]
  unknown = sorted(set(values) - set(names))
  if unknown:
    raise ConfigError(f"unknown config field(s) {[prefix + u for u in unknown]};"
                     f" valid: {sorted(prefix + n for n in names)}")
  kwargs = {name: coerce(value, hints[name], prefix + name)
            for name, value in values.items()}
  try:
    return cls(**kwargs)
  except (TypeError, ValueError) as e:  # a dataclass that checks itself
    raise ConfigError(f"{prefix.rstrip('.') or '<root>'}: {e}") from None


def coerce(value: Any, hint, path: str):
  """Converts a JSON / command-line value to the declared type `hint`."""
  hint, optional = _optional(hint)
  if optional and (value is None or (
      isinstance(value, str) and value.lower() == "none")):
    return None
  if dataclasses.is_dataclass(hint):
    if isinstance(value, hint):
      return value
    return from_dict(hint, value, path + ".")
  if hint is dict:  # a JSON object (a data-defined landmark scheme)
    if isinstance(value, str):
      try:
        value = json.loads(value)
      except json.JSONDecodeError:
        raise ConfigError(f"{path}: cannot read {value!r} as a JSON "
                          "object") from None
    if not isinstance(value, dict):
      raise ConfigError(f"{path}: expected a JSON object, got {value!r}")
    return value
  if typing.get_origin(hint) is tuple:
    item = typing.get_args(hint)[0]
    if isinstance(value, str):
      value = [v for v in value.split(",") if v.strip()]
    return tuple(coerce(v, item, path) for v in value)
  try:
    if hint is bool:
      if isinstance(value, str):
        if value.lower() in ("true", "1", "yes"):
          return True
        if value.lower() in ("false", "0", "no"):
          return False
        raise ValueError(value)
      return bool(value)
    if hint is int:
      if isinstance(value, float) and not value.is_integer():
        raise ValueError(value)
      return int(value)
    if hint is float:
      return float(value)
    if hint is str:
      return str(value)
  except (TypeError, ValueError):
    raise ConfigError(f"{path}: cannot read {value!r} as "
                     f"{getattr(hint, '__name__', hint)}") from None
  raise ConfigError(f"{path}: unsupported field type {hint}")


def apply(cls, values: dict, assignments, moved: dict | None = None) -> dict:
  """`values` (a dict in `cls`'s layout) with `path=value` strings set.

  The strings are converted by `from_dict` afterwards.

  Args:
    cls: the dataclass `values` describes.
    values: e.g. `dataclasses.asdict(config)`; not modified.
    assignments: strings `section.field=value`.
    moved: old path -> new path of fields that moved, named in the error
      for an old path.

  Raises:
    ConfigError: naming the assignment, for unknown sections or fields.
  """
  values = _copy(values)
  for assignment in assignments:
    if "=" not in assignment:
      raise ConfigError(f"override {assignment!r} must look like "
                       "section.field=value")
    path, raw = assignment.split("=", 1)
    keys = path.strip().split(".")
    node, node_cls, where = values, cls, []
    for key in keys[:-1]:
      hint, _ = _optional(_hints(node_cls).get(key))
      if not dataclasses.is_dataclass(hint):
        sections = sorted(f.name for f in dataclasses.fields(node_cls)
                          if dataclasses.is_dataclass(
                              _optional(_hints(node_cls)[f.name])[0]))
        raise ConfigError(f"override {assignment!r}: no config section "
                         f"{'.'.join(where + [key])!r}; sections: {sections}")
      where.append(key)
      if node.get(key) is None:
        raise ConfigError(f"override {assignment!r}: {'.'.join(where)} is "
                         f"none; pass {'.'.join(where)}=default first to set "
                         "its fields")
      node, node_cls = node[key], hint
    fields = [f.name for f in dataclasses.fields(node_cls)]
    if keys[-1] not in fields:
      hint = f" (moved to {moved[path]})" if moved and path in moved else ""
      raise ConfigError(f"override {assignment!r}: unknown field {path!r}"
                       f"{hint}; fields here: {sorted(fields)}")
    section, _ = _optional(_hints(node_cls)[keys[-1]])
    if dataclasses.is_dataclass(section) and raw.strip().lower() == "default":
      raw = dataclasses.asdict(section())  # later assignments set its fields
    node[keys[-1]] = raw
  return values


def _copy(values):
  if isinstance(values, dict):
    return {k: _copy(v) for k, v in values.items()}
  return values


def differences(a, b, prefix: str = "") -> Iterator[tuple[str, Any, Any]]:
  """`(path, value in a, value in b)` wherever two nested dicts differ.

  A section that is a dict on one side and not on the other (e.g. None)
  differs as a whole.
  """
  if isinstance(a, dict) and isinstance(b, dict):
    for key in sorted(set(a) | set(b)):
      yield from differences(a.get(key), b.get(key), f"{prefix}{key}.")
  elif a != b:
    yield prefix.rstrip("."), a, b
