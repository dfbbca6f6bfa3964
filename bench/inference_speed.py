"""CPU inference speed: faces per second, ours beside dlib and MediaPipe.

Two measurements in one run.

Throughput (`faces_per_s`): each detector (random weights: speed does not
depend on their values) is timed through three runtimes on the same uint8
crops, at batch 1 and batch 16:
- Keras: the model in a `tf.function` (heatmaps out, no decoding);
- SavedModel: the exported `detect` signature (decoding included);
- TFLite: that signature converted to float32, run by ai-edge-litert.
Configurations: the paper's 4-stack and a 1-stack model at F = 256, L = 768
(256 channels), the 4-stack backbone with FAN's 2D head at L = 64 (the
latency target: 1D at L = 768 within 1.2x of it), and `synthetic_det1d`'s
architecture (F = 64, 1 stack x 64 channels, L = 192), the lite model whose
accuracy the README's main job measures; dlib's 68-point shape predictor
(`dlib-bin`, model file from `face-recognition-models`) on the same crops.

Side by side (`side_by_side`): latency in ms at batch 1 and one thread, of
one face crop (the 300-W dummy face, cropped as the CLI crops), in
interleaved rounds so that every row sees the same machine load: the
`synthetic_det1d` and `synthetic_det1d_mobile` models (and the mobile
backbone under the hourglass model's 64-wide head) through TFLite float32 and
int8 and through ONNX Runtime (tf2onnx conversion of the `detect` signature;
rows skipped with the reason when tf2onnx or onnxruntime is not installed),
MediaPipe's face_landmark.tflite (468 points, 192 px input; taken from the
mediapipe wheel with `pip download`, cached at --mediapipe_model, run by
ai-edge-litert) and dlib's predictor. Each row's median over rounds, and its ratio to MediaPipe's.

  python -m bench.inference_speed --mode=full --out=docs/bench
  python -m bench.inference_speed --mode=full --out=docs/bench \\
      --parts=side_by_side        # again alone, the throughput kept
  python -m bench.inference_speed --out=docs/bench \\
      --update_docs=docs/reproduction.md   # the report's table from the JSON
"""

from __future__ import annotations

import os
import pathlib
import subprocess
import sys
import tempfile
import time
import zipfile

from absl import flags
import numpy as np
import tensorflow as tf

from bench import cli
from bench import machine
from experiments import configs as registry
from experiments import runbook
from landmark1d import models
from landmark1d.geometry import coordinates
from landmark1d.geometry import pts
from landmark1d.models import builders
from landmark1d.models import cost
from landmark1d.runs import common
from landmark1d.runs import export as export_run
from landmark1d.runs import schema
from landmark1d.serving import saved_model
from landmark1d.serving import lite

NAME = "inference_speed"
TARGET_FACES_PER_S = 25.0
MODES = {
    "full": dict(seconds=6.0, batches=(1, 16), models={
        "paper_4stack_F256_L768": dict(input_size=256, num_stacks=4,
                                       channels=256, hourglass_depth=4,
                                       heatmap_length=768),
        # The same backbone with FAN's 2D head: the latency target's peer.
        "paper_4stack_F256_2D_L64": dict(head="2d", input_size=256,
                                         num_stacks=4, channels=256,
                                         hourglass_depth=4,
                                         heatmap_length=64),
        "1stack_F256_L768": dict(input_size=256, num_stacks=1, channels=256,
                                 hourglass_depth=4, heatmap_length=768),
        "lite_synthetic_det1d_F64_L192": dict(
            input_size=64, num_stacks=1, channels=64, hourglass_depth=3,
            heatmap_length=192, attention_dims=8)}),
    "reduced": dict(seconds=0.3, batches=(1, 4), models={
        "tiny_F32_L64": dict(input_size=32, num_stacks=1, channels=16,
                             hourglass_depth=2, heatmap_length=64,
                             attention_dims=2)}),
}

