"""Inputs expand to sources; unreadable files fail naming the file."""

import cv2
import numpy as np
import pytest

from landmark1d.serving import media


def _video(path, frames):
  writer = media.VideoWriter(str(path), 10.0, frames[0].shape[1::-1])
  for frame in frames:
    writer.write(frame)
  writer.close()


def test_folders_expand_to_their_images_and_videos_in_order(tmp_path):
  image = np.zeros((8, 8, 3), np.uint8)
  for name in ("b.png", "a.jpg"):
    media.write_image(str(tmp_path / name), image)
  _video(tmp_path / "c.mp4", [image] * 2)
  (tmp_path / "notes.txt").write_text("not media")
  found = media.sources([str(tmp_path), "0"])
  assert [(s.stem, s.kind) for s in found] == [
      ("a", "image"), ("b", "image"), ("c", "video"), ("webcam0", "webcam")]


def test_a_written_video_reads_back_frame_for_frame(tmp_path):
  frames = [np.full((48, 64, 3), (40 * i, 200 - 40 * i, 90), np.uint8)
            for i in range(5)]
  _video(tmp_path / "v.mp4", frames)
  video = media.Video(media.Source(str(tmp_path / "v.mp4"), "video"))
  back = list(video)
  assert video.frame_count == 5 and len(back) == 5
  assert video.fps == pytest.approx(10.0)
  # Flat colours survive MPEG-4 within a few levels, RGB order kept.
  for got, want in zip(back, frames):
    assert np.abs(got.astype(int) - want).max() <= 8


def test_unreadable_inputs_raise_a_media_error_naming_the_file(tmp_path):
  broken = tmp_path / "broken.jpg"
  broken.write_bytes(b"\xff\xd8 not really a jpeg")
  with pytest.raises(media.MediaError, match="broken.jpg: cannot decode"):
    media.read_image(str(broken))
  fake = tmp_path / "fake.mp4"
  fake.write_bytes(b"\x00" * 1000)
  with pytest.raises(media.MediaError, match="fake.mp4: cannot read a frame"):
    media.Video(media.Source(str(fake), "video"))
  with pytest.raises(media.MediaError, match="missing.png: no such file"):
    media.sources([str(tmp_path / "missing.png")])
  with pytest.raises(media.MediaError, match="unknown file type '.txt'"):
    (tmp_path / "x.txt").write_text("")
    media.sources([str(tmp_path / "x.txt")])
  assert cv2.imread(str(broken)) is None  # the reference decoder agrees
