"""The training binaries end to end: train, resume after SIGKILL, multi-worker,
evaluation files, export, and clear errors."""

import json
import os
import signal
import socket
import subprocess
import sys
import time

import numpy as np
import onnxruntime
import pytest
import tensorflow as tf

from experiments import configs as registry
from landmark1d.runs import common

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(
    __file__))))


def _args(data_dir, workdir, config="synthetic_det1d_smoke", *extra):
  return [sys.executable, "-m", "experiments.train_detector",
          f"--config={config}", f"--workdir={workdir}",
          f"--data_dir={data_dir}", "--set=data.dataset=synthetic_faces/mini",
          "--deterministic", *extra]


def _env(**extra):
  env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", CUDA_VISIBLE_DEVICES="")
  env.update(extra)
  return env


def _weights(checkpoint_dir):
  reader = tf.train.load_checkpoint(tf.train.latest_checkpoint(checkpoint_dir))
  return {k: reader.get_tensor(k) for k in reader.get_variable_to_shape_map()
          if k.startswith("model/") and "OPTIMIZER_SLOT" not in k}


# The flags of `trained_run`; checkpoints at every step so the SIGKILL test
# can resume this very run's training mid-way.
_TRAINED = ["--set=train.steps=12", "--set=train.learning_rate=0.003",
            "--set=train.log_every=1", "--set=train.eval_examples=16",
            "--set=train.checkpoint_every=1"]


@pytest.fixture(scope="module")
def trained_run(mini_data_dir, tmp_path_factory):
  """One smoke detector trained and evaluated by the binary, uninterrupted:
  the training test reads its output and exports it, the SIGKILL test
  compares its own run's checkpoint with this one's (exports leave the
  checkpoints unchanged).

  Returns:
    `(workdir, the binary's stdout)`.
  """
  workdir = str(tmp_path_factory.mktemp("trained") / "run")
  out = subprocess.run(
      _args(mini_data_dir, workdir, "synthetic_det1d_smoke", *_TRAINED),
      cwd=ROOT, env=_env(), capture_output=True, text=True, timeout=600)
  assert out.returncode == 0, out.stderr[-3000:]
  return workdir, out.stdout


def test_train_evaluate_writes_tables_and_loss_drops(trained_run):
  workdir, stdout = trained_run
  losses = [float(line.split("loss ")[1].split()[0])
            for line in stdout.splitlines() if line.startswith("step ")
            and "loss" in line]
  assert len(losses) == 12 and np.mean(losses[-3:]) < np.mean(losses[:3])
  # Validation scores all eval_examples, over two eval batches of 8.
  assert "validation NRMSE" in stdout
  assert all(line.endswith("on 16 images") for line in stdout.splitlines()
             if "validation NRMSE" in line)
  summary = json.load(open(os.path.join(workdir, "eval", "summary.json")))
  assert summary["test"]["images"] == 16  # the tiny test split
  for name in ("test.json", "test.md", "test_ced.png"):
    assert os.path.exists(os.path.join(workdir, "eval", name))
  assert os.listdir(os.path.join(workdir, "train"))  # TensorBoard events
  exported = subprocess.run(
      [sys.executable, "-m", "experiments.export", f"--workdir={workdir}",
       "--tflite=float32", "--onnx"], cwd=ROOT, env=_env(), capture_output=True,
      text=True, timeout=600)
  assert exported.returncode == 0, exported.stderr[-3000:]
  from landmark1d.serving import lite  # pylint: disable=g-import-not-at-top
  saved = os.path.join(workdir, "saved_model")
  crops = np.random.default_rng(0).integers(0, 256, (2, 32, 32, 3), np.uint8)
  tflite = lite.LiteDetector(os.path.join(workdir,
                                          "detect_float32.tflite"))(crops)
  want = tf.saved_model.load(saved).signatures["detect"](
      images=tf.constant(crops))["landmarks"]
  np.testing.assert_allclose(tflite["landmarks"], want, atol=1e-3)
  onnx = onnxruntime.InferenceSession(os.path.join(workdir, "detect.onnx"))
  np.testing.assert_allclose(onnx.run(["landmarks"], {"images": crops})[0],
                             want, atol=1e-3)


