"""Study-specific report sections, named by a study's ``study.report`` list.

A section is a function ``(summary, rows) -> list of blocks`` (the block types of
:mod:`trainlab.lab.report`; a figure is ``figure_block(stem, caption, png)``), computed from the
records alone: ``summary["arms"][i].runs`` are an arm's ok final records, whose ``callbacks``
hold the data of the study's recording callbacks (:func:`callback_runs`). Sections register with
``@register("name")`` in a module of the package :mod:`trainlab.lab.sections` (one module per
study family); :func:`load_sections` imports them all, and a study naming an unknown section is
refused when it is loaded.
"""
from __future__ import annotations

import importlib
import pkgutil
from typing import Callable

STAR_RULE = ("Stars from ranks among the n arms (rank 1 = best): ★★★ for the top third, ★★ for the middle "
             "third, ★ for the bottom third, i.e. stars = 3 − ⌊3·(rank − 1)/n⌋. Speed ranks the mean "
             "seconds to the target (arms that never reached it share the last rank); quality ranks the mean "
             "final test {metric}.")


SECTIONS: dict[str, Callable] = {}


def register(name: str):
    """Decorator: make a section function available to ``study.report`` as ``name``."""
    def decorate(function: Callable) -> Callable:
        if name in SECTIONS and SECTIONS[name] is not function:
            raise ValueError(f"report section {name!r} is registered twice")
        SECTIONS[name] = function
        return function
    return decorate


def load_sections() -> dict[str, Callable]:
    """Every registered section, after importing each module of :mod:`trainlab.lab.sections`."""
    from trainlab.lab import sections

    for module in pkgutil.iter_modules(sections.__path__):
        importlib.import_module(f"{sections.__name__}.{module.name}")
    return SECTIONS


def figure_block(stem: str, caption: str, png: bytes | None) -> list[tuple]:
    """A heading and a figure (saved as ``figures/<stem>.png``, embedded in the html); [] without a PNG."""
    return [] if png is None else [("h2", caption), ("figure", stem, caption, png)]


def callback_runs(arm, name: str) -> list[dict]:
    """The ``to_dict()`` data callback ``name`` left in each of ``arm``'s ok final runs (seed order)."""
    return [run["callbacks"][name] for run in arm.runs if name in run.get("callbacks", {})]


def ranks(values: list, goal: str) -> list[int]:
    """Competition ranks (1 = best; ties share a rank); None values share the last rank."""
    known = [v for v in values if v is not None]

    def rank(value) -> int:
        if value is None:
            return len(known) + 1
        return 1 + sum(1 for v in known if (v > value if goal == "max" else v < value))

    return [rank(value) for value in values]


def stars(rank: int, count: int) -> str:
    return "★" * (3 - (3 * (rank - 1)) // count)


@register("star_table")
def star_table(summary: dict, rows: list[dict]) -> list[tuple]:
    """The notes' optimizer star table (speed, quality), rebuilt from the measurements."""
    base = summary["base"]
    speed = [row["seconds_to_target_mean"] for row in rows]
    quality = [row[f"test_{base}_mean"] for row in rows]
    speed_ranks, quality_ranks = ranks(speed, "min"), ranks(quality, summary["goal"])
    count = len(rows)
    table = []
    for row, arm, s_rank, q_rank in zip(rows, summary["arms"], speed_ranks, quality_ranks):
        table.append([row["label"], _seconds(row["seconds_to_target_mean"]), str(s_rank), stars(s_rank, count),
                      _value(row[f"test_{base}_mean"]), str(q_rank), stars(q_rank, count), arm.claim or "—"])
    return [
        ("h2", "Star table (speed, quality), measured"),
        ("p", STAR_RULE.format(metric=base)),
        ("table", ["arm", "seconds to target", "speed rank", "speed", f"test {base}", "quality rank", "quality",
                   "the notes say"], table),
    ]


def _seconds(value) -> str:
    return "not reached" if value is None else f"{value:.2f}"


def _value(value) -> str:
    return "—" if value is None else f"{value:.4f}"
