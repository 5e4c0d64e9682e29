"""CSVLogger: one row per epoch, header from the first epoch, flushed rows, append mode."""
import csv

import numpy as np
import pytest

import trainlab as keras
from trainlab.callbacks import CSVLogger, LambdaCallback


def read_rows(path, delimiter=","):
    with open(path, newline="") as handle:
        return list(csv.reader(handle, delimiter=delimiter))


def run_epochs(logger, logs_per_epoch, first_epoch=0):
    logger.on_train_begin({})
    for offset, logs in enumerate(logs_per_epoch):
        logger.on_epoch_end(first_epoch + offset, logs)
    logger.on_train_end({})


def fit_small(epochs, callbacks, initial_epoch=0):
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.layers.Dense(2, activation="softmax", input_shape=[3])])
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    x = np.random.default_rng(0).normal(size=(40, 3)).astype("float32")
    y = (x[:, 0] > 0).astype(int)
    return model.fit(x, y, epochs=epochs, initial_epoch=initial_epoch, validation_split=0.25, verbose=0,
                     callbacks=callbacks)


def test_one_row_per_epoch_matching_the_history(tmp_path):
    path = tmp_path / "logs" / "training.csv"
    history = fit_small(3, [CSVLogger(path)])
    rows = read_rows(path)
    assert rows[0] == ["epoch", "accuracy", "loss", "val_accuracy", "val_loss"]
    assert [row[0] for row in rows[1:]] == ["0", "1", "2"]
    for index, key in enumerate(rows[0][1:], start=1):
        np.testing.assert_allclose([float(row[index]) for row in rows[1:]], history.history[key], rtol=1e-12)


def test_rows_are_on_disk_as_soon_as_the_epoch_ends(tmp_path):
    path = tmp_path / "training.csv"
    seen = []
    # Runs after the logger (callbacks are called in order): the row must already be readable.
    peek = LambdaCallback(on_epoch_end=lambda epoch, logs: seen.append(len(read_rows(path))))
    fit_small(2, [CSVLogger(path), peek])
    assert seen == [2, 3]


def test_append_continues_the_file_with_its_header(tmp_path):
    path = tmp_path / "training.csv"
    fit_small(2, [CSVLogger(path)])
    fit_small(4, [CSVLogger(path, append=True)], initial_epoch=2)
    rows = read_rows(path)
    assert [row[0] for row in rows] == ["epoch", "0", "1", "2", "3"]


def test_overwrite_is_the_default(tmp_path):
    path = tmp_path / "training.csv"
    run_epochs(CSVLogger(path), [{"loss": 1.0}, {"loss": 0.5}])
    run_epochs(CSVLogger(path), [{"loss": 0.25}])
    assert read_rows(path) == [["epoch", "loss"], ["0", "0.25"]]


def test_separator_and_missing_keys(tmp_path):
    path = tmp_path / "training.tsv"
    run_epochs(CSVLogger(path, separator="\t"), [{"loss": 1.0, "val_loss": 2.0}, {"loss": 0.5}])
    assert read_rows(path, "\t") == [["epoch", "loss", "val_loss"], ["0", "1.0", "2.0"], ["1", "0.5", "NA"]]


def test_appending_logs_with_new_columns_is_refused(tmp_path):
    path = tmp_path / "training.csv"
    run_epochs(CSVLogger(path), [{"loss": 1.0}])
    logger = CSVLogger(path, append=True)
    logger.on_train_begin({})
    with pytest.raises(ValueError, match=r"columns are \['loss'\].*also hold \['val_loss'\]"):
        logger.on_epoch_end(1, {"loss": 0.5, "val_loss": 0.7})
    logger.on_train_end({})


def test_appending_to_a_file_that_is_not_a_log_is_refused(tmp_path):
    path = tmp_path / "notes.csv"
    path.write_text("name,value\na,1\n")
    with pytest.raises(ValueError, match="cannot append to .*notes.csv.*not a CSVLogger header"):
        CSVLogger(path, append=True).on_train_begin({})


@pytest.mark.parametrize("separator", ["", ";;", None])
def test_bad_separator(separator):
    with pytest.raises(ValueError, match="separator must be a single character"):
        CSVLogger("x.csv", separator=separator)
