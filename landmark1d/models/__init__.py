"""Keras models: FAN hourglass, attentive 1D head, 2D baseline head, trackers."""

from landmark1d.models.builders import build_detector
from landmark1d.models.tracker import Stream
from landmark1d.models.tracker import build_tracker
from landmark1d.models.tracker import build_tracker_step
from landmark1d.models.tracker import detector_of
from landmark1d.models.tracker import step_function
from landmark1d.models.tracker import zero_state
