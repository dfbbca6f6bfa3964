"""tfds builder `ibug_300w` (see ibug_300w_dataset_builder.py)."""
