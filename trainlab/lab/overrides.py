"""Dotted-path overrides: ``--set training.epochs=3`` and the ``set`` table of an arm.

A path names ``section.key`` of the schema, one level deeper inside a component table
(``training.optimizer.momentum``: a constructor argument), or a grid dimension
(``tuning.grid.training.optimizer.learning_rate.points``: grid keys are themselves dotted paths,
matched longest first). Values given on the command line are TOML literals; a bare word that is
not valid TOML is taken as a string, so ``--set model.activation=tanh`` works unquoted.
"""
from __future__ import annotations

import datetime
import math
import tomllib
from typing import Any

from trainlab.lab.schema import SECTIONS, StudyError, suggest

_GRID_SPEC_KEYS = ("min", "max", "points", "scale")


def parse_assignment(text: str) -> tuple[str, Any]:
    """``"a.b=value"`` -> ``("a.b", parsed value)``."""
    path, sep, literal = text.partition("=")
    path = path.strip()
    if not sep or not path:
        raise StudyError(f"--set expects PATH=VALUE, e.g. --set training.epochs=3; got {text!r}.")
    return path, parse_value(literal.strip())


def parse_value(literal: str) -> Any:
    """A TOML literal (``3``, ``1e-3``, ``[64, 32]``, ``{name = "l2", l2 = 1e-4}``) or a bare string."""
    try:
        return tomllib.loads(f"value = {literal}")["value"]
    except tomllib.TOMLDecodeError:
        return literal


def unusable(path: str, value: Any) -> tuple[str, Any] | None:
    """The first ``(path, item)`` inside ``value`` that a record cannot store: NaN or an infinity
    (strict JSON has no such numbers, and no setting is meaningful at NaN) or a TOML date/time."""
    if isinstance(value, dict):
        found = (unusable(f"{path}.{key}", item) for key, item in value.items())
    elif isinstance(value, list):
        found = (unusable(path, item) for item in value)
    else:
        not_finite = isinstance(value, float) and not math.isfinite(value)
        return (path, value) if not_finite or isinstance(value, (datetime.date, datetime.time)) else None
    return next((hit for hit in found if hit is not None), None)


def check_plain(path: str, value: Any) -> None:
    """Refuse a value holding NaN, an infinity or a date/time (see :func:`unusable`).

    Raises:
        StudyError: naming the key, the offending value and what to write instead.
    """
    hit = unusable(path, value)
    if hit is None:
        return
    where, item = hit
    if isinstance(item, float):
        raise StudyError(f"{where} = {item!r} is not a usable value: every setting must be a finite number "
                         f"(NaN and infinities cannot be stored in the records, and no run can train with them); "
                         f"give a finite value, e.g. --set {where}=0.01.")
    raise StudyError(f"{where} = {item.isoformat()} was read as a TOML date/time, which a setting cannot hold; "
                     f"quote it to pass a string, e.g. --set '{where}=\"{item.isoformat()}\"'.")


def apply(spec: dict, path: str, value: Any, sections=tuple(SECTIONS)) -> None:
    """Set ``path`` in ``spec`` (a resolved study or run config) in place.

    Raises:
        StudyError: the path does not exist (the message lists the valid keys nearby), or the
            value is not finite or not JSON data (:func:`check_plain`).
    """
    check_plain(path, value)
    parts = path.split(".")
    head = parts[0]
    if head not in sections:
        raise StudyError(f"--set/arm path {path!r}: unknown section {head!r}; {suggest(head, sections)}")
    if len(parts) == 1:
        raise StudyError(f"path {path!r} names a whole section; set one key, e.g. {head}.{next(iter(SECTIONS[head]))}.")
    fields = SECTIONS[head]
    key, rest = parts[1], parts[2:]
    if key not in fields:
        raise StudyError(f"path {path!r}: unknown key {key!r} in [{head}]; {suggest(key, fields)}")
    if not rest:
        spec[head][key] = value
        return
    kind = fields[key].kind
    container = spec[head][key]
    if kind == "grid":
        _apply_grid(container, path, rest, value)
    elif kind in ("component", "mapping") or (kind == "initializer" and isinstance(container, dict)):
        if len(rest) > 1:
            raise StudyError(f"path {path!r}: {head}.{key} takes one more level (an argument name); "
                             f"set a table value instead, e.g. {head}.{key}.{rest[0]}={{...}}.")
        container[rest[0]] = value
    else:
        raise StudyError(f"path {path!r}: {head}.{key} is a {kind} value without sub-keys; "
                         f"set {head}.{key}=VALUE instead.")


def _apply_grid(grid: dict, path: str, rest: list[str], value: Any) -> None:
    for cut in range(len(rest), 0, -1):
        dimension = ".".join(rest[:cut])
        if dimension in grid:
            tail = rest[cut:]
            break
    else:
        raise StudyError(f"path {path!r}: no grid dimension {'.'.join(rest)!r}; grid dimensions: "
                         f"{', '.join(sorted(grid))}. Replace the grid with --set 'tuning.grid={{...}}'.")
    if not tail:
        grid[dimension] = value
        return
    spec = grid[dimension]
    if len(tail) != 1 or tail[0] not in _GRID_SPEC_KEYS or not isinstance(spec, dict):
        valid = ", ".join(f"tuning.grid.{dimension}.{k}" for k in _GRID_SPEC_KEYS) if isinstance(spec, dict) \
            else f"tuning.grid.{dimension}"
        raise StudyError(f"path {path!r}: grid dimension {dimension!r} has no {'.'.join(tail)!r}; valid: {valid}.")
    spec[tail[0]] = value
