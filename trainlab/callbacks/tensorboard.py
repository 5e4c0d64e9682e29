"""``keras.callbacks.TensorBoard``: training curves and weight histograms as TensorBoard event files.

The files follow Keras' layout, so ``tensorboard --logdir LOG_DIR`` shows a trainlab run as it
shows a Keras one:

* ``LOG_DIR/train``: ``epoch_<metric>`` for every training metric (``epoch_loss``,
  ``epoch_accuracy``…), ``epoch_learning_rate``, and with ``histogram_freq=k`` a histogram
  ``<layer>/<weight>/histogram`` of every weight every k epochs; with ``update_freq="batch"`` (or
  an integer N) also ``batch_<metric>`` every (N-th) batch;
* ``LOG_DIR/validation``: ``epoch_<metric>`` for the ``val_`` metrics (prefix removed, so train
  and validation curves overlay under one tag) and ``evaluation_<metric>_vs_iterations``.

Epoch scalars use the 0-based epoch as their step, batch scalars the number of batches seen,
as Keras does. The event files are written with ``tensorboardX`` (pip install
trainlab[tensorboard]), a maintained writer that needs neither TensorFlow nor PyTorch.

Departures from Keras: there is no graph to write (``write_graph`` is accepted and ignored: a
trainlab model is a list of layers, not a graph), no profiler (``profile_batch`` must be 0) and no
embedding projector (``embeddings_freq`` must be 0); these raise ``ValueError`` rather than
silently doing nothing.
"""
from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np

from trainlab.callbacks.base import Callback


def summary_writer(log_dir: str | os.PathLike):
    """A ``tensorboardX.SummaryWriter`` on ``log_dir``, or an ImportError saying how to get it."""
    try:
        from tensorboardX import SummaryWriter
    except ImportError:
        raise ImportError("TensorBoard event files need the tensorboardX package: pip install "
                          "'trainlab[tensorboard]' (or pip install tensorboardX tensorboard).") from None
    return SummaryWriter(logdir=str(log_dir))


def split_logs(logs: dict) -> tuple[dict, dict]:
    """``(train, validation)`` scalars of one epoch's logs; ``val_`` is stripped from the latter."""
    train, validation = {}, {}
    for name, value in logs.items():
        if name.startswith("val_"):
            validation[name[4:]] = value
        else:
            train[name] = value
    return train, validation


def write_history(log_dir: str | os.PathLike, history: dict[str, list]) -> Path:
    """Write a finished run's per-epoch history (``History.history`` or a lab record's) as epoch
    scalars in Keras' layout, and return ``log_dir``. ``None`` (a non-finite value) is skipped.

    Event files already in ``log_dir/train`` and ``log_dir/validation`` are replaced, not added
    to: writing the same run twice (``trainlab lab report --tensorboard`` again) must not show
    every curve twice.
    """
    log_dir = Path(log_dir)
    for split in ("train", "validation"):
        for old in (log_dir / split).glob("events.out.tfevents.*"):
            old.unlink()
    writers = {"train": summary_writer(log_dir / "train"), "validation": summary_writer(log_dir / "validation")}
    try:
        epochs = max((len(values) for values in history.values()), default=0)
        for epoch in range(epochs):
            logs = {name: values[epoch] for name, values in history.items() if epoch < len(values)}
            for split, scalars in zip(("train", "validation"), split_logs(logs)):
                for name, value in scalars.items():
                    if value is not None:
                        writers[split].add_scalar(f"epoch_{name}", float(value), epoch)
    finally:
        for writer in writers.values():
            writer.close()
    return log_dir


