"""Worst-of-k training (Engstrom et al. 2019, arXiv 1712.02779, robust optimisation): for
each training image of a batch, k random transforms are drawn within the policy's ranges,
the loss of each is computed, and the step trains on the transform with the largest loss.

It is a Keras 3 custom ``train_step`` (TensorFlow backend), bound to the family's model
itself (:func:`install`), so the model saved, cached and checkpointed is the family's own
network with no wrapper layer. The draws go through the policy's own Keras random layers
(``bench.run.policy_layers``: the same layers, the same geometry as the ``shift`` and
``rotate`` policies, checked against ``bench.geometry`` by ``tests/test_policy_agreement.py``),
called through :func:`draw`.

Cost per training image: k forward passes in inference mode (Dropout off, BatchNorm on its
moving statistics, so the search updates no state) to pick the worst transform, then one
forward and backward pass on it: k + 1 forward passes and one backward pass, against one of
each for an ordinary policy; counting a backward pass as two forward passes, (k + 3) / 3
times the compute (k = 10: 4.3x).

Determinism: the draws come from a ``keras.random.SeedGenerator`` of the model's seed whose
state is set at every step from the optimizer's step count, so step s draws the same
transforms whatever ran before it, in one go or resumed from a checkpoint (the checkpoint
restores the optimizer's step count).
"""

from __future__ import annotations

import keras
from keras import ops

#: Generator counter values reserved per training step: the draws of one step (k x the
#: uniform draws of every layer, 3 for shift and rotate) must stay below it.
SEEDS_PER_STEP = 4096


def draw(layers: list, images, seed) -> object:
    """``images`` (N, H, W, C) float32 in [0, 1] through each random layer in order, each
    image with its own draw, the draws taken from ``seed`` (a SeedGenerator)."""
    for layer in layers:
        transformation = layer.get_random_transformation(images, training=True, seed=seed)
        images = layer.transform_images(images, transformation, training=True)
    return images


def _per_image_loss(model: keras.Model, y, y_pred):
    """The model's loss per image (N,), computed with its compiled loss function."""
    loss = model.loss
    fn = keras.losses.get(loss) if isinstance(loss, str) else loss
    if hasattr(fn, "fn"):  # a LossFunctionWrapper: the unreduced function
        return fn.fn(y, y_pred, **getattr(fn, "_fn_kwargs", {}))
    return fn(y, y_pred)


def worst_images(model: keras.Model, layers: list, k: int, images, labels, seed):
    """The worst of ``k`` draws per image: (N, H, W, C) transformed images, each the draw
    with the largest loss under ``model`` in inference mode."""
    candidates, losses = [], []
    for _ in range(k):
        moved = draw(layers, images, seed)
        candidates.append(moved)
        losses.append(_per_image_loss(model, labels, model(moved, training=False)))
    worst = ops.argmax(ops.stack(losses, axis=1), axis=1)  # (N,)
    stacked = ops.stack(candidates, axis=1)  # (N, k, H, W, C)
    picked = ops.take_along_axis(stacked, ops.reshape(worst, (-1, 1, 1, 1, 1)), axis=1)
    return ops.stop_gradient(ops.squeeze(picked, axis=1))


def install(model: keras.Model, layers: list, k: int, seed: int) -> None:
    """Bind a worst-of-``k`` ``train_step`` to ``model`` (compiled before ``fit``): each step
    trains on the worst of ``k`` draws of ``layers`` per image. ValueError for k < 1."""
    if k < 1:
        raise ValueError(f"worst-of-k needs k >= 1 draws per image, got {k}")
    generator = keras.random.SeedGenerator(seed)
    stock_step = type(model).train_step  # Keras' own step: loss, gradients, metrics

    def train_step(data):
        images, labels = data
        state = generator.state
        step = ops.cast(model.optimizer.iterations, state.dtype) * SEEDS_PER_STEP
        state.assign(ops.stack([ops.cast(seed, state.dtype), step]))
        worst = worst_images(model, layers, k, images, labels, generator)
        return stock_step(model, (worst, labels))

    model.train_step = train_step


def forward_passes(k: int) -> int:
    """Forward passes per training image of a worst-of-k step (k to search, 1 to train)."""
    return k + 1
