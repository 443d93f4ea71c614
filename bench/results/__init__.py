"""Stored results: the versioned row schema, the append-only store, and loading.

Nothing here imports Keras or TensorFlow.
"""
