"""experiments/table_results.py: cells read from run directories, tables filled
beside the paper's numbers."""

import json
import os

from experiments import configs as registry
from experiments import table_results
from experiments import tables


def _summary(runs, config, decoder="argmax", **splits):
  os.makedirs(os.path.join(runs, config, "eval"))
  with open(os.path.join(runs, config, "eval", "summary.json"), "w") as f:
    json.dump({"config": config, "decoder": decoder,
               **{s: {"nrmse_percent": v} for s, v in splits.items()}}, f)


def test_collect_fills_cells_from_summaries_and_marks_the_rest(tmp_path):
  runs = str(tmp_path)
  _summary(runs, "table4_300vw", s1=3.5, s2=3.25)
  _summary(runs, "table4_tf", decoder="dark", test=2.0)  # not its decoder
  table = tables.get("4")[0]
  decoders = {n: registry.get(n).eval.decoder for n in table.configs()}
  text, problems = table_results.collect(table, runs, decoders)
  row = [l for l in text.splitlines() if l.startswith("| Ours")][0]
  assert row == ("| Ours | 3.50 (3.06) | 3.25 (3.17) | – (4.12) | "
                 "– (1.97) |")
  assert problems == [
      "Ours, 300VW S3: split 's3' not evaluated",
      f"Ours, TF: {os.path.join(runs, 'table4_tf', 'eval', 'summary.json')} "
      "was scored with decoder 'dark', the config's is 'argmax'"]


def test_collect_figure3_gives_the_change_from_gamma_0_to_04(tmp_path):
  runs = str(tmp_path)
  _summary(runs, "figure3_aflw_gamma0.0", test=2.0)
  _summary(runs, "figure3_aflw_gamma0.4", test=1.9)
  table = tables.get("figure3")[0]
  decoders = {n: "argmax" for n in table.configs()}
  text, _ = table_results.collect(table, runs, decoders)
  row = [l for l in text.splitlines() if l.startswith("| AFLW")][0]
  cells = [c.strip() for c in row.strip("|").split("|")]
  assert cells[1] == "2.00 (–)" and cells[5] == "1.90 (–)"
  assert cells[4] == "– (1.32)"  # gamma 0.3: Table 3's number
  assert cells[-1] == "-5.00 (-6.94)"


def test_collect_figure4_reads_each_area_from_the_split_scores(tmp_path):
  runs = str(tmp_path)
  _summary(runs, "table4_300vw", s1=3.5)
  with open(os.path.join(runs, "table4_300vw", "eval", "s1.json"), "w") as f:
    json.dump({"model": {"regions": {"contour": 4.25, "eyes": 2.5}}}, f)
  table = tables.get("figure4")[0]
  text, problems = table_results.collect(table, runs, {"table4_300vw": "argmax"})
  rows = {l.split("|")[1].strip(): [c.strip() for c in l.strip("|").split("|")]
          for l in text.splitlines() if l.startswith("| ") and "---" not in l}
  assert rows["contour"][1:] == ["4.25 (–)", "– (–)", "– (–)"]
  assert rows["eyes"][1] == "2.50 (–)"
  scores = os.path.join(runs, "table4_300vw", "eval", "s1.json")
  assert f"nose, 300VW S1: {scores} has no area 'nose'" in problems
  assert "mouth, 300VW S2: split 's2' not evaluated" in problems


def test_collect_wflw_reads_failure_rate_and_auc_from_the_split_scores(
    tmp_path):
  runs = str(tmp_path)
  _summary(runs, "wflw_det1d", test=4.5)
  with open(os.path.join(runs, "wflw_det1d", "eval", "test.json"), "w") as f:
    # metrics.Summary.to_dict's layout: percent per threshold "0.1".
    json.dump({"model": {"summary": {"auc": {"0.1": 55.25},
                                     "failure_rate": {"0.1": 3.5}}}}, f)
  table = tables.get("wflw")[0]
  text, problems = table_results.collect(table, runs, {"wflw_det1d": "argmax"})
  rows = {l.split("|")[1].strip(): [c.strip() for c in l.strip("|").split("|")]
          for l in text.splitlines() if l.startswith("| ") and "---" not in l}
  assert rows["NME"][1:3] == ["4.50 (–)", "– (–)"]
  assert rows["FR@10%"][1] == "3.50 (–)" and rows["AUC@10%"][1] == "55.25 (–)"
  assert "FR@10%, pose: split 'test_pose' not evaluated" in problems


def test_collect_figure5_reads_the_truths_variance_per_area_and_axis(
    tmp_path):
  runs = str(tmp_path)
  _summary(runs, "table4_300vw", s1=3.5, s2=3.0)
  variance = {"truth": {"contour": {"x": 12.5, "y": 7.25}, "eyes": None},
              "model": {"contour": {"x": 9.0, "y": 5.0}, "eyes": None}}
  folder = os.path.join(runs, "table4_300vw", "eval")
  with open(os.path.join(folder, "s1.json"), "w") as f:
    json.dump({"model": {"regions": {}, "coordinate_variance": variance}}, f)
  with open(os.path.join(folder, "s2.json"), "w") as f:
    json.dump({"model": {"regions": {}}}, f)  # scored before Fig. 5
  table = tables.get("figure5")[0]
  text, problems = table_results.collect(table, runs, {"table4_300vw": "argmax"})
  rows = {l.split("|")[1].strip(): [c.strip() for c in l.strip("|").split("|")]
          for l in text.splitlines() if l.startswith("| ") and "---" not in l}
  assert rows[""][1:3] == ["300VW S1 x", "300VW S1 y"]
  assert rows["contour"][1:3] == ["12.50 (–)", "7.25 (–)"]
  assert rows["contour"][5:] == ["– (–)", "– (–)"]  # s3 not evaluated
  s1 = os.path.join(folder, "s1.json")
  assert f"eyes, 300VW S1 x: {s1} has no coordinate variance of area 'eyes'" \
      in problems
  s2 = os.path.join(folder, "s2.json")
  assert any(p.startswith(f"contour, 300VW S2 x: {s2} has no "
                          "coordinate_variance") for p in problems)
