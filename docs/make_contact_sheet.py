"""Draws docs/synthetic_faces.png: synthetic_faces stills and one clip.

Rows 1-2 are the first stills of the `images` config's train split (same seeds
as the tfds builder), every second one with its 68 landmarks drawn on top,
coloured by facial region; row 3 is every fourth frame of the `video`
config's first train clip, again every second one with landmarks.

  python docs/make_contact_sheet.py --out docs/synthetic_faces.png
"""

import cv2
import numpy as np
from absl import app
from absl import flags

from landmark1d.geometry import landmark_sets
from landmark1d_datasets.synthetic_faces import motion
from landmark1d_datasets.synthetic_faces import scene

_OUT = flags.DEFINE_string("out", "docs/synthetic_faces.png", "PNG to write.")
_COLUMNS = flags.DEFINE_integer("columns", 6, "Tiles per row.")
_ZOOM = flags.DEFINE_integer("zoom", 2, "Integer upscaling of each tile.")

_REGION_COLOURS = {"contour": (255, 255, 0), "eyebrows": (255, 128, 0),
                   "nose": (0, 255, 255), "eyes": (0, 255, 0),
                   "mouth": (255, 0, 255)}


def _tile(image, landmarks=None, visible=None, zoom=2):
  big = cv2.resize(image, None, fx=zoom, fy=zoom,
                   interpolation=cv2.INTER_NEAREST)
  if landmarks is None:
    return big
  shift = 4  # sub-pixel dot centres
  for region, indices in landmark_sets.IBUG68.regions.items():
    for i in indices:
      if visible[i]:
        # Pixel centres sit at integer coordinates; zooming maps x to
        # (x + 0.5) * zoom - 0.5.
        centre = np.round(((landmarks[i] + 0.5) * zoom - 0.5) * (1 << shift))
        cv2.circle(big, tuple(int(v) for v in centre), 1 << shift,
                   _REGION_COLOURS[region], -1, cv2.LINE_AA, shift)
  return big


def main(argv):
  del argv
  columns, zoom = _COLUMNS.value, _ZOOM.value
  tiles = []
  for i in range(2 * columns):
    # Builder seeds: [seed, kind (0 stills), split (0 train), index].
    face = scene.render_face(np.random.default_rng([0, 0, 0, i]), 128)
    show = i % 2 == 1
    tiles.append(_tile(face.image, face.landmarks if show else None,
                       face.visible, zoom))
  clip = motion.render_clip(np.random.default_rng([0, 1, 0, 0]),
                            4 * columns, 128)
  for k, t in enumerate(range(0, 4 * columns, 4)):
    show = k % 2 == 1
    tiles.append(_tile(clip.images[t], clip.landmarks[t] if show else None,
                       clip.visible[t], zoom))
  rows = [np.concatenate(tiles[r:r + columns], axis=1)
          for r in range(0, len(tiles), columns)]
  sheet = np.concatenate(rows, axis=0)
  cv2.imwrite(_OUT.value, cv2.cvtColor(sheet, cv2.COLOR_RGB2BGR),
              [cv2.IMWRITE_PNG_COMPRESSION, 9])


if __name__ == "__main__":
  app.run(main)
