"""Every number in README's "Measured so far" is its JSON's, rounded as printed.

Each table row ends in a comment naming its JSON files in docs/bench/ and the
keys it quotes (`<!-- docs/bench/x.json: a.b, rows[name].c -->`; `[...]` picks
a list entry by its `name`, a dict key holding dots or slashes, or a list
index). The test resolves those keys and rebuilds the row's result cell from
them with the rounding the README prints; a JSON regenerated with other
numbers, or a row edited by hand, fails here until the two agree again.
"""

from __future__ import annotations

import json
import math
import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
GIB = 2.0**30


def _section_rows() -> list[tuple[str, str, str]]:
  """The (what, result, comment) of each row of "Measured so far"."""
  text = (ROOT / "README.md").read_text()
  section = text.split("## Measured so far", 1)[1].split("\n## ", 1)[0]
  rows = []
  for line in section.splitlines():
    if not line.startswith("| ") or line.startswith(("| what", "| ---")):
      continue
    match = re.fullmatch(r"\| (.+?) \| (.+?) \|(?: (<!-- .* -->))?", line)
    assert match, f"README row not in `| what | result | <!-- keys -->` form: {line}"
    rows.append(match.groups())
  return rows


def _resolve(document, path: str):
  """The value at `a.b[c].d` in a JSON document."""
  value = document
  for bracketed, plain in re.findall(r"\[([^\]]+)\]|([^.\[\]]+)", path):
    key = bracketed or plain
    if isinstance(value, list):
      named = [entry for entry in value
               if isinstance(entry, dict) and entry.get("name") == key]
      value = named[0] if named else value[int(key)]
    else:
      value = value[key]
  return value


def _values(comment: str) -> tuple[list, dict]:
  """The values a row's comment names, and the documents by file name."""
  values, documents = [], {}
  body = comment[len("<!-- "):-len(" -->")]
  for group in body.split("; "):
    path, keys = group.split(": ", 1)
    assert path.startswith("docs/bench/"), f"{path}: not under docs/bench/"
    document = json.loads((ROOT / path).read_text())
    documents[pathlib.Path(path).name] = document
    values += [_resolve(document, key) for key in keys.split(", ")]
  return values, documents


def _cell_mean(document: dict, claim: dict, which: str) -> float:
  """The mean over seeds of the claim's reference or other cell."""
  metric = claim["metric"][:-len("_percent")]
  return document["cells"][claim[which]][metric]["mean"]


def _pair(document: dict, claim: dict) -> str:
  """`reference vs other %` of a claim, as the rows print it."""
  return (f"{_cell_mean(document, claim, 'reference'):.2f} vs "
          f"{_cell_mean(document, claim, 'other'):.2f} %")


def _shown(claim: dict) -> bool:
  """Whether the claim's Welch interval excludes 0."""
  return claim["welch"]["low"] > 0 or claim["welch"]["high"] < 0


def _memory(values, documents) -> str:
  first, second = values
  return (f"{first / GIB:.2f} / {second / GIB:.2f} GiB = "
          f"{first / second:.2f}x")


def _quantization(values, documents) -> str:
  (rows,) = values
  worst = max(abs(row["measured"]["1d"]["argmax"]["mean"] /
                  row["mean_nearest"] - 1) for row in rows)
  # A bound is printed rounded up: "within" must hold for every L.
  return (f"mean argmax error within {math.ceil(worst * 1000) / 10:.1f} % "
          "of the closed form at every L/F")


def _seeds(values, documents) -> str:
  *runs, summary = values
  return (" / ".join(f"{run:.2f}" for run in runs) +
          f" % ({summary['mean']:.1f} +- {summary['std']:.1f})")


def _trend(values, documents) -> str:
  (claim,) = values
  document = documents["accuracy_synthetic.json"]
  assert _shown(claim)
  floor = document["cells"][claim["reference"]]["floor_argmax_percent"]
  return (f"{_pair(document, claim)}: "
          f"{100 * claim['welch']['relative']:.0f} % lower, mostly the argmax "
          f"floor of F = 64 crops ({floor:.2f} % at L/F = 0.25)")


def _trend_dark(values, documents) -> str:
  (claim,) = values
  document = documents["accuracy_synthetic.json"]
  assert not _shown(claim)
  return f"{_pair(document, claim)}: trend not resolved (interval contains 0)"


