"""tfds builder `aflw19` (see aflw19_dataset_builder.py)."""