# Side by side: row prefix -> (config, overrides); rounds of `calls` calls.
SIDE_BY_SIDE = {
    "full": dict(rounds=30, calls=40, models={
        "synthetic_det1d": ("synthetic_det1d", ()),
        "synthetic_det1d_mobile": ("synthetic_det1d_mobile", ()),
        # The same backbone under the hourglass model's 64-channel head: what
        # the narrower head buys.
        "synthetic_det1d_mobile_head64": ("synthetic_det1d_mobile",
                                          ("model.head_width=64",))}),
    # The hourglass model takes the same path; one model keeps tests short.
    "reduced": dict(rounds=2, calls=2, models={
        "synthetic_det1d_mobile_smoke": ("synthetic_det1d_mobile_smoke",
                                         ())}),
}
THREADS = 1
PARTS = ("throughput", "side_by_side")
FACE = (pathlib.Path(__file__).resolve().parents[1] / "datasets" /
        "ibug_300w" / "dummy_data" / "lfpw" / "testset" / "image_0001")
MEDIAPIPE_WHEEL = "mediapipe==0.10.21"
MEDIAPIPE_MEMBER = "mediapipe/modules/face_landmark/face_landmark.tflite"
MEDIAPIPE_ROW = "mediapipe_face_landmark/tflite_float32"
DLIB_ROW = "dlib_shape_predictor"
DEFAULT_MEDIAPIPE_MODEL = os.path.join(
    os.path.expanduser("~"), ".cache", "landmark1d", "face_landmark.tflite")


def faces_per_second(call, crops: np.ndarray, seconds: float) -> float:
  """Faces/s of `call(crops)` over at least `seconds` (after one warm-up)."""
  call(crops)
  calls, start = 0, time.perf_counter()
  while True:
    call(crops)
    calls += 1
    elapsed = time.perf_counter() - start
    if elapsed >= seconds or (calls >= 2 and elapsed >= seconds / 4
                              and len(crops) >= 16):
      return calls * len(crops) / elapsed


def _runtimes(spec: dict, folder: str) -> dict:
  """`{runtime: crops -> landmarks}` for one architecture."""
  spec = dict(spec)
  head, f = spec.pop("head", "1d"), spec["input_size"]
  model = models.build_detector(head, num_landmarks=68, **spec)
  module = saved_model.LandmarkModule(
      model, head=head, landmark_set="ibug68", crop_size=f,
      heatmap_length=spec["heatmap_length"], sigma=f / 64, decoder="argmax",
      context=1.4, shift=0.0)
  path = saved_model.export(module, os.path.join(folder, "saved_model"))
  keras_fn = tf.function(lambda x: model(tf.cast(x, tf.float32) / 255.0,
                                         training=False))
  first = "hx" if head == "1d" else "heatmap"
  detect = tf.saved_model.load(path).signatures["detect"]
  tflite = lite.LiteDetector(lite.convert(path, "float32"))
  return {
      "keras": lambda x: keras_fn(x)[first].numpy(),
      "saved_model": lambda x: detect(images=tf.constant(x))[
          "landmarks"].numpy(),
      "tflite_float32": lambda x: tflite(x)["landmarks"],
  }


def _dlib_peer(side: int):
  """`(crops -> shapes, description)` for dlib's shape predictor on `side`
  px crops; `(None, reason)` when dlib or its model file is missing."""
  try:
    import dlib  # pylint: disable=g-import-not-at-top
    import face_recognition_models  # pylint: disable=g-import-not-at-top
  except ImportError as e:
    return None, f"peer unavailable: {e}"
  predictor = dlib.shape_predictor(
      face_recognition_models.pose_predictor_model_location())
  # The face fills the middle of a crop taken with context 1.4.
  margin = int(side * 0.15)
  rect = dlib.rectangle(margin, margin, side - margin, side - margin)

  def call(batch):
    return [predictor(np.ascontiguousarray(c), rect) for c in batch]
  return call, "dlib 68-point shape predictor (ERT), one face per call"


def face_crop(side: int) -> np.ndarray:
  """`(1, side, side, 3)` uint8: the dummy 300-W face in the CLI's window
  (its landmark box, context 1.4, no shift)."""
  image = tf.io.decode_png(tf.io.read_file(str(FACE) + ".png"), channels=3)
  points = coordinates.from_pts(pts.read(str(FACE) + ".pts", 68))
  window = coordinates.square_window(coordinates.tight_box(points), 1.4, 0.0)
  crops = saved_model.crop_faces(image, window[None], side)
  return np.round(crops.numpy()).clip(0, 255).astype(np.uint8)


