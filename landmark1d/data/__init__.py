"""Data: augmentation and the tf.data pipelines from examples to batches."""
