"""Model cost summary: parameters, FLOPs and output size per configuration.

FLOPs are counted by TensorFlow's profiler on the frozen inference graph of
one image (multiply and add count as 2 FLOPs); ops without a registered
count (e.g. the einsums of the co-attention layer, a few hundred thousand
FLOPs) count 0. Output size is the number of heatmap values per image and
stack: 2 N L for the 1D head, N L^2 for the 2D head (Section 3.2).

TensorFlow is imported by `count_flops` only: `landmark1d.models` imports
without it (the JAX device benchmark runs where TF is not installed).
"""

from __future__ import annotations

import dataclasses

from landmark1d.models import builders


@dataclasses.dataclass(frozen=True)
class ModelCost:
  """Cost of one detector configuration (per image)."""

  head: str
  heatmap_length: int
  num_stacks: int
  channels: int
  input_size: int
  parameters: int
  gflops: float
  output_values: int


def count_flops(model, input_shape) -> int:
  """FLOPs of one inference call on a batch of `input_shape`, by the TF profiler."""
  # pylint: disable=g-import-not-at-top
  import tensorflow as tf
  from tensorflow.python.framework import convert_to_constants
  # pylint: enable=g-import-not-at-top
  spec = tf.TensorSpec(input_shape, tf.float32)
  concrete = tf.function(lambda x: model(x, training=False)).get_concrete_function(spec)
  frozen = convert_to_constants.convert_variables_to_constants_v2(concrete)
  graph = tf.Graph()
  with graph.as_default():
    tf.graph_util.import_graph_def(frozen.graph.as_graph_def(), name="")
    options = tf.compat.v1.profiler.ProfileOptionBuilder.float_operation()
    options["output"] = "none"
    info = tf.compat.v1.profiler.profile(graph, options=options)
  return int(info.total_float_ops)


def output_values(head: str, num_landmarks: int, heatmap_length: int) -> int:
  """Heatmap values per image and stack: 2NL (1D) or NL^2 (2D)."""
  if head == "1d":
    return 2 * num_landmarks * heatmap_length
  return num_landmarks * heatmap_length ** 2


def summarize(head: str, *, heatmap_length: int, num_stacks: int = 4,
              channels: int = 256, input_size: int = 256,
              num_landmarks: int = 68, **model_kwargs) -> ModelCost:
  """Builds one detector and measures it.

  Args:
    head, heatmap_length, num_stacks, channels, input_size, num_landmarks,
      **model_kwargs: `builders.build_detector` arguments.

  Returns:
    A `ModelCost`.
  """
  model = builders.build_detector(
      head, num_landmarks=num_landmarks, heatmap_length=heatmap_length,
      input_size=input_size, num_stacks=num_stacks, channels=channels,
      **model_kwargs)
  return ModelCost(
      head=head, heatmap_length=heatmap_length, num_stacks=num_stacks,
      channels=channels, input_size=input_size,
      parameters=model.count_params(),
      gflops=count_flops(model, (1, input_size, input_size, 3)) / 1e9,
      output_values=output_values(head, num_landmarks, heatmap_length))


def to_markdown(costs: list[ModelCost]) -> str:
  """A Markdown table, one row per configuration."""
  lines = ["| head | L | stacks | channels | input | parameters (M) | GFLOPs "
           "| output values / stack |",
           "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
  for c in costs:
    lines.append(f"| {c.head} | {c.heatmap_length} | {c.num_stacks} | "
                 f"{c.channels} | {c.input_size} | {c.parameters / 1e6:.2f} | "
                 f"{c.gflops:.2f} | {c.output_values:,} |")
  return "\n".join(lines) + "\n"
