"""Geometry: the pixel convention, landmark schemes, .pts files, heatmaps, quantization."""
