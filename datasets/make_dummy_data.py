"""Writes the `dummy_data/` folder of every real builder, tfds style.

  python -m landmark1d_datasets.make_dummy_data            # all
  python -m landmark1d_datasets.make_dummy_data ibug_300vw # one

Each folder holds a few kilobyte-sized files in the *published* layout and
with the published file names of its dataset (300-W's subset folders and .pts
files, AFLW-19's HRNet lists and images/flickr/, 300-VW's video folders with
vid.avi and annot/, FGNet Talking Face's franck_NNNNN frames, WFLW's
WFLW_images/<event>/ and list_98pt_rect_attr_{train,test}.txt; for
landmarks_folder, a user's folder of clips with its scheme.json, which
`write_landmarks_folder` also writes in the CSV / JSON layouts and with 98
points), so builders, `DatasetBuilderTestCase`s and the dress rehearsal
(tests/experiments/test_rehearsal.py) read what a user's download holds. The landmarks are
plausible faces: the synthetic face model's 68 points for a random identity and
expression, turned, scaled and placed with jitter, converted to each markup;
the images are small cartoons of those faces. Everything is a deterministic
function of the seeds below; the split counts the tests assert are the counts
written here.
"""

from __future__ import annotations

import copy
import json
import os
import shutil
import sys

import cv2
import numpy as np

import landmark1d_datasets
from landmark1d.geometry import coordinates
from landmark1d.geometry import landmark_sets
from landmark1d.geometry import pts
from landmark1d_datasets.synthetic_faces import face_model

HERE = os.path.dirname(os.path.abspath(__file__))
JPEG_QUALITY = 75  # kilobytes per image is all a layout test needs
VIDEO_FPS = 25

# 300-W: subset folder -> (file stem, image suffix), the real names' pattern
# (afw and helen keep one cropped copy of an image per face, `<id>_<face>`;
# lfpw frames are PNG; the private test set is PNG under 300W/).
IBUG_300W = {
    "afw": [("1051618982_1", ".jpg"), ("1051618982_2", ".jpg")],
    "helen/trainset": [("100032540_1", ".jpg")],
    "lfpw/trainset": [("image_0001", ".png")],
    "helen/testset": [("2968560214_1", ".jpg")],
    "lfpw/testset": [("image_0001", ".png")],
    "ibug": [("image_003_1", ".jpg")],
    "300W/01_Indoor": [("indoor_001", ".png")],
    "300W/02_Outdoor": [("outdoor_001", ".png")],
}
GREY_300W = ("ibug/image_003_1",)  # 300-W holds some grey JPEGs

# AFLW-19: list file -> [(image name under images/, faces in that image)].
AFLW19 = {
    "face_landmarks_aflw_train.csv": [("flickr/0/image00002.jpg", 2),
                                      ("flickr/2/image00013.jpg", 1),
                                      ("flickr/2/image00040.jpg", 1)],
    "face_landmarks_aflw_test.csv": [("flickr/3/image00035.jpg", 1),
                                     ("flickr/3/image00052.jpg", 1)],
}
# test_frontal lists a subset of test's faces: (list line numbers in test).
AFLW19_FRONTAL = ("face_landmarks_aflw_test_frontal.csv",
                  "face_landmarks_aflw_test.csv", (2,))
AFLW19_HIDDEN = {"flickr/0/image00002.jpg": (18,)}  # an unannotated chin

# 300-VW: video id -> annotated frames; ids from the published split table
# (001-004 train, 114 in S1, 203 in S2, 410 in S3).
IBUG_300VW = {"001": 6, "002": 6, "003": 6, "004": 6, "114": 4, "203": 4,
              "410": 4}
ARCHIVE_300VW = "300VW_Dataset_2015_12_14"