def _curve(values, documents) -> str:
  argmax = " / ".join(f"{cell['nrmse_argmax']['mean']:.2f}" for cell in values)
  dark = " / ".join(f"{cell['nrmse_dark']['mean']:.2f}" for cell in values)
  return f"{argmax} % ({dark} %)"


def _heads(values, documents) -> str:
  argmax, dark = values
  document = documents["accuracy_synthetic.json"]
  text = f"{_pair(document, argmax)} / {_pair(document, dark)}: "
  if _shown(argmax) and _shown(dark) and argmax["welch"]["low"] > 0:
    return text + "1D lower"
  assert not _shown(argmax)
  return (text + "no difference shown (1D at most "
          f"{-argmax['welch']['low']:.2f} points worse)")


def _gamma(values, documents) -> str:
  zero_vs_03, zero_vs_1 = values
  document = documents["accuracy_synthetic.json"]
  assert not _shown(zero_vs_03) and not _shown(zero_vs_1)
  means = (_cell_mean(document, zero_vs_03, "reference"),
           _cell_mean(document, zero_vs_03, "other"),
           _cell_mean(document, zero_vs_1, "other"))
  return " / ".join(f"{m:.2f}" for m in means) + " %: no difference shown"


def _tracker(values, documents) -> str:
  (claim,) = values
  document = documents["accuracy_synthetic.json"]
  assert not _shown(claim)
  return (f"{_cell_mean(document, claim, 'other'):.2f} vs "
          f"{_cell_mean(document, claim, 'reference'):.2f} %: "
          "no difference shown")


def _side_by_side(values, documents) -> str:
  lite, lite_int8, mobile, mobile_int8, mediapipe, dlib, load = values
  return (f"{lite:.2f} ({lite_int8:.2f}) / {mobile:.2f} ({mobile_int8:.2f}) / "
          f"{mediapipe:.2f} / {dlib:.2f} ms: mobile at "
          f"{mobile / mediapipe:.2f}x MediaPipe's latency "
          f"({mobile_int8 / mediapipe:.2f}x in int8), load {load:.0f} on the "
          "2 cores")


def _seed_count(counts: set[int]) -> str:
  """`5 seeds`, or `3-4 seeds of 5` while the benchmark is unfinished."""
  text = "-".join(map(str, sorted(counts))) + " seeds"
  return text if counts == {5} else text + " of 5"


def _backbones(values, documents) -> str:
  argmax, dark = values
  document = documents["accuracy_synthetic.json"]
  text = f"{_pair(document, argmax)} / {_pair(document, dark)}: "
  if not _shown(argmax):
    return text + "no difference shown"
  # Welch's difference is hourglass - mobile: printed as the lower one's gain.
  w = argmax["welch"]
  if w["low"] > 0:
    lower, gain, low, high = "mobile", w["difference"], w["low"], w["high"]
  else:
    lower, gain, low, high = ("hourglass", -w["difference"], -w["high"],
                              -w["low"])
  return (text + f"{lower} lower by {gain:.2f} points [{low:.2f}, "
          f"{high:.2f}] (argmax)")


def _tracking_means(values, documents) -> str:
  return (" / ".join(f"{v['mean']:.2f}" for v in values) +
          f" % ({_seed_count({v['n'] for v in values})})")


def _tracking_pairs(values, documents) -> str:
  parts = []
  for comparison in values:
    p = comparison["paired"]
    word = ("second lower" if p["low"] > 0 else
            "first lower" if p["high"] < 0 else "not shown")
    parts.append(f"{p['difference']:+.2f} [{p['low']:+.2f}, "
                 f"{p['high']:+.2f}] ({word})")
  seeds = {len(c["paired"]["seeds"]) for c in values}
  return f"{'; '.join(parts)} points, {_seed_count(seeds)}"