def fetch_mediapipe(path: str) -> str | None:
  """Puts MediaPipe's face_landmark.tflite at `path` (from the wheel, with
  `pip download --no-deps`) unless it is there; None, or why it failed."""
  if os.path.exists(path):
    return None
  with tempfile.TemporaryDirectory() as folder:
    done = subprocess.run(
        [sys.executable, "-m", "pip", "download", MEDIAPIPE_WHEEL,
         "--no-deps", "--only-binary=:all:", "-d", folder],
        capture_output=True, text=True, check=False)
    wheels = list(pathlib.Path(folder).glob("mediapipe-*.whl"))
    if done.returncode or not wheels:
      return f"pip download {MEDIAPIPE_WHEEL} failed: {done.stderr[-300:]}"
    with zipfile.ZipFile(wheels[0]) as wheel:
      model = wheel.read(MEDIAPIPE_MEMBER)
  os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
  with open(path, "wb") as f:
    f.write(model)
  return None


def _mediapipe_peer(path: str):
  """`(crop -> outputs, input side)` for a float32-input .tflite model (for
  MediaPipe's: 192, pixels in [0, 1]), on THREADS threads."""
  from ai_edge_litert import interpreter  # pylint: disable=g-import-not-at-top
  runner = interpreter.Interpreter(model_path=path, num_threads=THREADS)
  runner.allocate_tensors()
  (entry,) = runner.get_input_details()
  exits = [d["index"] for d in runner.get_output_details()]

  def call(crop):
    runner.set_tensor(entry["index"], crop.astype(np.float32) / 255.0)
    runner.invoke()
    return [runner.get_tensor(i) for i in exits]
  return call, int(entry["shape"][1])


def _onnx_runtime(path: str, crop_size: int):
  """`crop -> outputs` through ONNX Runtime on THREADS threads, converted by
  tf2onnx from the SavedModel's `detect` signature (opset 17)."""
  import onnxruntime  # pylint: disable=g-import-not-at-top
  import tf2onnx  # pylint: disable=g-import-not-at-top
  loaded = tf.saved_model.load(path)
  detect = loaded.signatures["detect"]
  proto, _ = tf2onnx.convert.from_function(
      tf.function(lambda images: detect(images=images)),
      input_signature=[tf.TensorSpec((1, crop_size, crop_size, 3), tf.uint8,
                                     name="images")], opset=17)
  options = onnxruntime.SessionOptions()
  options.intra_op_num_threads = options.inter_op_num_threads = THREADS
  session = onnxruntime.InferenceSession(
      proto.SerializeToString(), options, providers=["CPUExecutionProvider"])
  name = session.get_inputs()[0].name
  return lambda crop: session.run(None, {name: crop})


def _side_by_side_rows(spec: dict, folder: str, mediapipe_model: str):
  """`({row: (crop -> outputs, crop)}, {row: why skipped}, {model: size})`."""
  rows, skipped, sizes = {}, {}, {}
  for prefix, (name, assignments) in spec["models"].items():
    config = schema.override(registry.get(name), list(assignments))
    f = config.data.crop_size
    crop = face_crop(f)
    model = common.build_detector(config)
    sizes[prefix] = {"parameters": model.count_params(),
                     "mflops": cost.count_flops(model, (1, f, f, 3)) / 1e6,
                     "crop_size": f, "backbone": config.model.backbone,
                     "channels": config.model.channels,
                     "head_width": builders.resolved_head_width(
                         config.model.channels, config.model.head_width)}
    path = export_run.run(config, None, os.path.join(folder, prefix),
                          model=model)
    # int8 ranges from the face crop under pixel noise: the weights are
    # random, and latency does not depend on the calibrated values.
    rng = np.random.default_rng(0)
    calibration = [np.clip(crop + rng.normal(0, 16, crop.shape), 0,
                           255).astype(np.uint8) for _ in range(16)]
    for precision in ("float32", "int8"):
      runner = lite.LiteDetector(
          lite.convert(path, precision, calibration), num_threads=THREADS)
      rows[f"{prefix}/tflite_{precision}"] = (runner, crop)
    try:
      rows[f"{prefix}/onnxruntime"] = (_onnx_runtime(path, f), crop)
    except ImportError as e:
      skipped[f"{prefix}/onnxruntime"] = f"not installed: {e}"
  reason = fetch_mediapipe(mediapipe_model)
  if reason is None:
    call, side = _mediapipe_peer(mediapipe_model)
    rows[MEDIAPIPE_ROW] = (call, face_crop(side))
  else:
    skipped[MEDIAPIPE_ROW] = reason
  peer, description = _dlib_peer(256)
  if peer is None:
    skipped[DLIB_ROW] = description
  else:
    rows[DLIB_ROW] = (peer, face_crop(256))
  for row, reason in skipped.items():
    print(f"side by side: {row} skipped ({reason})", flush=True)
  return rows, skipped, sizes


