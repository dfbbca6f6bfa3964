"""The cost summary: FLOP counting against a hand count, output sizes."""

import keras

from landmark1d.models import cost


def test_flops_of_a_convolution_match_the_hand_count():
  inputs = keras.Input((8, 8, 2))
  model = keras.Model(inputs, keras.layers.Conv2D(4, 3, padding="same",
                                                  use_bias=False)(inputs))
  # 8 x 8 outputs x 4 channels x (3 x 3 x 2) multiply-adds, 2 FLOPs each.
  assert cost.count_flops(model, (1, 8, 8, 2)) == 2 * 8 * 8 * 4 * 18


def test_output_values_are_2nl_for_1d_and_nl2_for_2d():
  assert cost.output_values("1d", 68, 768) == 2 * 68 * 768
  assert cost.output_values("2d", 68, 256) == 68 * 256 * 256


def test_summary_row_for_a_tiny_detector():
  row = cost.summarize("1d", heatmap_length=32, num_stacks=1, channels=16,
                       input_size=32, num_landmarks=5, hourglass_depth=2,
                       attention_dims=4)
  assert row.output_values == 2 * 5 * 32
  assert row.parameters > 0 and row.gflops > 0
  table = cost.to_markdown([row])
  assert "| 1d | 32 | 1 | 16 | 32 |" in table