# WFLW: list -> [(image under WFLW_images/, attribute flags of each face)];
# every test subset gets one face (flags: pose, expression, illumination,
# make-up, occlusion, blur), the last test face none.
WFLW = {
    "list_98pt_rect_attr_train.txt": [
        ("0--Parade/0_Parade_marchingband_1_116.jpg", ["000000", "000000"]),
        ("12--Group/12_Group_Group_12_Group_Group_12_10.jpg", ["000000"])],
    "list_98pt_rect_attr_test.txt": [
        ("2--Demonstration/2_Demonstration_Political_Rally_2_444.jpg",
         ["100001", "011000"]),
        ("51--Dresses/51_Dresses_wearingdress_51_377.jpg", ["000110"]),
        ("7--Cheering/7_Cheering_Cheering_7_16.jpg", ["000000"])],
}

# landmarks_folder: a user's folder of clips (each a folder of frames), with
# a 5-point scheme picked from the iBUG 68 points; `write_landmarks_folder`
# also writes a 98-point scheme (`FOLDER_MIDPOINTS`) and CSV / JSON layouts.
FOLDER_CLIPS = {"train/clip_a": 4, "train/clip_b": 4, "test/clip_c": 4}
FOLDER_SIZE = (96, 72)
FOLDER_5 = {"name": "dummy_face5", "num_points": 5,
            "from_ibug68": (36, 45, 30, 48, 54),
            "names": ["right_eye_outer", "left_eye_outer", "nose_tip",
                      "mouth_right", "mouth_left"],
            "flip_pairs": [[0, 1], [3, 4]], "normalizing_points": [0, 1],
            "groups": {"eyes": [0, 1], "nose": [2], "mouth": [3, 4]}}
# The 30 points added to the 68 for N = 98: midpoints of neighbours on the
# jaw, brows, nose bridge and upper lip, chosen so that mirrored pairs of
# neighbours give mirrored midpoints (a closed flip permutation).
FOLDER_MIDPOINTS = ([(i, i + 1) for i in range(16)]
                    + [(17 + k, 18 + k) for k in range(4)]
                    + [(22 + k, 23 + k) for k in range(4)]
                    + [(27, 28), (28, 29), (48, 49), (49, 50), (52, 53),
                       (53, 54)])

TALKING_FACE_FRAMES = 6
TALKING_FACE_SIZE = (90, 72)  # the real frames' 720 x 576 shrunk 8x


def face_68(rng: np.random.Generator, size: tuple[int, int],
            centre=None, scale: float | None = None,
            expression=None) -> np.ndarray:
  """A plausible 68-point iBUG face in an image of `size` = (width, height).

  Args:
    rng: draws identity, expression, pose and placement.
    size: image (width, height) in pixels.
    centre: face centre (x, y) in pixels; None draws one near the middle.
    scale: pixels per face-model unit (the face is about 2 units wide); None
      draws one that fills about half the image.
    expression: a `face_model.Expression`, or None to draw one.

  Returns:
    `(68, 2)` float64 0-based image pixels.
  """
  width, height = size
  identity = face_model.sample_identity(rng)
  if expression is None:
    expression = face_model.sample_expression(rng)
  points = face_model.landmarks_3d(identity, expression)
  yaw, roll = rng.uniform(-0.35, 0.35), rng.uniform(-0.2, 0.2)
  turned = points[:, 0] * np.cos(yaw) + points[:, 2] * np.sin(yaw)
  xy = np.stack([turned, points[:, 1]], axis=-1)
  rotation = np.array([[np.cos(roll), -np.sin(roll)],
                       [np.sin(roll), np.cos(roll)]])
  xy = xy @ rotation.T
  if scale is None:
    scale = min(width, height) * rng.uniform(0.22, 0.28)
  if centre is None:
    centre = np.array([width, height]) / 2 + rng.uniform(-0.06, 0.06, 2) * (
        np.array([width, height]))
  return xy * scale + np.asarray(centre, np.float64)


