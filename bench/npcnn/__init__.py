"""A from-scratch NumPy forward pass for the bench's Keras models, checked against Keras.

``from_keras(model).predict(x)`` runs an NHWC float32 batch through a copy of a
built ``keras.Sequential`` model; ``assert_matches_keras`` proves it layer by layer.
See docs/npcnn.md.
"""

from bench.npcnn.activations import Activation
from bench.npcnn.compare import (
    Divergence,
    assert_matches_keras,
    first_divergence,
    keras_layer_outputs,
)
from bench.npcnn.conv import BLOCK_BYTES, conv2d_naive, conv2d_vectorised
from bench.npcnn.convert import from_keras
from bench.npcnn.depthwise import (
    depthwise_conv2d_naive,
    depthwise_conv2d_vectorised,
    global_average_pool2d,
)
from bench.npcnn.network import ACTIVATION_BYTES, Network
from bench.npcnn.pooling import avg_pool2d, max_pool2d

__all__ = [
    "ACTIVATION_BYTES",
    "BLOCK_BYTES",
    "Activation",
    "Divergence",
    "Network",
    "assert_matches_keras",
    "avg_pool2d",
    "conv2d_naive",
    "conv2d_vectorised",
    "depthwise_conv2d_naive",
    "depthwise_conv2d_vectorised",
    "first_divergence",
    "from_keras",
    "global_average_pool2d",
    "keras_layer_outputs",
    "max_pool2d",
]
