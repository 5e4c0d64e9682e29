"""compile / fit / evaluate / predict: the training loop, split skorch-style.

``fit`` → ``_run_epoch`` → ``train_step``. One training step is:

1. forward pass in training mode;
2. loss and ∂L/∂output — fused with the output activation when the loss is a cross-entropy on a
   softmax/sigmoid output (δ = (p − y)/N computed from the logits, as Keras does);
3. regularization: every trainable weight's penalty is added to the loss and its gradient to
   the weight's gradient, in this one place;
4. backward pass;
5. ``optimizer.apply_flat`` on the model's flat parameter buffers (clip → update → constraints).

The epoch's reported ``loss`` is the batch-size-weighted mean of the per-batch losses computed
before each update (regularization included); metrics are totals over the epoch; validation
metrics are computed after the epoch in inference mode.
"""
from __future__ import annotations

import copy
import math

import numpy as np

from trainlab import backend
from trainlab import losses as losses_module
from trainlab import metrics as metrics_module
from trainlab import optimizers as optimizers_module
from trainlab import random as tl_random
from trainlab.callbacks.base import Callback, CallbackList
from trainlab.callbacks.history import History
from trainlab.callbacks.progress import Progbar, ProgbarLogger
from trainlab.models import validation
from trainlab.optimizers.flat import FlatLayout


def callback_states(callbacks) -> list[dict]:
    """``[{"class_name", "state"}]`` for every callback holding state (JSON-safe, for checkpoints)."""
    return [{"class_name": type(c).__name__, "state": c.get_state()} for c in callbacks if c.get_state()]


