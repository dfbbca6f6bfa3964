"""FAN's backbone pieces: block widths, stride-4 stem, hourglass shapes, size."""

import numpy as np
import pytest

from landmark1d.models import builders
from landmark1d.models import hourglass


def test_multiscale_block_concatenates_half_quarter_quarter_plus_skip():
  block = hourglass.MultiScaleBlock(16)
  out = block(np.random.default_rng(0).random((1, 8, 8, 8), np.float32))
  assert out.shape == (1, 8, 8, 16)
  widths = [conv.filters for conv in block._convs]
  assert widths == [8, 4, 4]
  assert block._skip_conv is not None  # 8 -> 16 channels needs a projection


def test_stem_reduces_by_four_and_hourglass_keeps_shape():
  x = np.random.default_rng(1).random((2, 32, 32, 3), np.float32)
  features = hourglass.Stem(16)(x)
  assert features.shape == (2, 8, 8, 16)
  assert hourglass.Hourglass(16, depth=3)(features).shape == (2, 8, 8, 16)


def test_hourglass_rejects_a_map_too_small_for_its_depth():
  with pytest.raises(ValueError, match="divisible by 16"):
    hourglass.Hourglass(16, depth=4)(np.zeros((1, 8, 8, 16), np.float32))


def test_fan4_2d_baseline_has_fans_published_size():
  # 2DFAN-4 (4 stacks, 256 channels, depth 4, L = 64): about 24 M parameters.
  fan = builders.build_detector("2d", heatmap_length=64)
  assert abs(fan.count_params() - 24e6) / 24e6 < 0.15
