"""Cost of 1D against 2D heatmaps per L: memory, time, FLOPs, output size.

The benchmark's rows and their order; the parts live beside it:
`cost_measure` measures one row in a fresh process (its peak memory is that
model's alone), `cost_fit` fits memory = a + b L (1D) or a + b L^2 (2D) and
projects the L at which a training step needs the paper's 32 GiB,
`cost_report` draws the figure. Rows measured in one run sit side by side,
so the 2D / 1D ratios compare like with like even on a machine shared with
other jobs. A configuration the fitted line puts above the memory this
machine has free is not run; its row says so and carries the projection
instead.

  python -m bench.cost_1d_vs_2d --mode=full --out=docs/bench
  python -m bench.cost_1d_vs_2d --mode=reduced --configs=detector_2d_L16,detector_1d_L64
"""

from __future__ import annotations

import json
import os
import time

from absl import flags

from bench import cli
from bench import cost_fit
from bench import cost_measure
from bench import cost_report
from bench import machine

NAME = "cost_1d_vs_2d"
GIB = cost_fit.GIB
# A configuration is run only when its projected peak fits in this share of
# MemAvailable: the machine is shared, and an OOM kill would take the row's
# neighbours with it.
SAFE_SHARE = 0.8
MODES = {
    # The paper's model (Section 5.1): F = 256, batch 10, 4 stacks x 256.
    # Trackers train on 2 clips of T = 3 frames (6 frames per step).
    "full": dict(input_size=256, batch=10, num_stacks=4, channels=256,
                 depth=4, num_landmarks=68, warmup_steps=1, train_steps=2,
                 latency_calls=3, clip=(2, 3), flops=True,
                 lengths_1d=(64, 128, 256, 384, 512, 768),
                 lengths_2d=(64, 128, 256), tracker_lengths=(64, 128)),
    # Tiny models for tests: seconds per row, same code path.
    "reduced": dict(input_size=64, batch=2, num_stacks=1, channels=32,
                    depth=2, num_landmarks=68, warmup_steps=1, train_steps=1,
                    latency_calls=1, clip=(1, 2), flops=True,
                    lengths_1d=(16, 32, 64), lengths_2d=(16, 32, 64),
                    tracker_lengths=(16,)),
}


def row_name(head: str, length: int, tracker: bool) -> str:
  """E.g. "detector_1d_L768", "tracker_2d_L64"."""
  return f"{'tracker' if tracker else 'detector'}_{head}_L{length}"


def rows_for(mode: str, names=None) -> list:
  """The configurations of a mode, by L within each kind, trackers last.

  Args:
    mode: a key of `MODES`.
    names: optional row names to run, in this order (`row_name`); others
      are dropped.

  Returns:
    A list of row dicts.

  Raises:
    ValueError: for an unknown mode; `cli.UsageError` (a ValueError) for
      an unknown row name.
  """
  if mode not in MODES:
    raise ValueError(f"mode must be one of {sorted(MODES)}, got {mode!r}")
  s = MODES[mode]
  common = {k: v for k, v in s.items() if not k.startswith(("lengths",
                                                            "tracker_"))}
  rows = [dict(common, head="1d", L=n, tracker=False)
          for n in s["lengths_1d"]]
  rows += [dict(common, head="2d", L=n, tracker=False)
           for n in s["lengths_2d"]]
  rows += [dict(common, head=h, L=n, tracker=True)
           for h in ("1d", "2d") for n in s["tracker_lengths"]]
  for row in rows:
    row["name"] = row_name(row["head"], row["L"], row["tracker"])
  if names:
    known = [r["name"] for r in rows]
    unknown = sorted(set(names) - set(known))
    if unknown:
      raise cli.UsageError(f"--configs: unknown rows {unknown}; {mode} "
                           f"mode has {known}")
    # In the order asked for: the rows that matter most can go first.
    by_name = {r["name"]: r for r in rows}
    rows = [by_name[n] for n in dict.fromkeys(names)]
  return rows


def _earlier_rows(mode: str, out: str) -> dict:
  """Measured rows of an earlier run of `mode` in `out`, by name."""
  path = os.path.join(out, f"{NAME}.json")
  if not os.path.exists(path):
    return {}
  with open(path, encoding="utf-8") as f:
    earlier = json.load(f)
  if earlier.get("mode") != mode:
    return {}
  # As JSON stores them (tuples as lists): a row measured under other
  # settings than the mode's current ones is measured again.
  current = {r["name"]: json.loads(json.dumps(r)) for r in rows_for(mode)}
  return {r["name"]: r for r in earlier["rows"] if r.get("measured")
          and r.get("name") in current
          and all(r.get(k) == v for k, v in current[r["name"]].items())}