class TrainingMixin:
    """The training half of a model; the structure half (layers, forward, backward) is the host."""

    def __init__(self):
        self.optimizer = None
        self.loss = None
        self.compiled_metrics: list = []
        self.stop_training = False
        self._stop_on_nan = False
        self._training_plan = None
        self._flat_layout = None  # kept across compile(): the layers' weights stay where they are
        self.history: History | None = None
        self.shuffle_rng = tl_random.generator()
        self.epochs_completed = 0  # epochs finished so far, across fits and save/load
        self._last_callbacks: list = []
        self._saved_callback_states: list[dict] = []
        self.fit_data: tuple[np.ndarray, np.ndarray] | None = None  # the training split, during fit only

    # -- compile --------------------------------------------------------------------------------
    def compile(self, optimizer="rmsprop", loss=None, metrics=None) -> None:
        """Choose the optimizer, the loss and the metrics (names or instances, as in Keras)."""
        self.optimizer = optimizers_module.get(optimizer)
        self.loss = losses_module.get(loss)
        self._metric_identifiers = list(metrics or [])
        self.compiled_metrics = []
        self.stop_training = False
        self._training_plan = None

    @property
    def compiled(self) -> bool:
        return self.optimizer is not None and self.loss is not None

    def _resolve_metrics(self) -> None:
        units = self.output_shape[-1] if self.output_shape else None
        self.compiled_metrics = [metrics_module.get(m, loss=self.loss, output_units=units)
                                 for m in self._metric_identifiers]

    # -- data preparation -----------------------------------------------------------------------
    def _prepare(self, x, y, what: str = "") -> tuple[np.ndarray, np.ndarray]:
        x = validation.as_float_array(x, f"{what}x")
        if not self.built:
            self.build((None, *x.shape[1:]))
        validation.check_feature_shape(x, self._input_shape, f"{what}x")
        if y is None:
            raise ValueError(f"{what}y is required for training and evaluation; pass the targets.")
        y = np.asarray(y)
        validation.check_lengths(x, y, what)
        if getattr(self.loss, "sparse_labels", False):
            y = validation.check_sparse_labels(y, self.output_shape[-1], f"{what}y")
        else:
            y = validation.as_float_array(y, f"{what}y")
            if y.ndim == 1 and self.output_shape[-1] == 1:
                y = y.reshape(-1, 1)
            if y.shape[1:] != tuple(self.output_shape[1:]):
                raise ValueError(
                    f"{what}y has targets of shape {y.shape[1:]} but the model outputs {tuple(self.output_shape[1:])}. "
                    f"For integer class labels use loss='sparse_categorical_crossentropy'."
                )
        return x, y

    def _require_compiled(self, action: str) -> None:
        if not self.compiled:
            raise RuntimeError(
                f"You must compile the model before {action}: call model.compile(loss=..., optimizer=...) first."
            )

    # -- fit ------------------------------------------------------------------------------------
    def fit(self, x=None, y=None, batch_size: int | None = 32, epochs: int = 1, verbose="auto", callbacks=None,
            validation_split: float = 0.0, validation_data=None, shuffle: bool = True,
            initial_epoch: int = 0, validation_freq=1) -> History:
        """Train for ``epochs`` epochs (counting from ``initial_epoch``); returns the History.

        ``validation_freq``: validate after every n-th epoch (an int n ≥ 1, counting epochs from
        1), or after the epochs listed (e.g. ``[1, 5, 10]``), as in Keras; the ``val_`` lists of
        the History then hold only the validated epochs.
        """
        self._require_compiled("training it")
        validation_freq = _check_validation_freq(validation_freq)
        batch_size = validation.check_batch_size(32 if batch_size is None else batch_size)
        if not 0 <= validation_split < 1:
            raise ValueError(f"validation_split must be in [0, 1); got {validation_split}")
        if not (isinstance(epochs, (int, np.integer)) and isinstance(initial_epoch, (int, np.integer))
                and 0 <= initial_epoch <= epochs):
            raise ValueError(f"Need integers 0 <= initial_epoch <= epochs; got initial_epoch={initial_epoch}, "
                             f"epochs={epochs}")
        x, y = self._prepare(x, y)
        if validation_data is None and validation_split:
            # Keras: the last fraction, taken before any shuffling.
            split_at = int(len(x) * (1.0 - validation_split))
            if split_at == 0 or split_at == len(x):
                raise ValueError(f"validation_split={validation_split} leaves an empty training or validation set "
                                 f"for {len(x)} samples.")
            validation_data = (x[split_at:], y[split_at:])
            x, y = x[:split_at], y[:split_at]
        elif validation_data is not None:
            if len(validation_data) != 2:
                raise ValueError("validation_data must be a tuple (x_val, y_val).")
            validation_data = self._prepare(*validation_data, what="validation ")
        self.fit_data = (x, y)  # the training split, for callbacks that probe it (Diagnostics)
        self._resolve_metrics()

        verbose = 1 if verbose == "auto" else int(verbose)
        history = self.history if (initial_epoch > 0 and self.history is not None) else History()
        steps = -(-len(x) // batch_size)
        user_callbacks = list(callbacks or [])
        # History after the user's callbacks, as in Keras, so keys they add to the logs (``lr``) are recorded.
        chain = [*user_callbacks, history] + ([ProgbarLogger(verbose)] if verbose else [])
        params = {"epochs": epochs, "steps": steps, "verbose": verbose, "batch_size": batch_size}
        callback_list = CallbackList(chain, self, params)
        self.history = history
        self.stop_training = False
        self._training_plan = self._plan_training()
        # A callback declaring ``stops_on_nan`` (TerminateOnNaN) turns a non-finite loss into a clean stop.
        self._stop_on_nan = any(getattr(callback, "stops_on_nan", False) for callback in user_callbacks)

        callback_list.call("on_train_begin", {})
        if initial_epoch > 0:
            self._restore_callback_states(user_callbacks)
        self._last_callbacks = user_callbacks
        for epoch in range(initial_epoch, epochs):
            callback_list.call("on_epoch_begin", epoch, {})
            logs = self._run_epoch(x, y, batch_size, shuffle, callback_list)
            if validation_data is not None and _validates_after(epoch, validation_freq):
                val_logs = self.evaluate(*validation_data, batch_size=batch_size, verbose=0, return_dict=True,
                                         _prepared=True)
                logs.update({f"val_{key}": value for key, value in val_logs.items()})
            # Counted before the callbacks run: a checkpoint saved at this epoch's end has finished it.
            self.epochs_completed = epoch + 1
            callback_list.call("on_epoch_end", epoch, logs)
            if self.stop_training:
                break
        callback_list.call("on_train_end", {})
        self._saved_callback_states = callback_states(user_callbacks)
        self.fit_data = None  # only callbacks need it; keeping it would pin a converted copy of x
        return history

    # -- exact resume ---------------------------------------------------------------------------
    def _restore_callback_states(self, callbacks) -> None:
        """On ``fit(initial_epoch=k)``: give each callback the state its counterpart had when the
        previous run (this process's last ``fit``, or the one saved in the loaded file) ended.
        Counterparts are matched by class name and order; callbacks without one start fresh."""
        saved = self._saved_callback_states
        remaining: dict[str, list[dict]] = {}
        for entry in saved:
            remaining.setdefault(entry["class_name"], []).append(entry["state"])
        for callback in callbacks:
            states = remaining.get(type(callback).__name__)
            if states:
                callback.set_state(states.pop(0))

    def _plan_training(self) -> dict:
        """What the step needs, resolved once per fit: the flat buffers, constraints, the fused path.

        The trainable weights live in a :class:`~trainlab.optimizers.flat.FlatLayout` (one buffer per
        dtype; each layer's ``params[name]`` / ``grads[name]`` are views into it), so the optimizer
        step is one kernel call. A layout still current for the same weights is kept, so arrays a
        user holds stay the layer's own across fits; otherwise (first fit, a layer frozen or shared
        with another model that rebound it) a new one is built from the current values.
        """
        weights, constraints, regularizers = [], {}, []
        for layer in self._layers:
            if not layer.trainable:
                continue
            for name in layer.params:
                path = f"{layer.name}/{name}"
                spec = layer.weight_specs[name]
                weights.append((path, layer, name))
                if spec.constraint is not None:
                    constraints[path] = spec.constraint
                if spec.regularizer is not None:
                    regularizers.append((path, spec.regularizer))
        layout = self._flat_layout
        if layout is None or not layout.describes(weights):
            layout = self._flat_layout = FlatLayout(weights, self._layers)
        self.optimizer.bind(layout)  # a state that cannot fit these weights fails here, before any work
        regularized = [(regularizer, layout.params[path], layout.grads[path]) for path, regularizer in regularizers]
        return {"layout": layout, "constraints": constraints, "regularized": regularized,
                "fused": self._loss_fuses_with_output()}

    def _loss_fuses_with_output(self) -> bool:
        """True when the loss can be computed from the last layer's logits (softmax/sigmoid + CE)."""
        last = self._layers[-1]
        activation = getattr(last, "activation", None)
        # A softmax over another axis than the last is not the one the loss fuses with.
        over_last_axis = getattr(activation, "over_last_axis", None)
        return (self.loss.fused_activation is not None and not self.loss.from_logits
                and hasattr(last, "backward_from_preactivation")
                and isinstance(activation, self.loss.fused_activation)
                and (over_last_axis is None or over_last_axis(len(self.output_shape))))

    def _batch_loss(self, yb, output) -> float:
        if self._loss_fuses_with_output():
            return self.loss.value_and_logit_gradient(yb, self._layers[-1].preactivation)[0]
        return self.loss.value(yb, output)

    def _run_epoch(self, x, y, batch_size, shuffle, callback_list) -> dict:
        n = len(x)
        order = self.shuffle_rng.permutation(n) if shuffle else None
        for metric in self.compiled_metrics:
            metric.reset()
        loss_sum = 0.0
        batch_hooks = callback_list.has_batch_hooks
        for step, start in enumerate(range(0, n, batch_size)):
            if order is None:
                xb, yb = x[start:start + batch_size], y[start:start + batch_size]
            else:
                index = order[start:start + batch_size]
                xb, yb = x.take(index, axis=0), y.take(index, axis=0)
            if batch_hooks:
                callback_list.call("on_train_batch_begin", step, {})
            loss = self.train_step(xb, yb)
            loss_sum += loss * len(xb)
            if batch_hooks:
                logs = {"loss": loss_sum / min(start + batch_size, n)}
                logs.update({m.name: m.result() for m in self.compiled_metrics})
                callback_list.call("on_train_batch_end", step, logs)
            if not math.isfinite(loss):
                if not batch_hooks:
                    callback_list.call("on_train_batch_end", step, {"loss": loss})
                break
        seen = min(start + batch_size, n)
        logs = {"loss": loss_sum / seen}
        logs.update({metric.name: metric.result() for metric in self.compiled_metrics})
        return logs

    def train_step(self, xb: np.ndarray, yb: np.ndarray) -> float:
        """One forward/backward/update on a batch; returns the batch loss (penalties included)."""
        if self._training_plan is None:
            self._training_plan = self._plan_training()
        plan = self._training_plan
        output = self.forward(xb, training=True)
        if plan["fused"]:
            last = self._layers[-1]
            loss, grad = self.loss.value_and_logit_gradient(yb, last.preactivation, probabilities=output)
        else:
            loss, grad = self.loss.value(yb, output), self.loss.gradient(yb, output)
        for metric in self.compiled_metrics:
            metric.update(yb, output)
        if not math.isfinite(loss):
            if not self._stop_on_nan:
                raise FloatingPointError(
                    f"The loss became {loss} at step {self.optimizer.iterations}: training diverged. Lower the "
                    f"learning rate, add gradient clipping (e.g. clipnorm=1.0), check the inputs' scale, or pass "
                    f"callbacks=[TerminateOnNaN()] to stop cleanly instead of raising."
                )
            return loss  # nothing is applied; TerminateOnNaN sees the loss in the batch logs and stops
        self.backward(grad, skip_last=plan["fused"])
        if not plan["layout"].is_current():
            # A layer was frozen, shared with another model, or rebound an array instead of writing
            # into it: plan again from the arrays the layers hold now (this step's gradients included).
            plan = self._training_plan = self._plan_training()
        for regularizer, weight, weight_grad in plan["regularized"]:
            loss += regularizer(weight)
            weight_grad += regularizer.gradient(weight)
        self.optimizer.apply_flat(plan["layout"], plan["constraints"])
        return loss

    # -- evaluate and predict -----------------------------------------------------------------
    def evaluate(self, x=None, y=None, batch_size: int | None = 32, verbose="auto", return_dict: bool = False,
                 _prepared: bool = False):
        """Loss (penalties included) and metrics in inference mode: a scalar, a list, or a dict."""
        self._require_compiled("evaluating it")
        batch_size = validation.check_batch_size(32 if batch_size is None else batch_size)
        if not _prepared:
            x, y = self._prepare(x, y)
        # Metric objects of its own (a copy of one passed as an instance): evaluate may run inside
        # fit, from a callback, and must not touch the epoch's training metrics.
        metrics = [metrics_module.get(copy.deepcopy(m) if isinstance(m, metrics_module.Metric) else m, loss=self.loss,
                                      output_units=self.output_shape[-1]) for m in self._metric_identifiers]
        for metric in metrics:
            metric.reset()
        verbose = 1 if verbose == "auto" else int(verbose)
        bar = Progbar(-(-len(x) // batch_size), verbose) if verbose else None
        loss_sum = 0.0
        for step, start in enumerate(range(0, len(x), batch_size)):
            xb, yb = x[start:start + batch_size], y[start:start + batch_size]
            output = self.forward(xb, training=False)
            loss_sum += self._batch_loss(yb, output) * len(xb)
            for metric in metrics:
                metric.update(yb, output)
            if bar is not None:  # running means, computed only when the bar redraws
                seen = start + len(xb)
                bar.update(step + 1, lambda: {"loss": loss_sum / seen, **{m.name: m.result() for m in metrics}})
        results = {"loss": loss_sum / len(x) + sum(self.losses)}
        results.update({metric.name: metric.result() for metric in metrics})
        if bar is not None:
            bar.finish(results)
        return _as_keras_results(results, return_dict)

    def predict(self, x, batch_size: int | None = 32, verbose=0, mc_samples: int | None = None) -> np.ndarray:
        """Outputs in inference mode, computed batch by batch.

        With ``mc_samples=N`` (>= 1): the mean of N Monte Carlo dropout passes, in which dropout
        layers stay active and every other layer (BatchNormalization included) runs in inference
        mode; :func:`trainlab.uncertainty.mc_predict` also returns the standard deviation.
        """
        if mc_samples is not None:
            return self._predict_mc(x, batch_size, mc_samples)
        batch_size = validation.check_batch_size(32 if batch_size is None else batch_size)
        x = validation.as_float_array(x)
        if not self.built:
            self.build((None, *x.shape[1:]))
        validation.check_feature_shape(x, self._input_shape)
        verbose = 1 if verbose == "auto" else int(verbose)
        bar = Progbar(-(-len(x) // batch_size), verbose) if verbose else None
        outputs = []
        for start in range(0, len(x), batch_size):
            outputs.append(self.forward(x[start:start + batch_size], training=False))
            if bar is not None:
                bar.update(len(outputs))
        if bar is not None:
            bar.finish()
        return np.concatenate(outputs, axis=0)

    def _predict_mc(self, x, batch_size, mc_samples) -> np.ndarray:
        from trainlab.uncertainty import check_samples, mc_predict

        check_samples(mc_samples, "mc_samples")
        return mc_predict(self, x, samples=mc_samples, batch_size=32 if batch_size is None else batch_size)[0]

    def predict_on_batch(self, x) -> np.ndarray:
        """The outputs for one batch, in inference mode (Keras' ``predict_on_batch``)."""
        return self(x, training=False)

    def train_on_batch(self, x, y=None, return_dict: bool = False):
        """One update on one batch; returns that batch's loss and metrics, measured before the update.

        Returns, as Keras does: the loss (a float) when no metric is compiled, else the list
        ``[loss, *metrics]`` in compile order, or a dict with ``return_dict=True``. Each call
        reports its own batch (Keras 3 resets the metrics at every call). A non-finite loss
        raises ``FloatingPointError`` and applies nothing, as in ``fit``.
        """
        self._require_compiled("training it")
        x, y = self._prepare(x, y)
        if len(self.compiled_metrics) != len(self._metric_identifiers):
            self._resolve_metrics()  # first call after compile
        for metric in self.compiled_metrics:
            metric.reset()
        self._stop_on_nan = False
        logs = {"loss": float(self.train_step(x, y))}
        logs.update({metric.name: metric.result() for metric in self.compiled_metrics})
        return _as_keras_results(logs, return_dict)

    def test_on_batch(self, x, y=None, return_dict: bool = False):
        """Loss (penalties included) and metrics of one batch in inference mode, returned like
        :meth:`train_on_batch`'s."""
        self._require_compiled("evaluating it")
        x, y = self._prepare(x, y)
        return self.evaluate(x, y, batch_size=len(x), verbose=0, return_dict=return_dict, _prepared=True)

    # -- saving -----------------------------------------------------------------------------------
    def save(self, filepath) -> None:
        """Save architecture, weights, compile settings and optimizer state to one safe zip file."""
        from trainlab.saving import save_model

        save_model(self, filepath)

    def save_weights(self, filepath) -> None:
        from trainlab.saving import save_weights

        save_weights(self, filepath)

    def load_weights(self, filepath, **caps) -> None:
        """Load weights saved by ``save_weights`` (``caps``: see :func:`trainlab.saving.load_weights`)."""
        from trainlab.saving import load_weights

        load_weights(self, filepath, **caps)


def _as_keras_results(results: dict, return_dict: bool):
    """Keras' return convention: the dict, else one float alone, else the list of values in order."""
    if return_dict:
        return results
    values = list(results.values())
    return values[0] if len(values) == 1 else values


def _check_validation_freq(validation_freq):
    """An int n ≥ 1 (every n-th epoch) or a collection of epoch numbers ≥ 1 (counting from 1)."""
    if isinstance(validation_freq, (int, np.integer)) and not isinstance(validation_freq, bool):
        if validation_freq >= 1:
            return int(validation_freq)
    elif isinstance(validation_freq, (list, tuple, set, range)):
        epochs = list(validation_freq)
        if all(isinstance(e, (int, np.integer)) and not isinstance(e, bool) and e >= 1 for e in epochs):
            return frozenset(int(e) for e in epochs)
    raise ValueError(f"validation_freq must be an integer >= 1 (validate every n-th epoch) or a list of epoch "
                     f"numbers >= 1 (counting from 1); got {validation_freq!r}.")


def _validates_after(epoch: int, validation_freq) -> bool:
    """Whether to validate after the 0-based ``epoch`` (Keras counts epochs from 1 here)."""
    if isinstance(validation_freq, int):
        return (epoch + 1) % validation_freq == 0
    return epoch + 1 in validation_freq
