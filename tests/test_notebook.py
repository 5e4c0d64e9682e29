"""Inline display in Jupyter: History as a table, a lab report in a sandboxed frame."""
from __future__ import annotations

import html

import numpy as np
import pytest

import trainlab as keras
from trainlab import notebook


def test_history_displays_as_a_table_with_the_best_epoch_in_bold():
    x = np.random.default_rng(0).normal(size=(40, 3)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.int64)
    model = keras.models.Sequential([keras.layers.Input((3,)), keras.layers.Dense(2, activation="softmax")])
    model.compile(loss="sparse_categorical_crossentropy", optimizer="sgd", metrics=["accuracy"])
    history = model.fit(x, y, epochs=3, validation_data=(x, y), verbose=0)
    table = history._repr_html_()
    assert table.count("<tr") == 4  # the header and 3 epochs
    assert "<th>loss</th><th>accuracy</th><th>val_loss</th><th>val_accuracy</th>" in table
    best = int(np.argmin(history.history["val_loss"]))
    rows = table.split("<tbody>")[1].split("</tr>")
    assert rows[best].startswith('<tr style="font-weight:bold"><td>' + str(best + 1) + "</td>")
    assert f"<td>{history.history['loss'][0]:.4f}</td>" in rows[0]


def test_history_html_formats_like_keras_and_handles_gaps():
    table = notebook.history_html({"loss": [0.5, None], "learning_rate": [1e-5, 1e-5]})
    assert "<td>1.0000e-05</td>" in table and "<td></td>" in table and "(bold: lowest loss)" in table
    assert notebook.history_html({}) == "<p>History: no epoch recorded yet.</p>"


def test_report_is_shown_in_a_sandboxed_frame(tmp_path):
    (tmp_path / "report.html").write_text('<html><body><h1>Study "x" & co</h1></body></html>')
    shown = notebook.show_report(tmp_path)._repr_html_()
    assert shown.startswith('<iframe srcdoc="') and 'sandbox=""' in shown
    assert html.escape('<h1>Study "x" & co</h1>', quote=True) in shown
    assert "<h1>" not in shown.split("</iframe>")[0]  # escaped, so the notebook never parses it directly


def test_a_folder_without_a_report_says_how_to_make_one(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"report.html does not exist: run `trainlab lab run STUDY`"):
        notebook.show_report(tmp_path)
