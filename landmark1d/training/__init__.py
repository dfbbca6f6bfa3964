"""Training: losses (eq. 11, 14), the TF training loop, the JAX training step.

Nothing is imported here: `losses` and `jax_step` must import without
TensorFlow (the JAX device benchmark runs where TF is not installed).
"""
