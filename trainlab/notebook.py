"""Inline display in Jupyter: a ``History`` as a table, a lab report as the report itself.

Jupyter shows any object that has a ``_repr_html_`` method as that HTML:

* ``history = model.fit(...)`` then ``history`` as the last line of a cell shows one row per epoch
  and one column per metric (numbers in Keras' format, the best epoch of ``val_loss``, or
  ``loss`` without validation, in bold);
* ``trainlab.notebook.show_report("lab-results/optimizers-digits")`` shows that study's
  ``report.html`` inline, in a sandboxed frame, so its styles cannot leak into the notebook.

Nothing here imports IPython: the objects only carry the HTML, so this module costs nothing
outside a notebook.
"""
from __future__ import annotations

import html
from pathlib import Path

from trainlab.callbacks.progress import format_value


def history_html(history: dict[str, list], epochs: list[int] | None = None) -> str:
    """An HTML table of per-epoch values: ``{"loss": [...], "val_loss": [...]}`` → rows of epochs."""
    if not history:
        return "<p>History: no epoch recorded yet.</p>"
    keys = list(history)
    count = max(len(values) for values in history.values())
    epochs = list(epochs) if epochs and len(epochs) == count else list(range(count))
    monitor = "val_loss" if "val_loss" in history else "loss" if "loss" in history else None
    best = None
    if monitor:
        finite = [(value, i) for i, value in enumerate(history[monitor]) if value is not None and value == value]
        best = min(finite)[1] if finite else None
    header = "".join(f"<th>{html.escape(key)}</th>" for key in keys)
    rows = []
    for i in range(count):
        cells = "".join(
            f"<td>{format_value(history[key][i]) if i < len(history[key]) and history[key][i] is not None else ''}</td>"
            for key in keys)
        style = ' style="font-weight:bold"' if i == best else ""
        rows.append(f"<tr{style}><td>{epochs[i] + 1}</td>{cells}</tr>")
    caption = f"<caption>History: {count} epoch{'s' if count != 1 else ''}"
    caption += f" (bold: lowest {monitor})</caption>" if best is not None else "</caption>"
    return f"<table>{caption}<thead><tr><th>epoch</th>{header}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


class Report:
    """A lab report to display inline; ``path`` is its ``report.html``."""

    def __init__(self, directory):
        self.path = Path(directory) / "report.html"
        if not self.path.is_file():
            raise FileNotFoundError(f"{self.path} does not exist: run `trainlab lab run STUDY` (or `trainlab lab "
                                    f"report {directory}` on a folder of records) first")

    def _repr_html_(self) -> str:
        document = self.path.read_text(encoding="utf-8")
        return (f'<iframe srcdoc="{html.escape(document, quote=True)}" sandbox="" '
                f'style="width:100%;height:640px;border:1px solid #ccc"></iframe>'
                f'<p><a href="{html.escape(str(self.path))}">{html.escape(str(self.path))}</a></p>')

    def __repr__(self) -> str:
        return f"Report({str(self.path)!r})"


def show_report(directory) -> Report:
    """The report of the study written into ``directory``, displayed inline when it is a cell's
    last expression (or passed to ``IPython.display.display``).

    Raises:
        FileNotFoundError: ``directory`` holds no ``report.html``; the message says how to make one.
    """
    return Report(directory)