def interleaved_ms(rows: dict, rounds: int, calls: int) -> dict:
  """Per row, ms per call in each round: `{row: [ms, ...]}`.

  Rounds visit every row in turn (one warm-up call each first), starting
  one row later each round, so load changes spread over all rows alike.

  Args:
    rows: `{row: (call, argument)}`.
    rounds: number of rounds.
    calls: calls per row and round.
  """
  names = list(rows)
  for call, argument in rows.values():
    call(argument)
  times = {name: [] for name in names}
  for r in range(rounds):
    for name in names[r % len(names):] + names[:r % len(names)]:
      call, argument = rows[name]
      start = time.perf_counter()
      for _ in range(calls):
        call(argument)
      times[name].append(1000.0 * (time.perf_counter() - start) / calls)
  return times


def side_by_side(times: dict) -> dict:
  """Median and best round per row, and ratios to MediaPipe's median."""
  out = {name: {"median_ms": float(np.median(t)), "min_ms": float(np.min(t)),
                "rounds_ms": [float(v) for v in t]}
         for name, t in times.items()}
  if MEDIAPIPE_ROW in out:
    reference = out[MEDIAPIPE_ROW]["median_ms"]
    for row in out.values():
      row["median_ms_over_mediapipe"] = row["median_ms"] / reference
  return out


def _throughput(mode: str) -> dict:
  """The throughput part: faces/s per model, runtime and batch size."""
  s = MODES[mode]
  rng = np.random.default_rng(0)
  load_at_start = machine.load_average()
  results = {"target_faces_per_s": TARGET_FACES_PER_S, "faces_per_s": {},
             "models": s["models"]}
  for name, spec in s["models"].items():
    f = spec["input_size"]
    with tempfile.TemporaryDirectory() as folder:
      runtimes = _runtimes(spec, folder)
      for batch in s["batches"]:
        crops = rng.integers(0, 256, (batch, f, f, 3), dtype=np.uint8)
        for runtime, call in runtimes.items():
          results["faces_per_s"][f"{name}/{runtime}/batch{batch}"] = (
              faces_per_second(call, crops, s["seconds"]))
          print(f"{name}/{runtime}/batch{batch}: "
                f"{results['faces_per_s'][f'{name}/{runtime}/batch{batch}']:.1f}"
                " faces/s", flush=True)
  peer, results["peer"] = _dlib_peer(256)
  if peer is not None:
    crops = rng.integers(0, 256, (1, 256, 256, 3), dtype=np.uint8)
    results["faces_per_s"]["dlib_shape_predictor/batch1"] = faces_per_second(
        peer, crops, s["seconds"])
  results["targets"] = targets(results["faces_per_s"])
  results["machine"] = machine.record(load_at_start)
  return results


