"""Head output shapes over the paper's L values, 1 and 4 stacks."""

import keras
import pytest

from landmark1d.models import builders
from landmark1d.models import heads

LENGTHS_1D = (64, 128, 256, 384, 512, 640, 768)


@pytest.mark.parametrize("length", LENGTHS_1D)
def test_1d_head_emits_n_heatmaps_of_length_l_per_axis(length):
  features = keras.Input((64, 64, 8))
  hx, hy = heads.Head1D(68, length, attention_dims=4, width=8)(features)
  assert tuple(hx.shape) == (None, 68, length)
  assert tuple(hy.shape) == (None, 68, length)


@pytest.mark.parametrize("length", (64, 128, 256))
def test_2d_head_emits_l_by_l_maps(length):
  maps = heads.Head2D(68, length, width=8)(keras.Input((64, 64, 8)))
  assert tuple(maps.shape) == (None, 68, length, length)


@pytest.mark.parametrize("head,length", [("1d", 64), ("1d", 768),
                                         ("2d", 64), ("2d", 256)])
@pytest.mark.parametrize("stacks", (1, 4))
def test_detector_stacks_one_output_per_stack(head, length, stacks):
  model = builders.build_detector(head, heatmap_length=length, num_stacks=stacks,
                                  channels=8, attention_dims=2, head_width=8)
  if head == "1d":
    assert tuple(model.output["hx"].shape) == (None, stacks, 68, length)
    assert tuple(model.output["hy"].shape) == (None, stacks, 68, length)
  else:
    assert tuple(model.output["heatmap"].shape) == (None, stacks, 68, length,
                                                    length)


def test_heatmap_length_that_does_not_divide_is_rejected():
  with pytest.raises(ValueError, match="heatmap_length 100"):
    heads.Head1D(5, 100)(keras.Input((64, 64, 8)))
  with pytest.raises(ValueError, match="power of 2"):
    heads.Head2D(5, 192)(keras.Input((64, 64, 8)))
