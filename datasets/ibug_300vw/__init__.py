"""tfds builder `ibug_300vw` (see ibug_300vw_dataset_builder.py)."""
