"""Writing predictions: one JSON per input, .pts files, annotated media.

Layout under the output folder, for an input `<stem>`:
  <stem>.json               {"source", "kind", "landmark_set", "landmark_names",
                             "pixel_convention", "frames": [{"frame", "faces":
                             [{"box", "landmarks", "confidence"}]}]}
  <stem>.jpg / <stem>.mp4   the input with landmarks drawn
  <stem>_pts/<frame>_<face>.pts   1-based .pts (the 300-W / 300-VW files'
                             convention), frame numbered from 1 as 300-VW's
"""

from __future__ import annotations

import json
import os

import numpy as np

from landmark1d.geometry import coordinates
from landmark1d.geometry import pts
from landmark1d.serving import drawing
from landmark1d.serving import media
from landmark1d.serving import predictor


class PredictionWriter:
  """Collects one input's frames and writes its files.

  Args:
    out_dir: output folder.
    source: the input.
    model: the export (landmark names and set for the JSON).
    fps: frame rate of the annotated video (videos and webcams).
    annotate: write the annotated image / video.
    write_pts: write .pts files.
  """

  def __init__(self, out_dir: str, source: media.Source,
               model: predictor.ExportedModel, fps: float = 25.0,
               annotate: bool = True, write_pts: bool = True):
    os.makedirs(out_dir, exist_ok=True)
    self.out_dir = out_dir
    self.source = source
    self.annotate = annotate
    self.write_pts = write_pts
    self.fps = fps
    self._video = None
    self._record = {
        "source": source.path, "kind": source.kind,
        "landmark_set": model.metadata["landmark_set"],
        "landmark_names": model.landmark_names,
        "pixel_convention": "(x, y), 0-based, pixel centres at integers",
        "frames": []}

  def _path(self, suffix: str) -> str:
    return os.path.join(self.out_dir, self.source.stem + suffix)

  def add(self, index: int, frame: np.ndarray, faces: predictor.Faces):
    """Records (and draws) the faces found in frame `index` (0-based)."""
    self._record["frames"].append({
        "frame": index,
        "faces": [{"box": box.tolist(), "landmarks": points.tolist(),
                   "confidence": conf.tolist()}
                  for box, points, conf in zip(
                      faces.boxes, faces.landmarks, faces.confidence)]})
    if self.write_pts:
      folder = self._path("_pts")
      os.makedirs(folder, exist_ok=True)
      for k, points in enumerate(faces.landmarks):
        pts.write(os.path.join(folder, f"{index + 1:06d}_{k}.pts"),
                  coordinates.to_pts(points))
    if self.annotate:
      drawn = frame
      for points in faces.landmarks:
        drawn = drawing.draw_landmarks(drawn, points)
      if self.source.kind == "image":
        media.write_image(self._path(".jpg"), drawn)
      else:
        if self._video is None:
          height, width = frame.shape[:2]
          self._video = media.VideoWriter(self._path(".mp4"), self.fps,
                                          (width, height))
        self._video.write(drawn)

  def close(self) -> str:
    """Finishes the video and writes the JSON; returns the JSON path."""
    if self._video is not None:
      self._video.close()
    path = self._path(".json")
    with open(path, "w", encoding="utf-8") as f:
      json.dump(self._record, f)
    return path
