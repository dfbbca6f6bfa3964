"""TFLite conversions of the exported detector agree with the SavedModel."""

import numpy as np
import pytest
import tensorflow as tf

from landmark1d.serving import lite


@pytest.fixture(scope="module")
def crops():
  return np.random.default_rng(0).integers(0, 256, (3, 32, 32, 3),
                                           dtype=np.uint8)


def _saved_model_outputs(path, crops):
  out = tf.saved_model.load(path).signatures["detect"](
      images=tf.constant(crops))
  return {k: v.numpy() for k, v in out.items()}


def test_float32_tflite_equals_the_savedmodel(tiny_exports, crops):
  path = tiny_exports["detector"]
  detector = lite.LiteDetector(lite.convert(path, "float32"))
  got, want = detector(crops), _saved_model_outputs(path, crops)
  assert detector.crop_size == 32
  np.testing.assert_allclose(got["landmarks"], want["landmarks"], atol=1e-3)
  np.testing.assert_allclose(got["confidence"], want["confidence"],
                             atol=1e-6)
  # Batch size is free: one crop at a time gives the same landmarks.
  np.testing.assert_allclose(detector(crops[:1])["landmarks"],
                             want["landmarks"][:1], atol=1e-3)


def test_float16_and_int8_keep_the_heatmap_peaks_close(tiny_exports, crops):
  # Landmarks of a random-weight model are argmaxes of near-flat heatmaps and
  # may jump under any rounding; the peak values they come from are smooth.
  # The landmark tolerance on a trained model is measured in bench/.
  path = tiny_exports["detector"]
  want = _saved_model_outputs(path, crops)
  half = lite.LiteDetector(lite.convert(path, "float16"))(crops)
  np.testing.assert_allclose(half["confidence"], want["confidence"],
                             rtol=1e-2, atol=1e-4)
  representative = [crops[i:i + 1] for i in range(3)]
  int8 = lite.LiteDetector(lite.convert(path, "int8", representative))(crops)
  assert int8["landmarks"].shape == want["landmarks"].shape
  assert np.all((int8["landmarks"] >= -0.5) & (int8["landmarks"] <= 31.5))


def test_bad_crops_precisions_and_exports_are_named(tiny_exports, crops,
                                                   tmp_path):
  path = tiny_exports["detector"]
  detector = lite.LiteDetector(lite.convert(path))
  with pytest.raises(ValueError, match="uint8"):
    detector(crops.astype(np.float32))
  with pytest.raises(ValueError, match=r"\(batch, 32, 32, 3\)"):
    detector(crops[:, :16])
  with pytest.raises(ValueError, match="precision"):
    lite.convert(path, "int4")
  with pytest.raises(ValueError, match="representative_crops"):
    lite.convert(path, "int8")
  other = tf.Module()
  other.f = tf.function(lambda x: x + 1.0,
                        input_signature=[tf.TensorSpec([None], tf.float32)])
  tf.saved_model.save(other, str(tmp_path / "other"),
                      signatures={"other": other.f})
  with pytest.raises(ValueError, match=r"other: no 'detect' signature"):
    lite.convert(str(tmp_path / "other"))