class TensorBoard(Callback):
    """Write TensorBoard event files during ``fit`` (see the module docstring for what and where).

    Args:
        log_dir: root folder of the run's logs; default ``"logs"``. HOML gives each run its own
            timestamped folder under one root, so TensorBoard overlays the runs.
        histogram_freq: write every weight's histogram every this many epochs; 0 (default) never.
        write_graph: accepted for Keras compatibility; there is no graph to write.
        write_images: also write each 2-D weight (a Dense kernel) as a grey image, min-max scaled.
        write_steps_per_second: also write ``epoch_steps_per_second`` (and ``batch_`` with
            ``update_freq``).
        update_freq: ``"epoch"`` (default), ``"batch"`` (= 1) or an integer N >= 1: write
            ``batch_<metric>`` every N batches, in addition to the epoch scalars.
        profile_batch: must be 0 (no profiler).
        embeddings_freq: must be 0 (no embedding projector).
        embeddings_metadata: must be None.

    Raises:
        ValueError: an argument out of range, or a non-zero ``profile_batch`` / ``embeddings_freq``.
        ImportError: ``tensorboardX`` is not installed (at construction, before training).
    """

    def __init__(self, log_dir="logs", histogram_freq=0, write_graph=True, write_images=False,
                 write_steps_per_second=False, update_freq="epoch", profile_batch=0, embeddings_freq=0,
                 embeddings_metadata=None):
        super().__init__()
        if isinstance(histogram_freq, bool) or not isinstance(histogram_freq, int) or histogram_freq < 0:
            raise ValueError(f"histogram_freq must be an integer >= 0 (epochs between histograms, 0 for none); "
                             f"got {histogram_freq!r}")
        if update_freq == "batch":
            update_freq = 1
        if update_freq != "epoch" and (isinstance(update_freq, bool) or not isinstance(update_freq, int)
                                       or update_freq < 1):
            raise ValueError(f"update_freq must be 'epoch', 'batch' or an integer >= 1 (batches between writes); "
                             f"got {update_freq!r}")
        for name, value, empty in (("profile_batch", profile_batch, 0), ("embeddings_freq", embeddings_freq, 0),
                                   ("embeddings_metadata", embeddings_metadata, None)):
            if value != empty and value is not None:
                raise ValueError(f"{name}={value!r}: trainlab has no profiler or embedding projector to feed; "
                                 f"leave {name} at {empty!r}.")
        self.log_dir = str(log_dir)  # a string, as Keras keeps it
        self.histogram_freq = histogram_freq
        self.write_graph = write_graph
        self.write_images = bool(write_images)
        self.write_steps_per_second = bool(write_steps_per_second)
        self.update_freq = update_freq
        require_writer()  # now, so a missing extra fails before fit, not after the first epoch
        self._writers: dict = {}
        self._batches_seen = 0

    def _writer(self, split: str):
        if split not in self._writers:
            self._writers[split] = summary_writer(Path(self.log_dir) / split)
        return self._writers[split]

    def on_train_begin(self, logs=None):
        self._batches_seen = 0
        self._batch_clock = time.perf_counter()

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch_start = time.perf_counter()
        self._epoch_batches = 0

    def on_train_batch_end(self, batch, logs=None):
        self._batches_seen += 1
        self._epoch_batches += 1
        if self.update_freq == "epoch" or self._batches_seen % self.update_freq:
            return
        writer = self._writer("train")
        for name, value in (logs or {}).items():
            writer.add_scalar(f"batch_{name}", float(value), self._batches_seen)
        if self.write_steps_per_second:
            now = time.perf_counter()
            writer.add_scalar("batch_steps_per_second", self.update_freq / max(now - self._batch_clock, 1e-12),
                              self._batches_seen)
            self._batch_clock = now

    def on_epoch_end(self, epoch, logs=None):
        train, validation = split_logs(dict(logs or {}))
        if "learning_rate" not in train and self.model is not None and self.model.optimizer is not None:
            train["learning_rate"] = self.model.optimizer.current_learning_rate()
        if self.write_steps_per_second:
            train["steps_per_second"] = self._epoch_batches / max(time.perf_counter() - self._epoch_start, 1e-12)
        for name, value in train.items():
            self._writer("train").add_scalar(f"epoch_{name}", float(value), epoch)
        iterations = int(self.model.optimizer.iterations) if self.model is not None else epoch
        for name, value in validation.items():
            self._writer("validation").add_scalar(f"epoch_{name}", float(value), epoch)
            self._writer("validation").add_scalar(f"evaluation_{name}_vs_iterations", float(value), iterations)
        if self.histogram_freq and epoch % self.histogram_freq == 0:
            self._log_weights(epoch)
        for writer in self._writers.values():
            writer.flush()

    def _log_weights(self, epoch: int) -> None:
        writer = self._writer("train")
        for layer in self.model.layers:
            for name in layer.weight_names():
                values = np.asarray(layer.weight(name))
                tag = f"{layer.name}/{name}"
                writer.add_histogram(f"{tag}/histogram", values, epoch)
                if self.write_images and values.ndim == 2:
                    span = float(values.max() - values.min()) or 1.0
                    writer.add_image(f"{tag}/image", (values - values.min()) / span, epoch, dataformats="HW")

    def on_train_end(self, logs=None):
        for writer in self._writers.values():
            writer.close()
        self._writers = {}


def require_writer() -> None:
    """Raise an ImportError naming the extra to install when ``tensorboardX`` is missing."""
    try:
        import tensorboardX  # noqa: F401
    except ImportError:
        raise ImportError("keras.callbacks.TensorBoard needs the tensorboardX package: pip install "
                          "'trainlab[tensorboard]' (or pip install tensorboardX tensorboard).") from None