def _side_by_side_part(mode: str, mediapipe_model: str) -> dict:
  """The side-by-side part, with its own machine record."""
  spec = SIDE_BY_SIDE[mode]
  load_at_start = machine.load_average()
  with tempfile.TemporaryDirectory() as folder:
    rows, skipped, sizes = _side_by_side_rows(spec, folder, mediapipe_model)
    times = interleaved_ms(rows, spec["rounds"], spec["calls"])
  part = {"threads": THREADS, "batch": 1, "rounds": spec["rounds"],
          "calls_per_round": spec["calls"], "models": sizes,
          "skipped": skipped, "rows": side_by_side(times),
          "machine": machine.record(load_at_start)}
  for name, row in part["rows"].items():
    print(f"side by side: {name}: {row['median_ms']:.3f} ms", flush=True)
  return part


# docs/reproduction.md's generated side-by-side table (a test keeps it current).
REPORT_BEGIN, REPORT_END = cli.report_markers(NAME)
SIDE_BY_SIDE_RUNTIMES = ("tflite_float32", "tflite_int8", "onnxruntime")


def side_by_side_markdown(part: dict) -> str:
  """The side-by-side part as a table: ms per face and ratio to MediaPipe."""
  rows = part["rows"]

  def cell(name: str) -> str:
    if name not in rows:
      return "skipped" if name in part["skipped"] else ""
    row = rows[name]
    ratio = row.get("median_ms_over_mediapipe")
    return f"{row['median_ms']:.2f}" + (f" ({ratio:.2f}x)" if ratio else "")

  lines = ["| model | backbone, C, head width | MFLOPs | TFLite float32 (ms, "
           "x MediaPipe) | TFLite int8 | ONNX Runtime |",
           "| --- | --- | ---: | ---: | ---: | ---: |"]
  for model, size in part["models"].items():
    cells = " | ".join(cell(f"{model}/{runtime}")
                       for runtime in SIDE_BY_SIDE_RUNTIMES)
    lines.append(f"| `{model}` | {size['backbone']}, {size['channels']}, "
                 f"{size['head_width']} | {size['mflops']:.0f} | {cells} |")
  lines += [f"| MediaPipe face_landmark | | | {cell(MEDIAPIPE_ROW)} | | |",
            f"| dlib 68-point predictor | | | {cell(DLIB_ROW)} | | |"]
  m = part["machine"]
  start, end = (m[f"load_average_1_5_15_at_{t}"][0] for t in ("start", "end"))
  lines += ["", f"Median of {part['rounds']} interleaved rounds of "
            f"{part['calls_per_round']} calls; 1-minute load average "
            f"{start:.1f} at the start and {end:.1f} at the end, on "
            f"{m['cpus_usable']} cores."]
  return "\n".join(lines)


def update_report(text: str, results: dict) -> str:
  """`text` with its block between REPORT_BEGIN and REPORT_END set to the
  side-by-side table (ValueError when the markers are missing)."""
  return runbook.replace_block(text, REPORT_BEGIN, REPORT_END,
                               side_by_side_markdown(results["side_by_side"]))


def run(mode: str, out: str, mediapipe_model: str = DEFAULT_MEDIAPIPE_MODEL,
        parts=PARTS) -> dict:
  """Measures `parts`, keeps the others from `<out>`'s JSON; writes JSON and
  PNG.

  Args:
    mode: "reduced" or "full".
    out: folder of `inference_speed.{json,png}`.
    mediapipe_model: MediaPipe's face_landmark.tflite, fetched when absent.
    parts: some of PARTS; a part not run is read back from `<out>`, so one
      part can be measured again alone (speed wants a quiet machine, and the
      two parts need not find one at the same time).

  Raises:
    ValueError: unknown parts, or a part to keep that `<out>` lacks.
  """
  unknown = sorted(set(parts) - set(PARTS))
  if unknown:
    raise ValueError(f"parts {unknown} are not among {PARTS}")
  kept = [part for part in PARTS if part not in parts]
  stored = (cli.read_json(out, NAME) or {}) if kept else {}
  if kept and (stored.get("mode") != mode or "faces_per_s" not in stored or (
      "side_by_side" in kept and "side_by_side" not in stored)):
    raise ValueError(f"{os.path.join(out, NAME)}.json holds no {mode} "
                     f"results of {kept} to keep; run those parts too")
  results = stored
  if "throughput" in parts:
    results = {"mode": mode, **_throughput(mode)}
    if "side_by_side" in kept:
      results["side_by_side"] = stored["side_by_side"]
  if "side_by_side" in parts:
    results["side_by_side"] = _side_by_side_part(mode, mediapipe_model)
  cli.write_json(results, out, NAME)
  plot(results, os.path.join(out, f"{NAME}.png"))
  return results


