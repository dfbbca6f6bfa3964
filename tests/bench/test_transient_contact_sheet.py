"""bench/transient_contact_sheet.py tiles a clip under labels and counts the
events of video_transient's test clips."""

import json

import numpy as np
from PIL import Image

from bench import transient_contact_sheet as sheet_lib
from landmark1d_datasets.synthetic_faces import transients


def test_transient_contact_sheet_tiles_frames_in_rows_under_their_labels():
  images = np.stack([np.full((6, 5, 3), 10 * (t + 1), np.uint8)
                     for t in range(5)])
  sheet = sheet_lib.contact_sheet(images, [""] * 5, columns=3)
  tile = 6 + 14  # frame height + label strip
  assert sheet.shape == (2 * tile, 3 * 5, 3)
  for t in range(5):
    top, left = (t // 3) * tile + 14, (t % 3) * 5
    assert (sheet[top:top + 6, left:left + 5] == 10 * (t + 1)).all()
  assert (sheet[tile + 14:, 10:] == 0).all()  # the unused sixth tile
  labelled = sheet_lib.contact_sheet(images, ["12 noise"] * 5, columns=3)
  assert labelled[:14].max() > 0 and (labelled[14:20] == sheet[14:20]).all()


def test_reduced_transient_run_counts_each_kind_and_writes_a_small_png(
    tmp_path):
  results = sheet_lib.run("reduced", str(tmp_path))
  written = json.loads((tmp_path / "transient_clip.json").read_text())
  assert written == json.loads(json.dumps(results))
  assert results["clips"] == 4 and results["frames"] == 4 * 32
  labels = np.concatenate([transients.frame_events(transients.sample_clip(
      np.random.default_rng([0, 1, 1, c]), 32, 128, occlusion=0.3)[1], 32)
                           for c in range(4)])
  assert results["frames_per_kind"] == {
      k: int((labels == k).sum()) for k in transients.KINDS}
  assert results["degraded_frames"] == int((labels != "none").sum())
  png = tmp_path / "transient_clip.png"
  assert Image.open(png).size == (8 * 128, 4 * (128 + 14))
  assert png.stat().st_size < 300_000
