"""tfds builder `landmarks_folder` (see landmarks_folder_dataset_builder.py)."""
