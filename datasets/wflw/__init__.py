"""tfds builder `wflw` (see wflw_dataset_builder.py)."""
