"""tfds builder `talking_face` (see talking_face_dataset_builder.py)."""
