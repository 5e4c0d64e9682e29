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

STAR_RULE = ("Stars come from the verdicts against the baseline ({baseline}), never from ranks of means: ★★★ "
             "better (quality) or faster (speed), ★★ not distinguishable at the n shown, ★ worse or slower; the "
             "baseline is ★★ by definition. Quality compares the paired test {metric}, speed the paired steps to "
             "the target (Holm-corrected paired t-tests, see the protocol). Ranks order the arms by their means "
             "(1 = best; ties share a rank; an arm that never reached the target ranks last) and are shown for "
             "orientation only: neighbouring ranks are often not distinguishable.")


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


def verdict_stars(comparison) -> str:
    """★★★ / ★★ / ★ for a good / undecided / bad verdict; ★★ for the baseline (None)."""
    if comparison is None or not comparison.significant:
        return "★★" if comparison is None or comparison.p is not None else "—"
    good = comparison.verdict in ("better", "faster")
    return "★★★" if good else "★"


@register("star_table")
def star_table(summary: dict, rows: list[dict]) -> list[tuple]:
    """The notes' optimizer star table (speed, quality), rebuilt from the verdicts."""
    from trainlab.lab.statistics import mean_std
    from trainlab.lab.tables import number, spread

    base, arms = summary["base"], summary["arms"]
    never = [not any(e is not None for e in arm.per_seed["epochs_to_target"]) for arm in arms]
    # ranked on every seed, one that never reached counted at the budget; an arm that never did is last
    speed_ranks = ranks([None if missed else mean_std(arm.per_seed["speed"])[0]
                         for arm, missed in zip(arms, never)], "min")
    quality_ranks = ranks([row[f"test_{base}_mean"] for row in rows], summary["goal"])
    table = []
    for arm, row, missed, s_rank, q_rank in zip(arms, rows, never, speed_ranks, quality_ranks):
        speed = "—" if not summary["reached_any"] else verdict_stars(summary["speed"].get(arm.name))
        table.append([arm.label, "never reached" if missed else number(row["epochs_to_target_mean"], 2),
                      "—" if not summary["reached_any"] else str(s_rank), speed,
                      spread(arm.per_seed[f"test_{base}"]), str(q_rank),
                      verdict_stars(summary["quality"].get(arm.name)),
                      arm.claim or "—"])
    blocks = [("h2", "Star table (speed, quality), measured"),
              ("p", STAR_RULE.format(metric=base, baseline=summary["baseline"]))]
    if not summary["reached_any"]:
        blocks.append(("p", "No arm reached the target on any seed: no speed stars."))
    return blocks + [("table", ["arm", "epochs to target", "speed rank", "speed", f"test {base}", "quality rank",
                                "quality", "the notes say"], table)]
