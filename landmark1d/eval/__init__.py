"""Evaluation: metrics (pure NumPy), scoring collected predictions, reports."""
