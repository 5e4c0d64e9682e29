"""The study schema: which keys a study TOML may hold, their types and defaults.

A study has fixed sections (``study``, ``data``, ``model``, ``training``, ``target``,
``tuning``, ``protocol``), an array of ``arms`` and an optional ``quick`` table holding partial
sections that ``--quick`` merges over the study. :func:`validate` checks a parsed study strictly
(unknown keys and wrong types are errors naming the key and, when the TOML text is given, its
line) and returns it with every default filled in.

Component values (an optimizer, a schedule, a regularizer, a callback) are tables with a
``name`` plus the component's own constructor arguments; those arguments are checked when the
lab builds the model before any run starts, because only the component knows them.
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Any

REQUIRED = object()


class StudyError(ValueError):
    """A study file, an override or a command-line option that cannot be used as given."""


@dataclass(frozen=True)
class Field:
    """One key of a section: ``kind`` names the accepted type, ``default`` fills it when absent.

    Kinds: ``int``, ``float``, ``bool``, ``str``, ``float_map`` (name → number), ``int_list``,
    ``class_list`` (distinct ints >= 0),
    ``str_list``, ``component`` (a table with ``name``, or ``{}`` for none), ``component_list``,
    ``initializer`` (a name or a component), ``mapping`` (any table: path → value), ``grid``
    (path → list or range).
    """

    kind: str
    default: Any = REQUIRED
    choices: tuple = ()
    minimum: float | None = None


SECTIONS: dict[str, dict[str, Field]] = {
    "study": {
        "name": Field("str"),
        "description": Field("str", ""),
        "factor": Field("str", "arm"),
        "baseline": Field("str"),
        "report": Field("str_list", []),
    },
    "data": {
        "name": Field("str", "digits"),
        "validation_fraction": Field("float", 0.1, minimum=0.01),
        "split_seed": Field("int", 0, minimum=0),
        "train_size": Field("int", 0, minimum=0),
        "classes": Field("class_list", []),
        "standardize": Field("bool", False),
    },
    "model": {
        "hidden": Field("int_list", [100, 100]),
        "activation": Field("str", "relu"),
        "initializer": Field("initializer", "he_normal"),
        "batchnorm": Field("str", "none", choices=("none", "before", "after")),
        # Keras' defaults; Deep Learning from Scratch uses momentum 0.9 and ε 1e-6 (batchnorm study)
        "batchnorm_momentum": Field("float", 0.99, minimum=0.0),
        "batchnorm_epsilon": Field("float", 0.001, minimum=0.0),
        "dropout": Field("float", 0.0, minimum=0.0),
        "alpha_dropout": Field("float", 0.0, minimum=0.0),
        "kernel_regularizer": Field("component", {}),
        "max_norm": Field("float", 0.0, minimum=0.0),
    },
    "training": {
        "epochs": Field("int", 10, minimum=1),
        "batch_size": Field("int", 32, minimum=1),
        "loss": Field("str", "sparse_categorical_crossentropy"),
        "metrics": Field("str_list", ["accuracy"]),
        "optimizer": Field("component", {"name": "sgd"}),
        "schedule": Field("component", {}),
        "callbacks": Field("component_list", []),
    },
    "target": {
        "metric": Field("str", "val_accuracy"),
        # None: values[dataset], else the lab's default for the dataset (trainlab.lab.targets)
        "value": Field("float", None),
        "values": Field("float_map", {}),
        "mode": Field("str", "auto", choices=("auto", "max", "min")),
    },
    "tuning": {
        "metric": Field("str", ""),
        "grid": Field("grid"),
        "mode": Field("str", "grid", choices=("grid", "random")),
        "samples": Field("int", 10, minimum=1),
        "seed": Field("int", 0, minimum=0),
    },
    "protocol": {
        "tune_seed": Field("int", 0, minimum=0),
        "seeds": Field("int", 5, minimum=3),
        # Sequential seeds (``--seeds auto``): up to max_seeds, seed_step at a time; 0 = a fixed number.
        "max_seeds": Field("int", 0, minimum=0),
        "seed_step": Field("int", 5, minimum=1),
    },
    # The learning-rate range test of trainlab.lr_finder, run on the tuning seed for every arm that
    # writes "range_test" as a setting's value (e.g. 1cycle's max_learning_rate).
    "range_test": {
        "min_lr": Field("float", 1e-5, minimum=1e-12),
        "max_lr": Field("float", 10.0, minimum=1e-12),
        "steps": Field("int", 0, minimum=0),
        "smoothing": Field("float", 0.98, minimum=0.0),
        "divergence_factor": Field("float", 4.0, minimum=1.0),
        "rule": Field("str", "minimum", choices=("minimum", "steepest")),
    },
    "evaluation": {
        "mc_samples": Field("int_list", []),
        "sparsity": Field("bool", False),
    },
    "pretrain": {
        "classes": Field("class_list", []),
        "epochs": Field("int", 0, minimum=0),
        "frozen_epochs": Field("int", 0, minimum=0),
        "optimizer": Field("component", {}),
    },
}
ARM: dict[str, Field] = {
    "name": Field("str"),
    "label": Field("str", ""),
    "claim": Field("str", ""),  # what the notes claim about this arm, shown beside the measurements
    "set": Field("mapping", {}),
}
RUN_SECTIONS = ("data", "model", "training", "evaluation", "pretrain")
TOP_LEVEL = (*SECTIONS, "arms", "quick")
_ARM_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


def find_line(text: str | None, key: str) -> int | None:
    """The first line of ``text`` that assigns ``key`` or opens a table named ``key``."""
    if not text:
        return None
    escaped = re.escape(key)
    pattern = re.compile(rf'(^|[\s{{,.\[])"?{escaped}"?\s*(=|\]|\.)')
    for number, line in enumerate(text.splitlines(), start=1):
        if pattern.search(line.split("#", 1)[0]):
            return number
    return None


def suggest(key: str, valid, noun: str = "keys") -> str:
    """``"did you mean 'hidden'? "`` (if a valid key is close) plus the list of valid keys."""
    valid = sorted(valid)
    close = difflib.get_close_matches(key, valid, n=1)
    hint = f"did you mean {close[0]!r}? " if close else ""
    return f"{hint}Valid {noun}: {', '.join(valid)}."


class Validator:
    """Checks one parsed study; ``source`` and ``text`` locate errors for the user."""

    def __init__(self, source: str, text: str | None = None):
        self.source = source
        self.text = text

    def fail(self, key: str, message: str) -> StudyError:
        line = find_line(self.text, key.rsplit(".", 1)[-1])
        where = f"{self.source}, line {line}" if line else self.source
        return StudyError(f"{where}: {message}")

    def study(self, raw: dict) -> dict:
        """The whole study with defaults filled; ``quick`` is kept validated but unmerged."""
        from trainlab.lab.overrides import check_plain, unusable

        self.unknown(raw, TOP_LEVEL, "the top level")
        for key, value in raw.items():
            hit = unusable(key, value)
            if hit is not None:
                try:
                    check_plain(key, value)
                except StudyError as error:
                    raise self.fail(hit[0], str(error)) from None
        result = {name: self.section(name, raw.get(name, {}), fields)
                  for name, fields in SECTIONS.items()}
        result["arms"] = self.arms(raw.get("arms"))
        result["quick"] = self.quick(raw.get("quick", {}))
        self.consistency(result)
        return result

    def unknown(self, table: dict, valid, where: str) -> None:
        for key in table:
            if key not in valid:
                raise self.fail(key, f"unknown key {key!r} in {where}; {suggest(key, valid)}")

    def section(self, name: str, table: Any, fields: dict[str, Field], partial: bool = False) -> dict:
        if not isinstance(table, dict):
            raise self.fail(name, f"[{name}] must be a table; got {table!r}")
        self.unknown(table, fields, f"[{name}]")
        result = {}
        for key, field in fields.items():
            if key in table:
                result[key] = self.value(f"{name}.{key}", table[key], field)
            elif not partial:
                if field.default is REQUIRED:
                    raise self.fail(name, f"[{name}] needs the key {key!r} ({field.kind}).")
                result[key] = _copy(field.default)
        return result

    def arms(self, arms: Any) -> list[dict]:
        if not isinstance(arms, list) or not arms:
            raise self.fail("arms", "a study needs at least one [[arms]] table, each with a name.")
        result = []
        for arm in arms:
            checked = self.section("arms", arm, ARM)
            if not _ARM_NAME.match(checked["name"]):
                raise self.fail(checked["name"], f"arm name {checked['name']!r} must be lowercase letters, "
                                                 f"digits, '-' or '_' (it names files).")
            checked["label"] = checked["label"] or checked["name"]
            result.append(checked)
        names = [arm["name"] for arm in result]
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise self.fail(duplicates[0], f"arm names must be unique; repeated: {', '.join(duplicates)}.")
        return result

    def quick(self, quick: Any) -> dict:
        if not isinstance(quick, dict):
            raise self.fail("quick", f"[quick] must be a table of partial sections; got {quick!r}")
        self.unknown(quick, SECTIONS, "[quick]")
        return {name: self.section(name, table, SECTIONS[name], partial=True) for name, table in quick.items()}

    def consistency(self, study: dict) -> None:
        protocol = study["protocol"]
        if protocol["max_seeds"] and protocol["max_seeds"] <= protocol["seeds"]:
            raise self.fail("max_seeds", f"protocol.max_seeds ({protocol['max_seeds']}) must exceed protocol.seeds "
                                         f"({protocol['seeds']}) for sequential seeds, or be 0 for a fixed number.")
        names = [arm["name"] for arm in study["arms"]]
        if study["study"]["baseline"] not in names:
            raise self.fail("baseline", f"baseline {study['study']['baseline']!r} is not an arm; "
                                        f"arms: {', '.join(names)}.")

    def value(self, key: str, value: Any, field: Field) -> Any:
        checked = getattr(self, f"_{field.kind}")(key, value)
        if field.choices and checked not in field.choices:
            raise self.fail(key, f"{key} must be one of {', '.join(map(repr, field.choices))}; got {value!r}.")
        if field.minimum is not None and checked < field.minimum:
            raise self.fail(key, f"{key} must be >= {field.minimum}; got {value!r}.")
        return checked

    def _type_error(self, key: str, expected: str, value: Any) -> StudyError:
        return self.fail(key, f"{key} must be {expected}; got {value!r} ({type(value).__name__}).")

    def _int(self, key, value):
        if isinstance(value, bool) or not isinstance(value, int):
            raise self._type_error(key, "an integer", value)
        return value

    def _float(self, key, value):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self._type_error(key, "a number", value)
        return float(value)

    def _bool(self, key, value):
        if not isinstance(value, bool):
            raise self._type_error(key, "true or false", value)
        return value

    def _class_list(self, key, value):
        if not isinstance(value, list):
            raise self._type_error(key, "a list of class labels (integers >= 0)", value)
        labels = [self.value(key, item, Field("int", minimum=0)) for item in value]
        if len(set(labels)) != len(labels):
            raise self.fail(key, f"{key} must not repeat a class; got {value!r}.")
        return labels

    def _float_map(self, key, value):
        value = self._mapping(key, value)
        return {name: self._float(f"{key}.{name}", item) for name, item in value.items()}

    def _str(self, key, value):
        if not isinstance(value, str):
            raise self._type_error(key, "a string", value)
        return value

    def _int_list(self, key, value):
        if not isinstance(value, list):
            raise self._type_error(key, "a list of integers", value)
        return [self.value(key, item, Field("int", minimum=1)) for item in value]

    def _str_list(self, key, value):
        if not isinstance(value, list):
            raise self._type_error(key, "a list of strings", value)
        return [self._str(key, item) for item in value]

    def _mapping(self, key, value):
        if not isinstance(value, dict):
            raise self._type_error(key, "a table", value)
        return _copy(value)

    def _component(self, key, value):
        value = self._mapping(key, value)
        if value and not isinstance(value.get("name"), str):
            raise self.fail(key, f"{key} must be {{}} (none) or a table with a string 'name' and the "
                                 f"component's arguments; got {value!r}.")
        return value

    def _component_list(self, key, value):
        if not isinstance(value, list):
            raise self._type_error(key, "a list of tables, each with a 'name'", value)
        return [self._component(key, item) for item in value]

    def _initializer(self, key, value):
        return value if isinstance(value, str) else self._component(key, value)

    def _grid(self, key, value):
        value = self._mapping(key, value)
        if not value:
            raise self.fail(key, f"{key} needs at least one dimension, e.g. "
                                 f'"training.optimizer.learning_rate" = {{min = 1e-3, max = 1.0, points = 5}}.')
        for path, spec in value.items():
            if isinstance(spec, list) and spec:
                continue
            if not isinstance(spec, dict) or set(spec) - {"min", "max", "points", "scale"} \
                    or not {"min", "max", "points"} <= set(spec):
                raise self.fail(path, f"grid dimension {path!r} must be a non-empty list of values or "
                                      f"{{min, max, points, scale = \"log\" | \"linear\"}}; got {spec!r}.")
            self.value(path, spec["points"], Field("int", minimum=1))
            self.value(path, spec.get("scale", "log"), Field("str", choices=("log", "linear")))
            low, high = (self._float(path, spec[end]) for end in ("min", "max"))
            if not 0 < low <= high and spec.get("scale", "log") == "log":
                raise self.fail(path, f"a log grid needs 0 < min <= max; got min={low}, max={high}.")
        return value


def _copy(value: Any) -> Any:
    """A deep copy of plain TOML data (tables, lists, scalars)."""
    if isinstance(value, dict):
        return {key: _copy(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_copy(item) for item in value]
    return value
