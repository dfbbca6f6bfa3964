"""Geometry: pixel convention, landmark sets, .pts, heatmaps, quantization."""
