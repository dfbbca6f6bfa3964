"""Scoring a run: the eval set's own markup, rows sharing another row's run."""

import json
import os

import numpy as np
import pytest
import tensorflow as tf

from experiments import configs as registry
from landmark1d.eval import scoring
from landmark1d.runs import common
from landmark1d.runs import evaluate
from landmark1d.runs import schema
from landmark1d.training import loop


def test_talking_face_is_scored_against_its_own_markup():
  # Talking Face's ground truth is its own 68-point markup; the model predicts
  # iBUG 68. The 7 common points are iBUG (36, 39, 42, 45, 30, 48, 54) and
  # Talking Face (27, 29, 34, 32, 67, 48, 54).
  rng = np.random.default_rng(0)
  truth = rng.uniform(50, 250, (3, 68, 2))
  pred = rng.uniform(50, 250, (3, 68, 2))
  ibug = [36, 39, 42, 45, 30, 48, 54]
  talking_face = [27, 29, 34, 32, 67, 48, 54]
  pred[:, ibug] = truth[:, talking_face]
  pred[1, ibug] += (3.0, 4.0)  # every common point 5 px off in image 1
  predictions = scoring.Predictions(pred, truth, np.ones((3, 68), bool),
                                    ["a", "b", "c"])
  scores = evaluate.score(registry.get("table4_tf"), predictions)
  # Normalised by the outer eye corners in Talking Face's markup.
  interocular = np.linalg.norm(truth[1, 27] - truth[1, 32])
  np.testing.assert_allclose(scores.errors, [0.0, 5.0 / interocular, 0.0],
                             atol=1e-9)


def test_a_row_is_scored_from_a_run_with_the_same_training(mini_data_dir,
                                                           tmp_path):
  def mini(name):
    return schema.override(registry.get(name), [
        f"data.data_dir={mini_data_dir}", "data.dataset=synthetic_faces/mini",
        "eval.max_examples=8"])

  # A "run": the config and a checkpoint of an untrained model, as training
  # writes them.
  run = tmp_path / "synthetic_det1d_L192_smoke"
  trained = mini("synthetic_det1d_L192_smoke")
  common.write_config(trained, str(run))
  model = common.build_detector(trained)
  tf.train.CheckpointManager(tf.train.Checkpoint(
      model=loop.checkpoint_variables(model),
      step=tf.Variable(4, dtype=tf.int64)), str(run / "checkpoints"), 1).save(
          checkpoint_number=4)
  # synthetic_det1d trains exactly what synthetic_det1d_L192 trains.
  out = str(tmp_path / "synthetic_det1d_smoke")
  evaluate.run(mini("synthetic_det1d_smoke"), out,
               model_workdir=str(run), log=lambda _: None)
  summary = json.load(open(os.path.join(out, "eval", "summary.json")))
  assert (summary["config"], summary["decoder"]) == ("synthetic_det1d_smoke",
                                                     "argmax")
  assert summary["test"]["images"] == 8
  low, high = summary["test"]["nrmse_interval_percent"]
  assert low <= summary["test"]["nrmse_percent"] <= high
  with pytest.raises(ValueError, match=r"model.coattention_gamma: 0.3 there, "
                     r"0.0 in synthetic_det1d_gamma0.0_smoke"):
    evaluate.run(mini("synthetic_det1d_gamma0.0_smoke"),
                 str(tmp_path / "g0"), model_workdir=str(run))


def test_frame_fields_pass_degraded_and_event_flags_on():
  batch = {"landmarks_image": tf.zeros([2, 68, 2]),
           "visible": tf.ones([2, 68], tf.bool),
           "image_id": tf.constant([b"v/0", b"v/1"]),
           "video_id": tf.constant([b"v", b"v"]),
           "frame_index": tf.constant([0, 1]),
           "degraded": tf.constant([False, True]),
           "event": tf.constant([b"none", b"flicker"])}
  fields = evaluate.frame_fields(batch)
  np.testing.assert_array_equal(fields["degraded"], [False, True])
  assert fields["events"] == ["none", "flicker"]
  assert fields["video_ids"] == ["v", "v"] and fields["face_size"] is None
  plain = evaluate.frame_fields({k: batch[k] for k in (
      "landmarks_image", "visible", "image_id")})
  assert plain["degraded"] is None and plain["events"] is None
  assert plain["video_ids"] is None and plain["frame_indices"] is None
