"""The transient events of `synthetic_faces/video_transient`: a contact sheet
and how often each kind occurs.

Clips are drawn as the builder draws them (test clip c from
`np.random.default_rng([seed, 1, 1, c])`), without tfds. The sheet shows one
test clip's frames tiled 8 per row, each labelled with its frame index and
event kind: the clip with the most distinct kinds among the first
`clips` test clips (the first such). The counts cover those clips' frames.

  python -m bench.transient_contact_sheet --out=docs/figures
"""

from __future__ import annotations

import collections
import os

import cv2
import numpy as np
from PIL import Image

from bench import cli
from bench import machine
from landmark1d_datasets.synthetic_faces import transients

NAME = "transient_clip"
_LABEL_ROWS = 14  # pixels of the label strip above each frame
_CLIPS = {"reduced": 4, "full": 40}  # video_transient has 40 test clips
_SEED, _KIND_CLIPS, _SPLIT_TEST = 0, 1, 1  # the builder's seeding
_FRAMES, _SIZE = 32, 128
_PALETTE = 96  # colours


def contact_sheet(images: np.ndarray, labels, columns: int = 8) -> np.ndarray:
  """Tiles frames row by row, each under a strip with its label.

  Args:
    images: `(T, H, W, 3)` uint8 frames.
    labels: T strings.
    columns: frames per row. Defaults to 8.

  Returns:
    `(rows * (H + 14), columns * W, 3)` uint8, rows = ceil(T / columns);
    unused tiles are black.
  """
  count, height, width, _ = images.shape
  rows = -(-count // columns)
  tile = height + _LABEL_ROWS
  sheet = np.zeros((rows * tile, columns * width, 3), np.uint8)
  for t in range(count):
    top, left = (t // columns) * tile, (t % columns) * width
    sheet[top + _LABEL_ROWS:top + tile, left:left + width] = images[t]
    cv2.putText(sheet, labels[t], (left + 2, top + _LABEL_ROWS - 4),
                cv2.FONT_HERSHEY_SIMPLEX, 0.35, (255, 255, 255), 1,
                cv2.LINE_AA)
  return sheet


def _test_rng(clip: int) -> np.random.Generator:
  return np.random.default_rng([_SEED, _KIND_CLIPS, _SPLIT_TEST, clip])


def run(mode: str, out: str) -> dict:
  """Counts the events of the first test clips and draws the sheet.

  Args:
    mode: "reduced" (4 clips) or "full" (the 40 test clips).
    out: folder for `transient_clip.png` and `transient_clip.json`.

  Returns:
    What the JSON holds: frames, degraded frames and their fraction, frames
    and events per kind, the sheet's clip.
  """
  load = machine.load_average()
  clips = _CLIPS[mode]
  labels, events, kinds_per_clip = [], [], []
  for c in range(clips):
    _, clip_events = transients.sample_clip(_test_rng(c), _FRAMES, _SIZE,
                                            occlusion=0.3)
    labels.extend(transients.frame_events(clip_events, _FRAMES))
    events.extend(e.kind for e in clip_events)
    kinds_per_clip.append(len({e.kind for e in clip_events}))
  shown = int(np.argmax(kinds_per_clip))
  clip = transients.render_clip(_test_rng(shown), _FRAMES, _SIZE,
                                occlusion=0.3)
  sheet = contact_sheet(clip.images, [f"{t} {kind}" for t, kind in
                                      enumerate(clip.events)])
  os.makedirs(out, exist_ok=True)
  # An adaptive palette: the noise bursts make a true-colour PNG of the sheet
  # about 1 MB, too much for the docs.
  Image.fromarray(sheet).quantize(_PALETTE).save(
      os.path.join(out, f"{NAME}.png"), optimize=True)
  frames = collections.Counter(labels)
  degraded = len(labels) - frames[transients.CLEAN]
  results = {
      "config": "synthetic_faces/video_transient", "split": "test",
      "clips": clips, "frames": len(labels), "degraded_frames": degraded,
      "degraded_fraction": degraded / len(labels),
      "frames_per_kind": {k: frames[k] for k in transients.KINDS},
      "events_per_kind": {k: events.count(k) for k in transients.KINDS},
      "sheet_clip": f"test/clip_{shown:05d}",
      "machine": machine.record(load)}
  cli.write_json(results, out, NAME)
  return results


def main(argv):
  del argv
  results = run(cli.FLAGS.mode, cli.FLAGS.out)
  print(f"{results['degraded_frames']} of {results['frames']} frames "
        f"degraded ({results['degraded_fraction']:.3f}); frames per kind "
        f"{results['frames_per_kind']}, events {results['events_per_kind']}")


if __name__ == "__main__":
  cli.define_flags()
  cli.run(main)
