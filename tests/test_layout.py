"""The house's layout: who may import whom, and the README's package map.

Imports are read from the sources (ast), not by importing them, so the checks
take milliseconds and see what each file would pull in.
"""

from __future__ import annotations

import ast
import os
import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
LIBRARY = ROOT / "landmark1d"
BUILDERS = ROOT / "datasets"  # imports as landmark1d_datasets (setup.py)

# The wings along the data flow and the wings each may import. runs/ sits on
# top and may import everything; models/ stands alone (Keras only).
WINGS = {
    "geometry": {"geometry"},
    "data": {"data", "geometry"},
    "models": {"models"},
    "training": {"training"},
    "eval": {"eval", "geometry"},
    "serving": {"serving", "geometry", "models"},
    "runs": {"geometry", "data", "models", "training", "eval", "serving",
             "runs"},
}


def _module(path: pathlib.Path) -> str:
  """The dotted name a file imports as."""
  if path.is_relative_to(BUILDERS):
    parts = ("landmark1d_datasets",) + path.relative_to(BUILDERS).parts
  else:
    parts = path.relative_to(ROOT).parts
  parts = parts[:-1] + (parts[-1][:-len(".py")],)
  return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _file(module: str) -> pathlib.Path | None:
  """The source of a landmark1d / landmark1d_datasets module, if one."""
  parts = module.split(".")
  if parts[0] == "landmark1d_datasets":
    base = BUILDERS.joinpath(*parts[1:])
  elif parts[0] == "landmark1d":
    base = ROOT.joinpath(*parts)
  else:
    return None
  for candidate in (base.with_suffix(".py"), base / "__init__.py"):
    if candidate.is_file():
      return candidate
  return None


def imports(path: pathlib.Path, at_import_only: bool = False) -> set[str]:
  """Modules a file imports (`from a import b` is `a.b` when b is one).

  Args:
    path: a source file.
    at_import_only: leave out imports inside functions (run when called,
      not when the module is imported).
  """
  found = set()

  def visit(node, in_function):
    for child in ast.iter_child_nodes(node):
      inside = in_function or isinstance(
          child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
      if at_import_only and inside:
        continue
      if isinstance(child, ast.Import):
        found.update(a.name for a in child.names)
      elif isinstance(child, ast.ImportFrom) and child.module:
        for alias in child.names:
          name = f"{child.module}.{alias.name}"
          found.add(name if _file(name) else child.module)
      visit(child, inside)

  visit(ast.parse(path.read_text(encoding="utf-8")), False)
  return found


def _sources(folder: pathlib.Path) -> list[pathlib.Path]:
  return sorted(p for p in folder.rglob("*.py")
                if "dummy_data" not in p.parts)


def _wing(module: str) -> str | None:
  parts = module.split(".")
  return parts[1] if parts[0] == "landmark1d" and len(parts) > 1 else None


def test_only_runs_datasets_imports_the_tfds_builders():
  offenders = [str(p.relative_to(ROOT)) for p in _sources(LIBRARY)
               if any(m.split(".")[0] == "landmark1d_datasets"
                      for m in imports(p))
               and p != LIBRARY / "runs" / "datasets.py"]
  assert not offenders, (
      f"{offenders} import landmark1d_datasets: only landmark1d/runs/"
      "datasets.py may (the builders import the library, not the reverse)")


def test_the_builders_import_only_the_librarys_geometry():
  offenders = {str(p.relative_to(ROOT)): sorted(
      m for m in imports(p) if m.split(".")[0] == "landmark1d"
      and _wing(m) != "geometry") for p in _sources(BUILDERS)}
  offenders = {k: v for k, v in offenders.items() if v}
  assert not offenders, (
      f"builders import more of landmark1d than geometry/: {offenders}; "
      "a builder never needs runs/, train/, eval/ or serving/")


def test_each_wing_imports_only_the_wings_below_it():
  assert {p.name for p in LIBRARY.iterdir() if p.is_dir()
          and (p / "__init__.py").exists()} == set(WINGS)
  offenders = []
  for path in _sources(LIBRARY):
    wing = _wing(_module(path))
    for module in imports(path):
      target = _wing(module)
      if module.startswith("landmark1d.") and target not in WINGS.get(
          wing, set()):
        offenders.append(f"{path.relative_to(ROOT)} imports {module}")
  assert not offenders, offenders


def test_a_wing_init_is_a_docstring_and_re_exports_of_its_own_modules():
  # docs/architecture.md: importing a wing costs only what the modules it
  # re-exports import.
  offenders = []
  for wing in WINGS:
    path = LIBRARY / wing / "__init__.py"
    body = ast.parse(path.read_text(encoding="utf-8")).body
    if body and isinstance(body[0], ast.Expr) and isinstance(
        body[0].value, ast.Constant) and isinstance(body[0].value.value, str):
      body = body[1:]
    offenders += [f"{path.relative_to(ROOT)}:{node.lineno}" for node in body
                  if not isinstance(node, ast.ImportFrom) or node.level
                  or not (node.module or "").startswith(f"landmark1d.{wing}.")]
  assert not offenders, (
      f"{offenders}: a wing's __init__ may only re-export its own modules' "
      "names (`from landmark1d.<wing>.<module> import <name>`)")


@pytest.mark.parametrize("module", ["landmark1d.models",
                                    "landmark1d.models.cost",
                                    "landmark1d.training.losses",
                                    "landmark1d.training.jax_step"])
def test_the_jax_path_imports_no_tensorflow(module):
  # What importing the module runs, its packages' __init__ files included,
  # followed through landmark1d's own imports.
  seen, todo, reached = set(), [module], set()
  while todo:
    name = todo.pop()
    parts = name.split(".")
    for i in range(1, len(parts) + 1):  # parents are imported first
      prefix = ".".join(parts[:i])
      path = _file(prefix)
      if path is None or prefix in seen:
        continue
      seen.add(prefix)
      for imported in imports(path, at_import_only=True):
        reached.add(imported.split(".")[0])
        if _file(imported):
          todo.append(imported)
  assert "tensorflow" not in reached, sorted(seen)


def _package_map() -> list[str]:
  """Paths in README's package map; a bare name is in the previous path's
  folder (`landmark1d/eval/metrics.py`, `scoring.py`)."""
  text = (ROOT / "README.md").read_text(encoding="utf-8")
  table = text.split("## Package map", 1)[1].split("\n## ", 1)[0]
  paths = []
  for line in table.splitlines():
    cells = line.split("|")
    if len(cells) < 3 or not cells[1].strip().startswith("`"):
      continue
    folder = ""
    for name in re.findall(r"`([^`]+)`", cells[1]):
      if "/" in name.rstrip("/"):
        folder = os.path.dirname(name.rstrip("/"))
        paths.append(name)
      else:
        paths.append(os.path.join(folder, name))
  return paths


def test_readme_package_map_matches_the_tree():
  listed = _package_map()
  missing = [p for p in listed if not (ROOT / p).exists()]
  assert not missing, f"README's package map lists paths that do not exist: "\
      f"{missing}"
  covered = {os.path.normpath(p) for p in listed}
  modules = [str(p.relative_to(ROOT)) for p in _sources(LIBRARY)
             if p.name != "__init__.py"]
  absent = [m for m in modules if m not in covered]
  assert not absent, f"modules missing from README's package map: {absent}"