def run(mode: str, out: str, names=None, resume: bool = False) -> dict:
  """Measures the configurations of `mode`; writes JSON and PNG.

  Args:
    mode: "full" or "reduced" (`MODES`).
    out: folder for `cost_1d_vs_2d.json` and `.png`.
    names: optional row names to run, in order (default: all of `mode`).
    resume: reuse the measured rows of an earlier run of `mode` in `out`.

  Returns:
    The results dict written to the JSON file.
  """
  todo = rows_for(mode, names)
  settings = MODES[mode]
  earlier = _earlier_rows(mode, out) if resume else {}
  rows, started = [], time.time()
  load_before = machine.load_average()
  for row in todo:
    if row["name"] in earlier:
      rows.append(dict(earlier[row["name"]], reused=True))
      continue
    done = [r for r in rows if r.get("measured")]
    fit = cost_fit.fit_rows(done, row["head"], row["tracker"],
                            "peak_rss_bytes")
    free = machine.proc_bytes("/proc/meminfo", "MemAvailable")
    estimate = cost_fit.project(fit, row["head"], row["L"]) if fit else None
    if estimate is not None and estimate > SAFE_SHARE * free:
      row.update(measured=False, projected_peak_rss_bytes=estimate,
                 skipped=f"projected peak {estimate / GIB:.1f} GiB exceeds "
                 f"{SAFE_SHARE:.0%} of the {free / GIB:.1f} GiB available")
    else:
      print(f"== {row['name']} ({free / GIB:.1f} GiB available)", flush=True)
      row.update(cost_measure.run_child(row))
      print(json.dumps({k: v for k, v in row.items() if k not in settings}),
            flush=True)
    rows.append(row)
    # Kept after every row: a killed benchmark keeps what it measured.
    cli.write_json({"mode": mode, "rows": rows}, out, NAME)
  measured = [r for r in rows if r.get("measured")]
  key = cost_fit.memory_key(measured)
  gpus = next((r["device"]["gpus"] for r in measured), [])
  results = {
      "mode": mode, "settings": settings,
      "machine": machine.record(load_before, gpus=gpus),
      "memory_key": key,
      "seconds": time.time() - started,
      "rows": rows,
      "ratios_2d_over_1d": cost_fit.ratios_2d_over_1d(rows, tracker=False),
      "tracker_ratios_2d_over_1d": cost_fit.ratios_2d_over_1d(
          rows, tracker=True),
      "projection": cost_fit.projection(measured, settings, key),
      "targets": cost_fit.targets(rows, settings, key)}
  cli.write_json(results, out, NAME)
  cost_report.plot(results, os.path.join(out, f"{NAME}.png"))
  return results


def main(argv):
  del argv
  results = run(cli.FLAGS.mode, cli.FLAGS.out, cli.FLAGS.configs,
                cli.FLAGS.resume)
  print(summary(results, os.path.join(cli.FLAGS.out, f"{NAME}.json")))


def summary(results: dict, path: str) -> str:
  """A few labelled lines: the targets, where each fit reaches the budget,
  and, in reduced mode, that the numbers are not the measurement."""
  lines = [f"cost_1d_vs_2d, mode {results['mode']} (all rows and ratios: "
           f"{path})"]
  if results["mode"] != "full":
    lines.append("reduced mode checks that the machinery runs (small model, "
                 "loaded machine): its ratios are not the measurement; the "
                 "README's numbers come from --mode=full, run alone")
  for target in results["targets"].values():
    verdict = ("" if "pass" not in target else
               f" (limit {target['limit']:g}: "
               f"{'met' if target['pass'] else 'not met'})")
    lines.append(f"- {target['what']}: {target['value']:.2f}x{verdict}")
  for fit, length in results["projection"]["L_at_budget"].items():
    if length is not None:
      lines.append(f"- {fit}: the fitted line reaches the memory budget at "
                   f"L = {length:,.0f}")
  return "\n".join(lines)


if __name__ == "__main__":
  cli.define_flags()
  flags.DEFINE_list("configs", None, "Rows to run, by name (e.g. "
                    "detector_1d_L768, tracker_2d_L64); default: every row "
                    "of --mode.")
  flags.DEFINE_bool("resume", False, "Keep the measured rows of an earlier "
                    "run of the same mode in --out and run only the others.")
  cli.run(main)
