"""Exporting a run: its model as a SavedModel with serving signatures."""

from __future__ import annotations

from landmark1d import models
from landmark1d.runs import common
from landmark1d.runs import datasets
from landmark1d.runs import schema
from landmark1d.serving import saved_model


def run(config: schema.ExperimentConfig, workdir: str, path: str, *,
        decoder: str | None = None, model=None) -> str:
  """Writes the workdir's model as a SavedModel with serving signatures."""
  config = datasets.with_scheme(config)
  model = model or common.restore(config, workdir)
  kwargs = {}
  detector = model
  if common.is_tracker(config):
    detector = models.detector_of(model)
    kwargs = dict(step_model=models.build_tracker_step(model))
  module = saved_model.LandmarkModule(
      detector, head=config.model.head, landmark_set=config.data.landmark_set,
      crop_size=config.data.crop_size,
      heatmap_length=config.model.heatmap_length, sigma=config.model.sigma,
      decoder=decoder or config.eval.decoder, context=config.data.context,
      shift=config.data.shift, **kwargs)
  return saved_model.export(module, path, config.to_dict())
