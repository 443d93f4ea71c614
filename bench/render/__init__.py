"""Rendering stored results: task reports, plots, the front page, the forward-pass report.

Reads stored rows only; never imports Keras or TensorFlow.
"""