def background(size: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
  """A small BGR backdrop: a colour gradient, different per image / video."""
  width, height = size
  ramp = np.add.outer(np.linspace(0, 60, height), np.linspace(0, 40, width))
  base = rng.integers(60, 150, 3)
  return np.clip(base + ramp[..., None], 0, 255).astype(np.uint8)


def draw_faces(image: np.ndarray, faces) -> np.ndarray:
  """A copy of `image` with each face as a skin oval and dark feature dots."""
  image = image.copy()
  for face in faces:
    lo, hi = face.min(axis=0), face.max(axis=0)
    centre = tuple(int(v) for v in (lo + hi) / 2)
    axes = tuple(max(1, int(v)) for v in (hi - lo) / 2 * 1.1)
    cv2.ellipse(image, centre, axes, 0, 0, 360, (120, 160, 215), -1,
                cv2.LINE_AA)
    for x, y in face:
      cv2.circle(image, (int(round(x)), int(round(y))), 1, (40, 40, 90), -1,
                 cv2.LINE_AA)
  return image


def to_aflw19(p: np.ndarray) -> np.ndarray:
  """The AFLW-19 points (`landmark_sets.AFLW19` order) of an iBUG 68 face."""
  eye_r, eye_l = p[36:42].mean(axis=0), p[42:48].mean(axis=0)
  return np.stack([
      p[17], p[19], p[21], p[22], p[24], p[26],  # brows, image left to right
      p[36], eye_r, p[39], p[42], eye_l, p[45],  # eye corners and centres
      p[31], p[30], p[35],  # nose wings and tip
      p[48], (p[62] + p[66]) / 2, p[54],  # mouth corners and centre
      p[8]])  # chin


def to_talking_face68(p: np.ndarray) -> np.ndarray:
  """The FGNet Talking Face markup (`landmark_sets` "talking_face68") of an
  iBUG 68 face: the same anatomy, Cootes' XM2VTS point order."""
  jaw = np.stack([np.interp(np.linspace(0, 16, 15), np.arange(17), p[:17, a])
                  for a in (0, 1)], axis=-1)
  below = np.array([0.0, 0.03]) * np.linalg.norm(p[45] - p[36])
  def brow(outer, outer_top, inner_top, inner):
    return [p[outer], p[outer_top], p[inner_top], p[inner],
            p[inner_top] + below, p[outer_top] + below]
  def eye(outer, top, inner, bottom, ring):
    return [p[outer], p[list(top)].mean(axis=0), p[inner],
            p[list(bottom)].mean(axis=0), p[list(ring)].mean(axis=0)]
  side = (p[35] - p[31]) * 0.35
  nose = [p[28] - side, p[29] - side, p[31], p[32], p[33], p[34], p[35],
          p[29] + side, p[28] + side, (p[31] + p[32]) / 2 - below,
          (p[34] + p[35]) / 2 - below]
  mouth = [p[i] for i in (48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59,
                          67, 66, 65, 60)]
  mouth += [(p[62] + p[66]) / 2, p[64], p[62]]
  return np.stack([*jaw, *brow(26, 25, 23, 22), *brow(17, 18, 20, 21),
                   *eye(36, (37, 38), 39, (40, 41), range(36, 42)),
                   *eye(45, (43, 44), 42, (46, 47), range(42, 48)),
                   *nose, *mouth, p[30]])


def to_wflw98(p: np.ndarray) -> np.ndarray:
  """The WFLW markup (`landmark_sets.WFLW98`) of an iBUG 68 face: the same
  anatomy, denser contour, brows with a lower edge, eyes of 8 points."""
  def resample(points, count):
    t = np.linspace(0, len(points) - 1, count)
    return np.stack([np.interp(t, np.arange(len(points)), points[:, a])
                     for a in (0, 1)], axis=-1)
  below = np.array([0.0, 0.04]) * np.linalg.norm(p[45] - p[36])
  def eye(corner_a, upper, corner_b, lower):
    # clockwise from corner_a: 3 upper points, corner_b, 3 lower points
    return [p[corner_a], *resample(p[[corner_a, *upper, corner_b]], 5)[1:4],
            p[corner_b], *resample(p[[corner_b, *lower, corner_a]], 5)[1:4]]
  right_brow, left_brow = p[17:22], p[22:27]
  return np.stack([
      *resample(p[:17], 33),
      *right_brow, *(right_brow[[3, 2, 1, 0]] * 0.5
                     + right_brow[[4, 3, 2, 1]] * 0.5 + below),
      *left_brow, *(left_brow[[4, 3, 2, 1]] * 0.5
                    + left_brow[[3, 2, 1, 0]] * 0.5 + below),
      *resample(p[27:31], 4), *p[31:36],
      *eye(36, (37, 38), 39, (40, 41)), *eye(42, (43, 44), 45, (46, 47)),
      *p[48:68], p[36:42].mean(axis=0), p[42:48].mean(axis=0)])


def _write_image(path: str, image: np.ndarray, grey: bool = False):
  os.makedirs(os.path.dirname(path), exist_ok=True)
  if grey:
    image = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
  params = ([cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY]
            if path.endswith(".jpg") else [])
  if not cv2.imwrite(path, image, params):
    raise OSError(f"{path}: OpenCV could not write the image")


def _write_pts(path: str, points: np.ndarray):
  """0-based points -> the published 1-based .pts file, 3 decimals."""
  os.makedirs(os.path.dirname(path), exist_ok=True)
  pts.write(path, np.round(coordinates.to_pts(points), 3))


def write_ibug_300w(root: str):
  rng = np.random.default_rng(300)
  for folder, entries in IBUG_300W.items():
    for stem, suffix in entries:
      size = tuple(int(v) for v in rng.integers(80, 112, 2))
      points = face_68(rng, size)
      base = os.path.join(root, folder, stem)
      _write_image(base + suffix, draw_faces(background(size, rng), [points]),
                   grey=f"{folder}/{stem}" in GREY_300W)
      _write_pts(base + ".pts", points)


def _aflw_row(name: str, points: np.ndarray, hidden=()) -> str:
  # box_size: the side of the face square (AFLW's face rectangle), scale =
  # box_size / 200 as in the lists; the centre is the face box centre.
  lo, hi = points.min(axis=0), points.max(axis=0)
  box_size = float(np.max(hi - lo) * 1.15)
  centre = (lo + hi) / 2
  values = np.round(points, 1)
  values[list(hidden)] = 0.0  # how the lists write an unannotated point
  fields = [name, f"{box_size / 200:.4f}", f"{box_size:.1f}",
            f"{centre[0]:.1f}", f"{centre[1]:.1f}"]
  fields += [f"{v:.1f}" for v in values.ravel()]
  return ",".join(fields)


def write_aflw19(root: str):
  rng = np.random.default_rng(19)
  header = ",".join(["image_name", "scale", "box_size", "center_w",
                     "center_h"] + [f"original_{i}_{a}" for i in range(19)
                                    for a in "xy"])
  lines = {}
  for list_name, images in AFLW19.items():
    rows = [header]
    for name, count in images:
      size = tuple(int(v) for v in rng.integers(96, 128, 2))
      faces = [face_68(rng, size, centre=((k + 0.5) / count * size[0],
                                          size[1] / 2),
                       scale=min(size[0] / count, size[1]) * 0.22)
               for k in range(count)]
      _write_image(os.path.join(root, "images", name),
                   draw_faces(background(size, rng), faces))
      rows += [_aflw_row(name, to_aflw19(f), AFLW19_HIDDEN.get(name, ()))
               for f in faces]
    lines[list_name] = rows
  frontal, source, numbers = AFLW19_FRONTAL
  lines[frontal] = [header] + [lines[source][n - 1] for n in numbers]
  for list_name, rows in lines.items():
    with open(os.path.join(root, list_name), "w", encoding="utf-8") as f:
      f.write("\n".join(rows) + "\n")


def write_wflw(root: str):
  rng = np.random.default_rng(98)
  folder = os.path.join(root, "WFLW_annotations",
                        "list_98pt_rect_attr_train_test")
  os.makedirs(folder)
  for list_name, images in WFLW.items():
    lines = []
    for name, flags in images:
      size = tuple(int(v) for v in rng.integers(96, 128, 2))
      count = len(flags)
      faces = [face_68(rng, size, centre=((k + 0.5) / count * size[0],
                                          size[1] / 2),
                       scale=min(size[0] / count, size[1]) * 0.22)
               for k in range(count)]
      _write_image(os.path.join(root, "WFLW_images", name),
                   draw_faces(background(size, rng), faces))
      for face, face_flags in zip(faces, flags):
        points = to_wflw98(face)
        # The detector's rectangle: the landmarks' box, loosened and rounded.
        lo, hi = np.floor(points.min(0) - 2), np.ceil(points.max(0) + 2)
        lines.append(" ".join([f"{v:.6f}" for v in points.ravel()]
                              + [f"{v:.0f}" for v in (*lo, *hi)]
                              + list(face_flags) + [name]))
    with open(os.path.join(folder, list_name), "w", encoding="utf-8") as f:
      f.write("\n".join(lines) + "\n")


def _talking_sequence(rng: np.random.Generator, size, frames: int):
  """Frames of one talking head: a slow drift, the mouth opening and closing."""
  base = face_68(rng, size)
  identity = face_model.sample_identity(rng)
  scale = np.linalg.norm(base[45] - base[36]) / 1.28
  for k in range(frames):
    expression = face_model.Expression(
        mouth_open=0.4 * (1 + np.sin(k)), smile=0.2 * np.cos(0.5 * k))
    shape = face_model.landmarks_3d(identity, expression)[:, :2]
    drift = np.array([np.sin(0.4 * k), 0.5 * np.cos(0.3 * k)]) * scale * 0.05
    yield shape * scale + base.mean(axis=0) - shape.mean(axis=0) * scale + drift


def write_ibug_300vw(root: str):
  rng = np.random.default_rng(3007)
  root = os.path.join(root, ARCHIVE_300VW)
  for video_id, frames in IBUG_300VW.items():
    size = (96, 72)
    folder = os.path.join(root, video_id)
    os.makedirs(os.path.join(folder, "annot"), exist_ok=True)
    writer = cv2.VideoWriter(os.path.join(folder, "vid.avi"),
                             cv2.VideoWriter_fourcc(*"MJPG"), VIDEO_FPS, size)
    if not writer.isOpened():
      raise OSError(f"{folder}/vid.avi: OpenCV cannot write MJPG video")
    backdrop = background(size, rng)
    for number, points in enumerate(_talking_sequence(rng, size, frames), 1):
      writer.write(draw_faces(backdrop, [points]))
      _write_pts(os.path.join(folder, "annot", f"{number:06d}.pts"), points)
    writer.release()


def write_talking_face(root: str):
  # FGNet publishes the frames (in several archives) and the points
  # separately; the builder finds both anywhere under manual_dir.
  rng = np.random.default_rng(5000)
  backdrop = background(TALKING_FACE_SIZE, rng)
  for k, points in enumerate(_talking_sequence(rng, TALKING_FACE_SIZE,
                                               TALKING_FACE_FRAMES)):
    _write_image(os.path.join(root, "images", f"franck_{k:05d}.jpg"),
                 draw_faces(backdrop, [points]))
    _write_pts(os.path.join(root, "points", f"franck_{k:05d}.pts"),
               to_talking_face68(points))


def folder_scheme(num_points: int) -> dict:
  """The scheme file (JSON values) of a generated folder of 5 or 98 points."""
  if num_points == 5:
    # A deep copy: callers edit it (tests break a scheme on purpose).
    return copy.deepcopy(
        {k: v for k, v in FOLDER_5.items() if k != "from_ibug68"})
  if num_points != 98:
    raise ValueError(f"generated folders have 5 or 98 points, not {num_points}")
  ibug = landmark_sets.IBUG68
  flip = ibug.flip_permutation
  index = {pair: 68 + k for k, pair in enumerate(FOLDER_MIDPOINTS)}
  pairs = [[i, flip[i]] for i in range(68) if i < flip[i]]
  for (a, b), k in index.items():
    mirror = index[tuple(sorted((flip[a], flip[b])))]
    if k < mirror:
      pairs.append([k, mirror])
  return {"name": "dummy_face98", "num_points": 98,
          "names": list(ibug.names) + [f"mid_{ibug.names[a]}"
                                       for a, _ in FOLDER_MIDPOINTS],
          "flip_pairs": pairs, "normalizing_points": list(ibug.interocular),
          "groups": {k: list(v) for k, v in ibug.regions.items()}}


def folder_points(p: np.ndarray, num_points: int) -> np.ndarray:
  """The 5 or 98 points of `folder_scheme` from an iBUG 68 face `p`."""
  if num_points == 5:
    return p[list(FOLDER_5["from_ibug68"])]
  a, b = (np.array(side) for side in zip(*FOLDER_MIDPOINTS))
  return np.concatenate([p, (p[a] + p[b]) / 2])


def write_landmarks_folder(root: str, num_points: int = 5,
                           layout: str = "pts"):
  """A folder of clips in `FOLDER_CLIPS`, annotated as .pts files beside the
  frames ("pts"), one annotations.csv ("csv") or annotations.json ("json")."""
  rng = np.random.default_rng(1000 + num_points)
  rows, entries = [], []
  for clip, frames in FOLDER_CLIPS.items():
    backdrop = background(FOLDER_SIZE, rng)
    for k, face in enumerate(_talking_sequence(rng, FOLDER_SIZE, frames)):
      image = f"{clip}/frame_{k:03d}.jpg"
      _write_image(os.path.join(root, image), draw_faces(backdrop, [face]))
      points = folder_points(face, num_points)
      if layout == "pts":
        _write_pts(os.path.join(root, image[:-len(".jpg")] + ".pts"), points)
      rows.append(",".join([image] + [f"{v:.2f}" for v in points.ravel()]))
      entries.append({"image": image,
                      "landmarks": np.round(points, 2).tolist()})
  if layout == "csv":
    header = ",".join(["image"] + [f"{a}{i}" for i in range(num_points)
                                   for a in "xy"])
    with open(os.path.join(root, "annotations.csv"), "w",
              encoding="utf-8") as f:
      f.write("\n".join([header] + rows) + "\n")
  elif layout == "json":
    with open(os.path.join(root, "annotations.json"), "w",
              encoding="utf-8") as f:
      json.dump(entries, f)
  elif layout != "pts":
    raise ValueError(f"layout must be pts, csv or json, got {layout!r}")
  with open(os.path.join(root, "scheme.json"), "w", encoding="utf-8") as f:
    json.dump(folder_scheme(num_points), f, indent=1)


def _writers() -> dict:
  """`write_<name>` of every dataset built from a manual download."""
  names = landmark1d_datasets.manual_download()
  missing = [f"write_{n}" for n in names if f"write_{n}" not in globals()]
  if missing:
    raise NotImplementedError(f"datasets/make_dummy_data.py has no {missing}"
                              ": each real dataset needs its dummy download")
  return {n: globals()[f"write_{n}"] for n in names}


WRITERS = _writers()


def dummy_dir(name: str) -> str:
  """`datasets/<name>/dummy_data`, where tfds's test case looks."""
  return os.path.join(HERE, name, "dummy_data")


def write(name: str, root: str | None = None) -> str:
  """(Re)writes the dummy data of builder `name` into `root` (default: its
  dummy_data folder), removing what was there."""
  if name not in WRITERS:
    raise ValueError(f"no dummy data for {name!r}; known: {sorted(WRITERS)}")
  root = root or dummy_dir(name)
  if os.path.isdir(root):
    shutil.rmtree(root)
  os.makedirs(root)
  WRITERS[name](root)
  return root


def main(argv):
  for name in argv[1:] or sorted(WRITERS):
    print(f"{name}: wrote {write(name)}")


if __name__ == "__main__":
  main(sys.argv)
