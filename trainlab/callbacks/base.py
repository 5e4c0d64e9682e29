"""The callback protocol: Keras hook names with no-op defaults, and a ``CallbackList``.

Hooks: ``on_train_begin/end``, ``on_epoch_begin/end(epoch)``, ``on_train_batch_begin/end(batch)``
(which call the older ``on_batch_begin/end`` by default, so the notes' callbacks that override
``on_batch_begin`` work), ``on_test_begin/end``. ``self.model`` is the model being trained;
setting ``self.model.stop_training = True`` ends training after the current epoch.

Callbacks that hold state (best value, wait, cooldown…) expose it through
``get_state()`` / ``set_state()`` so a checkpoint can save it and a resumed run continues exactly.
A callback that writes checkpoints declares ``saves_checkpoints = True``: its ``on_epoch_end``
then runs after every other callback's, whatever the list order (Keras keeps the list order, so
a checkpoint written before another callback's epoch end misses that callback's update).
"""
from __future__ import annotations

from typing import Iterable


class Callback:
    """Base class of callbacks; override only the hooks you need."""

    def __init__(self):
        self.model = None
        self.params: dict = {}

    def set_model(self, model) -> None:
        self.model = model

    def set_params(self, params: dict) -> None:
        self.params = params

    def on_train_begin(self, logs=None): ...
    def on_train_end(self, logs=None): ...
    def on_epoch_begin(self, epoch, logs=None): ...
    def on_epoch_end(self, epoch, logs=None): ...
    def on_batch_begin(self, batch, logs=None): ...
    def on_batch_end(self, batch, logs=None): ...
    def on_test_begin(self, logs=None): ...
    def on_test_end(self, logs=None): ...

    def on_train_batch_begin(self, batch, logs=None):
        self.on_batch_begin(batch, logs)

    def on_train_batch_end(self, batch, logs=None):
        self.on_batch_end(batch, logs)

    def get_state(self) -> dict:
        """JSON-safe state for checkpoints (stateless callbacks return {})."""
        return {}

    def set_state(self, state: dict) -> None:
        """Restore what :meth:`get_state` returned."""


_HOOKS = ("on_train_begin", "on_train_end", "on_epoch_begin", "on_epoch_end", "on_train_batch_begin",
          "on_train_batch_end", "on_test_begin", "on_test_end")


class CallbackList:
    """Calls each hook on every callback, in order. Batch hooks are skipped entirely when no
    callback overrides them, which keeps the per-batch cost of the training loop at zero."""

    def __init__(self, callbacks: Iterable[Callback], model, params: dict):
        self.callbacks = list(callbacks)
        for callback in self.callbacks:
            if not isinstance(callback, Callback):
                raise TypeError(f"callbacks must be trainlab.callbacks.Callback instances; got {callback!r}")
            callback.set_model(model)
            callback.set_params(params)
        self._active = {hook: [getattr(c, hook) for c in self._in_call_order(hook) if _overrides(c, hook)]
                        for hook in _HOOKS}
        self.has_batch_hooks = bool(self._active["on_train_batch_begin"] or self._active["on_train_batch_end"])

    def _in_call_order(self, hook: str) -> list[Callback]:
        """List order, except that callbacks declaring ``saves_checkpoints`` end each epoch last,
        so the checkpoint they write holds every other callback's state for that epoch."""
        if hook != "on_epoch_end":
            return self.callbacks
        return sorted(self.callbacks, key=lambda callback: bool(getattr(callback, "saves_checkpoints", False)))

    def call(self, hook: str, *args) -> None:
        for method in self._active[hook]:
            method(*args)

    def __iter__(self):
        return iter(self.callbacks)


def _overrides(callback: Callback, hook: str) -> bool:
    """True when the callback (its class, or the instance as LambdaCallback does) defines ``hook``."""
    legacy = {"on_train_batch_begin": "on_batch_begin", "on_train_batch_end": "on_batch_end"}.get(hook)
    for name in (hook, legacy) if legacy else (hook,):
        if name in vars(callback) or getattr(type(callback), name) is not getattr(Callback, name):
            return True
    return False


class LambdaCallback(Callback):
    """Build a callback from functions: ``LambdaCallback(on_epoch_end=lambda epoch, logs: ...)``."""

    def __init__(self, **hooks):
        super().__init__()
        unknown = set(hooks) - set(_HOOKS) - {"on_batch_begin", "on_batch_end"}
        if unknown:
            raise ValueError(f"Unknown callback hooks {sorted(unknown)}; valid: {', '.join(_HOOKS)}")
        for name, function in hooks.items():
            setattr(self, name, function)

