"""Two-stage runs for transfer learning: pretrain on task A, then train task B on A's layers.

The notes' procedure (seed 002, "reusing pretrained layers"; Hands-On ML's Fashion-MNIST task A
of 8 classes and task B "sandal vs shirt" with 200 images), driven by a run config's
``[pretrain]`` table:

1. **Task A**: a network of the run's architecture trains ``pretrain.epochs`` epochs on the
   training split of ``data`` restricted to ``pretrain.classes`` (all of A's training samples:
   ``data.train_size`` limits task B only), with ``pretrain.optimizer`` (``{}``: the run's own).
   Task A's validation and test splits are never read.
2. **Task B, frozen**: every layer of A but its output layer is reused, a new softmax output for
   B's classes goes on top, the reused layers are frozen (``trainable = False``) and the model
   trains ``pretrain.frozen_epochs`` epochs, so the new output layer's large initial gradients
   cannot wreck the reused weights.
3. **Task B, unfrozen**: every layer becomes trainable, the model is compiled again with a fresh
   optimizer (the run's, at its tuned learning rate), and training goes on for the remaining
   ``training.epochs − pretrain.frozen_epochs`` epochs.

The run's history is the concatenation of stages 2 and 3 (``training.epochs`` epochs in all), so
a from-scratch arm and a pretrained arm are compared epoch for epoch; task A's history is kept in
the record under ``pretrain``.
"""
from __future__ import annotations

import copy

from trainlab.lab import build, data
from trainlab.lab.schema import StudyError


def check(config: dict) -> None:
    """Refuse a ``[pretrain]`` table that cannot describe a two-stage run (preflight)."""
    pretrain, epochs = config.get("pretrain", {}), config["training"]["epochs"]
    if not pretrain.get("epochs"):
        return
    if len(pretrain["classes"]) < 2:
        raise StudyError(f"pretrain.classes must name at least 2 classes of task A when pretrain.epochs > 0; "
                         f"got {pretrain['classes']!r}.")
    overlap = sorted(set(pretrain["classes"]) & set(config["data"].get("classes", [])))
    if overlap:
        raise StudyError(f"pretrain.classes and data.classes share classes {overlap}: task A must not see task B.")
    if pretrain["frozen_epochs"] > epochs:
        raise StudyError(f"pretrain.frozen_epochs ({pretrain['frozen_epochs']}) exceeds training.epochs ({epochs}).")


def pretrain(config: dict, batch_size: int):
    """Train the task-A model (stage 1); returns it and the :class:`~trainlab.lab.data.Splits` it read."""
    settings = config["pretrain"]
    task_a = copy.deepcopy(config)
    task_a["data"].update(classes=settings["classes"], train_size=0)
    task_a["training"].update(schedule={}, callbacks=[])
    task_a["pretrain"] = dict(settings, epochs=0)
    if settings["optimizer"]:
        task_a["training"]["optimizer"] = settings["optimizer"]
    splits = data.load_splits(task_a["data"])
    model = build.build_model(task_a, splits.sample_shape, splits.num_classes)
    history = model.fit(*splits.train, batch_size=batch_size, epochs=settings["epochs"], verbose=0, shuffle=True)
    return model, history.history, splits


def fit_on_pretrained(config: dict, splits, callbacks: list):
    """Stages 1 to 3 (module docstring); returns the task-B model, its history and task A's."""
    from trainlab import layers, models

    training = config["training"]
    source, source_history, source_splits = pretrain(config, training["batch_size"])
    reused = source.layers[:-1]
    model = models.Sequential([*reused, layers.Dense(splits.num_classes, activation="softmax")])
    fit = dict(batch_size=training["batch_size"], validation_data=splits.validation, callbacks=callbacks,
               verbose=0, shuffle=True)
    history: dict[str, list] = {}
    stages = [(False, config["pretrain"]["frozen_epochs"]),
              (True, training["epochs"] - config["pretrain"]["frozen_epochs"])]
    for trainable, epochs in stages:
        if not epochs:
            continue
        for layer in reused:
            layer.trainable = trainable
        optimizer = build.build_optimizer(training, splits.steps_per_epoch(training["batch_size"]))
        model.compile(loss=training["loss"], optimizer=optimizer,
                      metrics=list(training["metrics"]))
        for key, values in model.fit(*splits.train, epochs=epochs, **fit).history.items():
            history.setdefault(key, []).extend(values)
    return model, history, {"history": source_history, "splits_read": sorted(source_splits.reads)}
