"""Test-wide settings: quiet TF logging, CPU only, two logical CPU devices.

The CPU is split into two logical devices before TF initialises, so tests can
run MirroredStrategy with 2 replicas in-process. `tiny_exports` serves the
serving-side tests (predictor, CLI) one pair of small SavedModels of
`tiny_models`;
`rehearsal_data_dir` holds every dataset, the real ones built from their
`dummy_data/` folders; `smoke_detector_workdir` is one trained smoke run.
"""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")
os.environ.setdefault("MPLBACKEND", "Agg")

import keras  # pylint: disable=g-import-not-at-top,wrong-import-position
import pytest  # pylint: disable=g-import-not-at-top,wrong-import-position
import tensorflow as tf  # pylint: disable=g-import-not-at-top,wrong-import-position

_cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(
    _cpu, [tf.config.LogicalDeviceConfiguration()] * 2)


@pytest.fixture(scope="session")
def tiny_models():
  """The random-weight tiny 1D detector (F = 32, L = 64) and its tracker that
  `tiny_exports` exports, for tests that check an export against its model.

  Returns:
    `{"detector": keras.Model, "tracker": keras.Model}`.
  """
  from landmark1d import models  # pylint: disable=g-import-not-at-top
  keras.utils.set_random_seed(0)
  detector = models.build_detector(
      "1d", num_landmarks=68, heatmap_length=64, input_size=32, num_stacks=1,
      channels=16, hourglass_depth=2, attention_dims=2)
  return {"detector": detector,
          "tracker": models.build_tracker(detector, filters=8)}


@pytest.fixture(scope="session")
def tiny_exports(tmp_path_factory, tiny_models):
  """SavedModels of `tiny_models` (argmax decoder, context 1.4, no shift).

  Returns:
    `{"detector": path, "tracker": path}`.
  """
  from landmark1d import models  # pylint: disable=g-import-not-at-top
  from landmark1d.serving import saved_model  # pylint: disable=g-import-not-at-top
  detector = tiny_models["detector"]
  step = models.build_tracker_step(tiny_models["tracker"])
  folder = tmp_path_factory.mktemp("exports")
  paths = {}
  for name, step_model in (("detector", None), ("tracker", step)):
    module = saved_model.LandmarkModule(
        detector, head="1d", landmark_set="ibug68", crop_size=32,
        heatmap_length=64, sigma=1.0, decoder="argmax", context=1.4,
        shift=0.0, step_model=step_model)
    paths[name] = saved_model.export(module, str(folder / name))
  return paths


@pytest.fixture(scope="session")
def mini_data_dir(tmp_path_factory):
  """The mini synthetic datasets, built once per session (a few seconds)."""
  import landmark1d_datasets  # pylint: disable=g-import-not-at-top
  data_dir = str(tmp_path_factory.mktemp("tfds"))
  for name in ("synthetic_faces/mini", "synthetic_faces/mini_video"):
    landmark1d_datasets.prepare(name, data_dir)
  return data_dir


@pytest.fixture(scope="session")
def rehearsal_data_dir(mini_data_dir):
  """One tfds data_dir holding every dataset: the mini synthetic sets and the
  four real builders built from their `dummy_data/` folders (seconds).

  The dummy downloads are a few files each, so the builders' count warnings
  (published sizes) are expected and silenced here.
  """
  import warnings  # pylint: disable=g-import-not-at-top
  import landmark1d_datasets  # pylint: disable=g-import-not-at-top
  from landmark1d_datasets import _counts  # pylint: disable=g-import-not-at-top
  from landmark1d_datasets import make_dummy_data  # pylint: disable=g-import-not-at-top
  with warnings.catch_warnings():
    warnings.simplefilter("ignore", _counts.CountWarning)
    for name in make_dummy_data.WRITERS:
      landmark1d_datasets.prepare(name, mini_data_dir,
                                  make_dummy_data.dummy_dir(name))
  return mini_data_dir


@pytest.fixture(scope="session")
def smoke_detector_workdir(tmp_path_factory, mini_data_dir):
  """A workdir of `synthetic_det1d_smoke` trained on the mini stills, once
  per session, for the benchmarks that read a trained run (they export into
  their own folders and leave it unchanged)."""
  from experiments import configs as registry  # pylint: disable=g-import-not-at-top
  from landmark1d.runs import schema  # pylint: disable=g-import-not-at-top
  from landmark1d.runs import train  # pylint: disable=g-import-not-at-top
  workdir = str(tmp_path_factory.mktemp("smoke_detector") / "run")
  config = schema.override(registry.get("synthetic_det1d_smoke"), [
      f"data.data_dir={mini_data_dir}", "data.dataset=synthetic_faces/mini"])
  train.run(config.validate(), workdir, log=lambda _: None)
  return workdir


MOCK_CATALOG_EXAMPLES = 6


@pytest.fixture
def mock_catalog(tmp_path):
  """tfds's catalog sets that landmark1d adapts (the300w_lp, aflw2k3d) under
  `tfds.testing.mock_data`: their real features and splits, each split
  `MOCK_CATALOG_EXAMPLES` random examples (450 x 450 noise JPEGs, points in
  [0, 1)); nothing is downloaded. tfds reads the split sizes from metadata
  written here (its catalog metadata is not installed), so the run layer's
  split checks see the catalog's splits.

  Yields:
    The data_dir every builder is redirected to while the test runs.
  """
  import tensorflow_datasets as tfds  # pylint: disable=g-import-not-at-top
  import landmark1d_datasets  # pylint: disable=g-import-not-at-top
  data_dir = str(tmp_path / "catalog")
  for name in landmark1d_datasets.CATALOG:
    builder = tfds.builder(name, data_dir=data_dir)
    builder.info.set_splits(tfds.core.SplitDict([tfds.core.SplitInfo(
        name=split, shard_lengths=[MOCK_CATALOG_EXAMPLES], num_bytes=0,
        filename_template=tfds.core.ShardedFileTemplate(
            data_dir=builder.data_dir, dataset_name=name, split=split,
            filetype_suffix="tfrecord"))
        for split in landmark1d_datasets.split_names(name)]))
    os.makedirs(builder.data_dir)
    builder.info.write_to_directory(builder.data_dir)
  with tfds.testing.mock_data(num_examples=MOCK_CATALOG_EXAMPLES,
                              policy=tfds.testing.MockPolicy.USE_FILES,
                              data_dir=data_dir):
    yield data_dir
