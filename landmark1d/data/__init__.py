"""Data: augmentation and the tf.data pipelines from tfds examples to batches."""
