"""Computing results: model architectures, training with a cache, sweeps, probes, the runner.

These modules import Keras and TensorFlow; rendering (``bench.render``) never needs them.
"""