def targets(rates: dict) -> dict:
  """The issue's two speed targets, from the measured rates (full mode)."""
  out = {}
  one, two = "paper_4stack_F256_L768", "paper_4stack_F256_2D_L64"
  for runtime in ("keras", "saved_model", "tflite_float32"):
    a, b = rates.get(f"{one}/{runtime}/batch1"), rates.get(
        f"{two}/{runtime}/batch1")
    if a and b:  # latency ratio = inverse rate ratio
      out[f"latency_1d_L768_over_2d_L64_{runtime}"] = b / a
  # Serving runtimes only: the Keras rate has no decoding.
  lite = {k: v for k, v in rates.items() if k.startswith("lite_")
          and ("/saved_model/" in k or "/tflite_" in k)}
  if lite:
    best = max(lite, key=lite.get)
    out["lite_best"] = {"runtime": best, "faces_per_s": lite[best],
                        "target": TARGET_FACES_PER_S}
  return out


def plot(results: dict, path: str):
  """Bars of faces/s (the 25 faces/s target as a line) and of the
  side-by-side latencies (MediaPipe's as a line)."""
  import matplotlib  # pylint: disable=g-import-not-at-top
  matplotlib.use("Agg")
  from matplotlib import pyplot as plt  # pylint: disable=g-import-not-at-top
  rates = results["faces_per_s"]
  rows = results["side_by_side"]["rows"]
  fig, (top, bottom) = plt.subplots(
      2, 1, figsize=(8, 0.3 * (len(rates) + len(rows)) + 2.4),
      height_ratios=(len(rates), max(len(rows), 1)))
  top.barh(list(rates), list(rates.values()),
           color=["tab:green" if k.startswith("dlib") else "tab:blue"
                  for k in rates])
  top.axvline(TARGET_FACES_PER_S, color="tab:red", linestyle="--",
              label=f"{TARGET_FACES_PER_S:g} faces/s")
  top.set(xscale="log", xlabel="faces / s", title="CPU throughput")
  top.legend()
  medians = {name: row["median_ms"] for name, row in rows.items()}
  bottom.barh(list(medians), list(medians.values()),
              color=["tab:blue" if k.startswith("synthetic") else "tab:green"
                     for k in medians])
  if MEDIAPIPE_ROW in medians:
    bottom.axvline(medians[MEDIAPIPE_ROW], color="tab:red", linestyle="--",
                   label="MediaPipe")
    bottom.legend()
  bottom.set(xlabel="ms per face (median of interleaved rounds)",
             title=f"side by side: batch 1, {THREADS} thread, one face crop")
  for ax in (top, bottom):
    ax.tick_params(axis="y", labelsize=7)
  fig.tight_layout()
  fig.savefig(path, dpi=120)
  plt.close(fig)


def main(argv):
  del argv
  f = cli.FLAGS
  if f.update_docs:
    results = cli.stored_results(f.out, NAME)
    if "side_by_side" not in results:
      raise cli.UsageError(f"--out={f.out}: {NAME}.json has no side_by_side "
                           "part")
    cli.rewrite_document(f.update_docs,
                         lambda text: update_report(text, results))
    return
  run(f.mode, f.out, f.mediapipe_model, f.parts)


if __name__ == "__main__":
  cli.define_flags()
  flags.DEFINE_string("mediapipe_model", DEFAULT_MEDIAPIPE_MODEL,
                      "Where MediaPipe's face_landmark.tflite is cached "
                      "(fetched from the mediapipe wheel when absent).")
  flags.DEFINE_list("parts", list(PARTS),
                    "Parts to measure; the others are kept from --out's "
                    "JSON.")
  cli.define_update_docs_flag("side-by-side table")
  cli.run(main)
