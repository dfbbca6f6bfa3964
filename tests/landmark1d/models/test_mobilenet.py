"""The mobile backbone: MobileNetV3's block counted by hand, shapes, skips."""

import keras
import numpy as np
import pytest

from landmark1d.models import mobilenet


def test_inverted_residual_has_the_hand_counted_parameters():
  # 24 -> expand 1x1 to 96 -> depthwise 5x5 -> squeeze-excite 96/4 = 24 ->
  # project 1x1 to 40; batch norms hold 4 numbers per channel.
  block = mobilenet.InvertedResidual(40, 96, kernel_size=5,
                                     squeeze_excite=True,
                                     activation="hard_swish")
  block(np.zeros((1, 8, 8, 24), np.float32))
  expand = 24 * 96 + 4 * 96
  depthwise = 5 * 5 * 96 + 4 * 96
  squeeze_excite = (96 * 24 + 24) + (24 * 96 + 96)
  project = 96 * 40 + 4 * 40
  assert block.count_params() == expand + depthwise + squeeze_excite + project
  # Without squeeze-excite and with the input already 96 wide, only the
  # depthwise and projection stages remain.
  plain = mobilenet.InvertedResidual(96, 96)
  plain(np.zeros((1, 8, 8, 96), np.float32))
  assert plain.count_params() == (9 * 96 + 4 * 96) + (96 * 96 + 4 * 96)


def test_inverted_residual_strides_and_keeps_the_input_on_its_skip():
  x = np.random.default_rng(0).random((2, 8, 8, 16)).astype(np.float32)
  strided = mobilenet.InvertedResidual(24, 64, strides=2)
  assert strided(x).shape == (2, 4, 4, 24)
  # A zero projection leaves only the identity skip: output = input.
  block = mobilenet.InvertedResidual(16, 64, squeeze_excite=True)
  block(x)
  block._project.kernel.assign(np.zeros((1, 1, 64, 16), np.float32))
  block._project_norm.beta.assign(np.zeros(16, np.float32))
  np.testing.assert_allclose(block(x, training=False), x, atol=1e-6)


def test_backbone_gives_the_heads_an_f_over_4_map_of_c_channels():
  x = np.random.default_rng(1).random((2, 64, 64, 3)).astype(np.float32)
  backbone = mobilenet.MobileBackbone(32, 3)
  features = backbone(x)
  assert features.shape == (2, 16, 16, 32)
  assert np.all(np.asarray(features) >= 0)  # ReLU features, as FAN's
  # Encoder levels 0..3 at 16, 8, 4, 2 px: C/2 + l C/4 channels.
  assert [blocks[1].filters for blocks in backbone._encoder] == [16, 24, 32,
                                                                  40]


def test_backbone_names_a_crop_its_depth_cannot_divide():
  with pytest.raises(ValueError, match="divisible by 32, got 48"):
    mobilenet.MobileBackbone(16, 3)(keras.Input((48, 48, 3)))
  with pytest.raises(ValueError, match="multiple of 4, got 10"):
    mobilenet.MobileBackbone(10, 2)
  with pytest.raises(ValueError, match="activation"):
    mobilenet.InvertedResidual(8, 8, activation="gelu")
