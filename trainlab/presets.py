"""The notes' two practical configurations (seed 002, "11.5 summary and practical guidelines").

=====================  ==========================================  ================================
hyperparameter         default DNN (:func:`default_dnn`)            self-normalizing (:func:`self_normalizing`)
=====================  ==========================================  ================================
kernel initializer     He (``he_normal``)                           LeCun (``lecun_normal``)
activation             ELU                                          SELU
normalization          none if shallow, BatchNormalization if deep  none (self-normalization)
regularization         early stopping (+ l2 if needed)              alpha dropout if needed
optimizer              momentum (or RMSProp or Nadam)               momentum (or RMSProp or Nadam)
learning-rate schedule 1cycle                                       1cycle
=====================  ==========================================  ================================

The self-normalizing network only self-normalizes when its inputs are standardized (mean 0,
standard deviation 1 per feature, seeds 001 and 004): use :func:`standardize` on the data.

Each builder returns a :class:`Preset`: the compiled model, the callbacks the table asks for (pass
them to ``fit``) and a one-paragraph description of what was built.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from trainlab import callbacks as callbacks_module
from trainlab import layers, optimizers, regularizers
from trainlab.models import Sequential

OPTIMIZERS = ("momentum", "nadam", "rmsprop")
#: η_max of the 1cycle schedule for each optimizer when ``learning_rate`` is not given.
DEFAULT_PEAK_RATES = {"momentum": 0.05, "nadam": 0.005, "rmsprop": 0.005}
DEEP_THRESHOLD = 9  # the notes call a network with 10 or more layers deep (seed 001)


@dataclass
class Preset:
    """A compiled model, the callbacks to train it with, and what the preset chose."""

    model: Sequential
    callbacks: list = field(default_factory=list)
    description: str = ""


def default_dnn(input_shape, n_classes: int, hidden=(300, 100), deep_threshold: int = DEEP_THRESHOLD,
                batch_normalization: bool | None = None, l2: float | None = None, optimizer: str = "momentum",
                learning_rate: float | None = None, patience: int = 10) -> Preset:
    """The notes' default DNN: He init + ELU (+ BatchNormalization when deep) + early stopping
    + momentum optimization (or Nadam/RMSProp) + 1cycle.

    Args:
        input_shape: shape of one sample (flattened first when it has more than one axis).
        n_classes: softmax outputs (>= 2); the loss is sparse categorical cross-entropy.
        hidden: units of each hidden layer (default (300, 100)).
        deep_threshold: with more hidden layers than this the network counts as deep and gets
            BatchNormalization after the input and after every hidden layer, as in the notes' Keras
            example (default 9: the notes call 10 or more layers deep).
        batch_normalization: force BN on (True) or off (False); None decides by depth.
        l2: optional l2 factor on the kernels ("add l2 if needed"); None = no penalty.
        optimizer: ``"momentum"`` (SGD, momentum 0.9, cycled by 1cycle), ``"nadam"`` or ``"rmsprop"``.
        learning_rate: the 1cycle peak η_max (default per optimizer: 0.05 momentum, 0.005 otherwise;
            the LR range test finds a better one).
        patience: EarlyStopping's patience on ``val_loss`` (default 10); it restores the best weights.

    Returns:
        A :class:`Preset` whose callbacks are ``[EarlyStopping, OneCycleScheduler]``: train with
        validation data so early stopping has ``val_loss`` to watch.
    """
    hidden = _check_common(input_shape, n_classes, hidden, optimizer, learning_rate)
    if isinstance(deep_threshold, bool) or not isinstance(deep_threshold, int) or deep_threshold < 0:
        raise ValueError(f"deep_threshold must be an integer >= 0; got {deep_threshold!r}")
    if l2 is not None and not l2 > 0:
        raise ValueError(f"l2 must be a positive factor or None; got {l2!r}")
    deep = len(hidden) > deep_threshold if batch_normalization is None else bool(batch_normalization)
    regularizer = regularizers.l2(l2) if l2 else None
    stack = _input_layers(input_shape)
    if deep:
        stack.append(layers.BatchNormalization())
    for units in hidden:
        stack.append(layers.Dense(units, activation="elu", kernel_initializer="he_normal",
                                  kernel_regularizer=regularizer))
        if deep:
            stack.append(layers.BatchNormalization())
    model = _compile(stack, n_classes, optimizer)
    peak = learning_rate or DEFAULT_PEAK_RATES[optimizer]
    preset_callbacks = [callbacks_module.EarlyStopping(monitor="val_loss", patience=patience,
                                                       restore_best_weights=True),
                        callbacks_module.OneCycleScheduler(max_learning_rate=peak)]
    normalization = ("BatchNormalization after the input and each hidden layer" if deep
                     else "no BatchNormalization (shallow)")
    description = (f"default DNN: {len(hidden)} hidden ELU layers {list(hidden)} with He normal init, {normalization}"
                   f"{f', l2({l2}) on the kernels' if l2 else ''}; {_optimizer_text(optimizer)}; 1cycle up to "
                   f"{peak:g}; early stopping on val_loss (patience {patience}, best weights restored).")
    return Preset(model, preset_callbacks, description)


def self_normalizing(input_shape, n_classes: int, hidden=(300, 100), alpha_dropout: float = 0.0,
                     optimizer: str = "momentum", learning_rate: float | None = None) -> Preset:
    """The notes' self-normalizing network: LeCun normal init + SELU (+ AlphaDropout) + 1cycle.

    Inputs must be standardized (mean 0, std 1 per feature; see :func:`standardize`), and the
    network must stay a plain stack of Dense layers, for SELU to keep every layer's outputs at
    mean 0 and std 1 (seeds 001, 004).

    Args:
        input_shape, n_classes, hidden, optimizer, learning_rate: as in :func:`default_dnn`.
        alpha_dropout: rate of the AlphaDropout after each hidden layer, in [0, 1) (default 0:
            none; the notes use it "if needed", e.g. 0.1).

    Returns:
        A :class:`Preset` whose callbacks are ``[OneCycleScheduler]``.
    """
    hidden = _check_common(input_shape, n_classes, hidden, optimizer, learning_rate)
    if isinstance(alpha_dropout, bool) or not isinstance(alpha_dropout, (int, float)) or not 0 <= alpha_dropout < 1:
        raise ValueError(f"alpha_dropout must be a rate in [0, 1); got {alpha_dropout!r}")
    stack = _input_layers(input_shape)
    for units in hidden:
        stack.append(layers.Dense(units, activation="selu", kernel_initializer="lecun_normal"))
        if alpha_dropout:
            stack.append(layers.AlphaDropout(alpha_dropout))
    model = _compile(stack, n_classes, optimizer)
    peak = learning_rate or DEFAULT_PEAK_RATES[optimizer]
    description = (f"self-normalizing: {len(hidden)} hidden SELU layers {list(hidden)} with LeCun normal init"
                   f"{f', AlphaDropout({alpha_dropout}) after each' if alpha_dropout else ''}; "
                   f"{_optimizer_text(optimizer)}; 1cycle up to {peak:g}. Standardize the inputs "
                   f"(trainlab.presets.standardize): SELU self-normalizes only on mean-0, std-1 features.")
    return Preset(model, [callbacks_module.OneCycleScheduler(max_learning_rate=peak)], description)


def standardize(x_train, *others) -> tuple[np.ndarray, ...]:
    """Standardize every feature with the training set's mean and standard deviation.

    Returns float32 copies of ``x_train`` and of each array in ``others`` (validation, test),
    all scaled with the *training* statistics. Constant features (std 0) are only centered.
    """
    x_train = np.asarray(x_train, dtype=np.float32)
    mean = x_train.mean(axis=0)
    std = x_train.std(axis=0)
    std[std == 0] = 1
    results = []
    for array in (x_train, *others):
        array = np.asarray(array, dtype=np.float32)
        if array.shape[1:] != x_train.shape[1:]:
            raise ValueError(f"standardize: every array needs samples of shape {x_train.shape[1:]} like x_train; "
                             f"got {array.shape[1:]}")
        results.append((array - mean) / std)
    return tuple(results)


def _check_common(input_shape, n_classes, hidden, optimizer, learning_rate) -> tuple[int, ...]:
    if not isinstance(input_shape, (tuple, list)) or not input_shape or not all(
            isinstance(d, (int, np.integer)) and d >= 1 for d in input_shape):
        raise ValueError(f"input_shape must be a shape of one sample such as (28, 28) or (784,); got {input_shape!r}")
    if isinstance(n_classes, bool) or not isinstance(n_classes, (int, np.integer)) or n_classes < 2:
        raise ValueError(f"n_classes must be an integer >= 2; got {n_classes!r}")
    hidden = tuple(hidden)
    if not hidden or not all(isinstance(u, (int, np.integer)) and not isinstance(u, bool) and u >= 1 for u in hidden):
        raise ValueError(f"hidden must be a non-empty sequence of positive layer sizes; got {hidden!r}")
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"optimizer must be one of {', '.join(OPTIMIZERS)} (the notes' choices); got {optimizer!r}")
    if learning_rate is not None and not learning_rate > 0:
        raise ValueError(f"learning_rate (the 1cycle peak) must be > 0; got {learning_rate!r}")
    return hidden


def _input_layers(input_shape) -> list:
    stack = [layers.Input(tuple(input_shape))]
    if len(input_shape) > 1:
        stack.append(layers.Flatten())
    return stack


def _compile(stack: list, n_classes: int, optimizer: str) -> Sequential:
    stack.append(layers.Dense(n_classes, activation="softmax"))
    model = Sequential(stack)
    # The rate given here is a placeholder: OneCycleScheduler sets it before every batch.
    instances = {"momentum": lambda: optimizers.SGD(momentum=0.9), "nadam": lambda: optimizers.Nadam(),
                 "rmsprop": lambda: optimizers.RMSprop()}
    model.compile(loss="sparse_categorical_crossentropy", optimizer=instances[optimizer](), metrics=["accuracy"])
    return model


def _optimizer_text(optimizer: str) -> str:
    return {"momentum": "SGD with momentum 0.9 (cycled 0.95-0.85 by 1cycle)",
            "nadam": "Nadam (beta_1 cycled by 1cycle)", "rmsprop": "RMSprop (momentum cycled by 1cycle)"}[optimizer]