def test_sigkill_then_resume_equals_an_uninterrupted_run(mini_data_dir,
                                                         trained_run,
                                                         tmp_path):
  # The same training as `trained_run`; the evaluation after it, which reads
  # the final checkpoint and leaves it unchanged, is not needed here.
  steps = [*_TRAINED, "--evaluate=false"]
  killed = str(tmp_path / "killed")
  proc = subprocess.Popen(_args(mini_data_dir, killed,
                                "synthetic_det1d_smoke", *steps),
                          cwd=ROOT, env=_env(), stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL)
  ckpt = os.path.join(killed, "checkpoints")
  deadline = time.time() + 300
  while time.time() < deadline:
    latest = tf.train.latest_checkpoint(ckpt) if os.path.isdir(ckpt) else None
    if latest and int(latest.rsplit("-", 1)[1]) >= 3:
      break
    time.sleep(0.2)
  proc.send_signal(signal.SIGKILL)
  proc.wait()
  stopped_at = int(tf.train.latest_checkpoint(ckpt).rsplit("-", 1)[1])
  assert stopped_at < 12
  resumed = subprocess.run(_args(mini_data_dir, killed,
                                 "synthetic_det1d_smoke", *steps),
                           cwd=ROOT, env=_env(), capture_output=True,
                           text=True, timeout=600)
  assert resumed.returncode == 0, resumed.stderr[-3000:]
  assert f"at step {stopped_at}" in resumed.stdout
  a, b = _weights(os.path.join(trained_run[0], "checkpoints")), _weights(ckpt)
  assert a.keys() == b.keys()
  for key in a:
    np.testing.assert_allclose(a[key], b[key], rtol=1e-5, atol=1e-6,
                               err_msg=key)


def _free_ports(count):
  sockets = [socket.socket() for _ in range(count)]
  for s in sockets:
    s.bind(("127.0.0.1", 0))
  ports = [s.getsockname()[1] for s in sockets]
  for s in sockets:
    s.close()
  return ports


def test_multi_worker_strategy_two_processes_agree(mini_data_dir, tmp_path):
  workers = [f"127.0.0.1:{p}" for p in _free_ports(2)]
  workdir = str(tmp_path / "mwms")
  procs = []
  for index in range(2):
    tf_config = json.dumps({"cluster": {"worker": workers},
                            "task": {"type": "worker", "index": index}})
    procs.append(subprocess.Popen(
        _args(mini_data_dir, workdir, "synthetic_det1d_smoke",
              "--strategy=multi_worker", "--set=train.steps=3",
              "--evaluate=false"),
        cwd=ROOT, env=_env(TF_CONFIG=tf_config), stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True))
  outputs = [p.communicate(timeout=600)[0] for p in procs]
  for p, out in zip(procs, outputs):
    assert p.returncode == 0, out[-3000:]
  chief = _weights(os.path.join(workdir, "checkpoints"))
  other = _weights(os.path.join(workdir, "tmp_workers", "worker_1"))
  # Batch-norm moving statistics are per worker (local batches); the trained
  # weights must agree.
  model = common.build_detector(registry.get("synthetic_det1d_smoke"))
  trainable = {f"model/v{i:04d}/.ATTRIBUTES/VARIABLE_VALUE"
               for i, v in enumerate(model.variables) if v.trainable}
  assert trainable <= chief.keys()
  for key in trainable:
    np.testing.assert_allclose(chief[key], other[key], rtol=1e-5, atol=1e-6)


def test_tracker_without_its_detector_run_stops_with_the_command(tmp_path):
  out = subprocess.run(
      [sys.executable, "-m", "experiments.train_tracker",
       "--config=table1_trk2d_L128_smoke", f"--workdir={tmp_path / 'trk'}",
       f"--data_dir={tmp_path / 'tfds'}"], cwd=ROOT, env=_env(),
      capture_output=True, text=True, timeout=300)
  assert out.returncode != 0
  assert "Traceback" not in out.stderr
  assert ("python -m experiments.train_detector "
          "--config=table1_300vw_det2d_L128_smoke "
          f"--workdir={tmp_path / 'table1_300vw_det2d_L128_smoke'} "
          f"--data_dir={tmp_path / 'tfds'}") in out.stderr
  assert not (tmp_path / "trk").exists()
