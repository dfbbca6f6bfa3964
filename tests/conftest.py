"""Test-wide settings: quiet TF logging, CPU only, two logical CPU devices.

The CPU is split into two logical devices before TF initialises, so tests can
run MirroredStrategy with 2 replicas in-process.
"""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")
os.environ.setdefault("MPLBACKEND", "Agg")

import tensorflow as tf  # pylint: disable=g-import-not-at-top,wrong-import-position

_cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(
    _cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
