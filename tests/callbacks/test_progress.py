"""Progress output as Keras prints it: the number format, redraws that leave no stale characters,
live bars in Jupyter, and progress for evaluate and predict."""
from __future__ import annotations

import io
import sys
import types

import numpy as np
import pytest

import trainlab as keras
from trainlab.callbacks import progress


@pytest.mark.parametrize("value,text", [
    (0.5, "0.5000"), (-0.25, "-0.2500"), (123.456789, "123.4568"), (0.0011, "0.0011"),
    (1e-5, "1.0000e-05"), (0.001, "1.0000e-03"), (0.0, "0.0000e+00"), (-2.5e-7, "-2.5000e-07"),
])
def test_keras_number_format(value, text):
    """Keras' rule, by hand: 4 decimals when |v| > 1e-3, else scientific with 4 decimals."""
    assert progress.format_value(value) == text


class Terminal(io.StringIO):
    """A stream that says it is a terminal."""

    def isatty(self):
        return True


def render(text: str) -> list[str]:
    """What a terminal shows: ``\\r`` returns to column 0 and later characters overwrite earlier ones."""
    lines, current, column = [], [], 0
    for char in text:
        if char == "\n":
            lines.append("".join(current))
            current, column = [], 0
        elif char == "\r":
            column = 0
        else:
            if column < len(current):
                current[column] = char
            else:
                current.append(char)
            column += 1
    if current:
        lines.append("".join(current))
    return lines


def test_a_shorter_redraw_leaves_no_stale_digits(monkeypatch):
    monkeypatch.setattr(progress, "REDRAW_SECONDS", 0.0)
    stream = Terminal()
    bar = progress.Progbar(3, verbose=1, stream=stream)
    bar.update(1, {"accuracy": 0.818889, "loss": 12345.678})
    bar.update(2, {"accuracy": 0.82})
    shown = render(stream.getvalue())
    assert len(shown) == 1 and shown[0].rstrip().endswith(" - accuracy: 0.8200")
    # without the padding, the first line's tail ("- loss: 12345.6780", "8189") would still show
    assert "12345" not in shown[0] and "8189" not in shown[0] and shown[0].startswith("2/3 [")


def test_final_line_keeps_small_values_readable():
    stream = io.StringIO()
    logger = progress.ProgbarLogger(verbose=2, stream=stream)
    logger.set_params({"epochs": 1, "steps": 4})
    logger.on_epoch_begin(0)
    logger.on_epoch_end(0, {"loss": 0.25, "learning_rate": 1e-5})
    out = stream.getvalue()
    assert "learning_rate: 1.0000e-05" in out and "loss: 0.2500" in out and "\r" not in out


def test_a_jupyter_kernel_stream_gets_live_redraws(monkeypatch):
    monkeypatch.setattr(progress, "REDRAW_SECONDS", 0.0)
    monkeypatch.setitem(sys.modules, "ipykernel", types.ModuleType("ipykernel"))
    kernel_stream = type("OutStream", (io.StringIO,), {"__module__": "ipykernel.iostream"})()
    assert progress.is_live(kernel_stream) and not progress.is_live(io.StringIO())
    bar = progress.Progbar(2, verbose=1, stream=kernel_stream)
    bar.update(1, {"loss": 1.0})
    bar.finish({"loss": 0.5})
    assert kernel_stream.getvalue().count("\r") == 2


def model_and_data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(70, 3)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.int64)
    model = keras.models.Sequential([keras.layers.Input((3,)), keras.layers.Dense(2, activation="softmax")])
    model.compile(loss="sparse_categorical_crossentropy", optimizer="sgd", metrics=["accuracy"])
    return model, x, y


def test_evaluate_shows_progress_then_the_results(capsys):
    model, x, y = model_and_data()
    loss, accuracy = model.evaluate(x, y, batch_size=32)
    out = capsys.readouterr().out
    assert out.startswith("3/3 [==============================] - ")
    assert f"loss: {progress.format_value(loss)} - accuracy: {progress.format_value(accuracy)}" in out
    model.evaluate(x, y, verbose=0)
    assert capsys.readouterr().out == ""


def test_predict_shows_progress_only_when_verbose(capsys):
    model, x, _ = model_and_data()
    model.predict(x)
    assert capsys.readouterr().out == ""
    model.predict(x, verbose=1)
    assert capsys.readouterr().out.startswith("3/3 [==============================] - ")
