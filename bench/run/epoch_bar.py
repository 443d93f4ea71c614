"""Training progress as a tqdm bar under the run's models bar, instead of Keras' epoch lines
(which break into the bars): one step per epoch, the last epoch's loss and accuracy shown."""

from __future__ import annotations

import keras
from tqdm.auto import tqdm


class EpochBar(keras.callbacks.Callback):
    """A ``train <label>`` bar of ``epochs`` steps, starting at ``initial`` (a resumed
    training's finished epochs); removed when training ends."""

    def __init__(self, label: str, epochs: int, initial: int = 0) -> None:
        super().__init__()
        self.label, self.epochs, self.initial = label, epochs, initial
        self.bar: tqdm | None = None

    def on_train_begin(self, logs: dict | None = None) -> None:
        self.bar = tqdm(total=self.epochs, initial=self.initial, desc=f"train {self.label}",
                        unit="epoch", position=1, leave=False)

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        logs = logs or {}
        shown = {name: f"{logs[name]:.4f}" for name in ("loss", "accuracy") if name in logs}
        self.bar.set_postfix(shown, refresh=False)
        self.bar.update()

    def on_train_end(self, logs: dict | None = None) -> None:
        self.bar.close()