# README row ("what" cell) -> how its result cell is printed from its values.
EXPECTED = {
    "peak training memory, paper's 4-stack model, batch 10: 1D at L = 768 / "
    "2D at L = 64": _memory,
    "same, 2D / 1D at L = 256":
        lambda v, d: _memory(v, d) + " (2D grows with L^2, 1D is flat)",
    "CPU latency, batch 1: 1D at L = 768 / 2D at L = 64, same backbone":
        lambda v, d: f"{v[0]:.2f}x (Keras), {v[1]:.2f}x (TFLite)",
    "lite model (`synthetic_det1d`, F = 64) through TFLite float32, batch 1":
        lambda v, d: (f"{v[0]:.0f} faces/s; {v[1]:.2f} % NRMSE on one "
                      "main-job run (seed 0), as its SavedModel's "
                      f"{v[2]:.2f} %"),
    "CPU training step of the main job's model, 4 steps per `tf.function` "
    "call / 1 (alternating runs, loaded machine)":
        lambda v, d: (f"{v[0]:.2f}x (median interval), {v[1]:.2f}x "
                      f"(fastest){': no slowdown' if max(v) < 1.05 else ''}"),
    "CPU latency side by side, batch 1, 1 thread, one face crop: "
    "`synthetic_det1d` / `synthetic_det1d_mobile` through TFLite float32 "
    "(int8) / MediaPipe face_landmark / dlib": _side_by_side,
    "same two models' accuracy, synthetic faces, 8000 steps, 3 seeds: "
    "FAN-lite vs mobile backbone (32-wide head), L/F = 3 (argmax / DARK)":
        _backbones,
    "`confidence` in [0, 1], main-job export (seed 0): 200 synthetic test "
    "faces vs the same crops without the face":
        lambda v, d: f"ROC AUC {v[0]:.3f}; median {v[1]:.2f} vs {v[2]:.2f}",
    "argmax quantization error vs L/F (Section 3.1)": _quantization,
    "main job (`synthetic_det1d`, 800 steps), test NRMSE over seeds 0 / 1 / 2":
        _seeds,
    "synthetic faces, 8000 steps, 3 seeds: 1D at L/F = 0.25 vs 3, argmax "
    "(Table 1's L trend)": _trend,
    "same, DARK decoding of the same heatmaps": _trend_dark,
    "same, 1D at L/F = 0.25 / 0.5 / 1 / 2 / 3, argmax (DARK)": _curve,
    "same, 2D vs 1D at L/F = 0.25 (argmax / DARK)": _heads,
    "same, 2D vs 1D at L/F = 0.5 (argmax / DARK)": _heads,
    "same, 2D vs 1D at L/F = 1 (argmax / DARK)": _heads,
    "same, 1D at L/F = 3, co-attention gamma 0 / 0.3 / 1 (Figure 3)": _gamma,
    "tracker from its trained detector, lambda 0.3 vs 0 (Table 2 direction), "
    "3 seeds": _tracker,
    "tracking (issue 25), synthetic transient video, NRMSE on degraded "
    "frames: detector / One Euro / tracker lambda 0 / 0.3 / 0.6":
        _tracking_means,
    "same, clean frames": _tracking_means,
    "same, jitter (% of inter-ocular distance per frame)": _tracking_means,
    "same, degraded frames, paired: One Euro - tracker lambda 0.3; tracker "
    "lambda 0 - 0.3; 0 - 0.6": _tracking_pairs,
    "negative control (`video_200`), all frames, paired: detector - tracker "
    "lambda 0.3; tracker lambda 0 - 0.3": _tracking_pairs,
}


def test_readme_numbers_every_row_names_its_json_and_has_a_check():
  rows = _section_rows()
  assert [what for what, _, _ in rows] == list(EXPECTED)
  for what, _, comment in rows:
    assert comment, f"README row {what!r}: no <!-- docs/bench/... --> comment"


@pytest.mark.parametrize("what,result,comment", _section_rows(),
                         ids=lambda value: str(value)[:40])
def test_readme_numbers_match_their_json(what, result, comment):
  values, documents = _values(comment)
  assert result == EXPECTED[what](values, documents)


def test_readme_numbers_resolve_named_list_entries_and_dotted_keys():
  document = {"rows": [{"name": "a", "x": 1}, {"name": "b", "x": 2}],
              "cells": {"g0.3": {"runs": {"0": 5}}}, "list": [7, 8]}
  assert _resolve(document, "rows[b].x") == 2
  assert _resolve(document, "cells[g0.3].runs[0]") == 5
  assert _resolve(document, "list[1]") == 8
