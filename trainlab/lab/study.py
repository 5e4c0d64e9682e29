"""Studies as data: find a study TOML, validate it, apply ``--quick`` and overrides, hash it.

``load_study("optimizers")`` reads the packaged ``trainlab/lab/studies/optimizers.toml``;
a path to any ``.toml`` file works too, so users write their own studies.
"""
from __future__ import annotations

import hashlib
import json
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Iterable

from trainlab.lab import overrides, targets
from trainlab.lab.schema import RUN_SECTIONS, StudyError, Validator, suggest


#: ``--seeds auto``: start with 5 paired seeds and add 5 at a time, up to 15 (3 looks; see
#: :mod:`trainlab.lab.statistics` for what the looks cost in α).
AUTO_SEEDS = {"seeds": 5, "max_seeds": 15, "seed_step": 5}


def builtin_studies() -> dict[str, str]:
    """Names of the packaged studies -> their one-line descriptions."""
    folder = resources.files("trainlab.lab") / "studies"
    found = {}
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".toml"):
            spec = tomllib.loads(entry.read_text(encoding="utf-8"))
            found[entry.name[:-5]] = spec.get("study", {}).get("description", "")
    return found


def canonical_hash(data) -> str:
    """SHA-256 of the canonical JSON form of ``data`` (sorted keys), 16 hex digits."""
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), allow_nan=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


@dataclass
class Study:
    """A resolved study: every section with defaults, quick mode and overrides applied.

    ``invocation`` records how it was asked for (``quick``, the ``--set`` assignments and the
    shortcut options), for the report; it is not part of the hash, since ``spec`` already holds
    every effect of it. ``rates`` holds each arm's learning-rate range test suggestion once it
    ran (:data:`RANGE_TEST`).
    """

    spec: dict
    source: str
    invocation: dict = field(default_factory=dict)
    rates: dict = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.spec["study"]["name"]

    @property
    def hash(self) -> str:
        return canonical_hash(self.spec)

    @property
    def arm_names(self) -> list[str]:
        return [arm["name"] for arm in self.spec["arms"]]

    @property
    def baseline(self) -> str:
        return self.spec["study"]["baseline"]

    def arm(self, name: str) -> dict:
        for arm in self.spec["arms"]:
            if arm["name"] == name:
                return arm
        raise StudyError(f"Unknown arm {name!r} in study {self.name!r}; arms: {', '.join(self.arm_names)}.")

    def select_arms(self, names: Iterable[str]) -> "Study":
        """The same study restricted to ``names`` (the baseline is always kept)."""
        keep = {self.arm(name)["name"] for name in names} | {self.baseline}
        spec = dict(self.spec, arms=[arm for arm in self.spec["arms"] if arm["name"] in keep])
        return Study(spec, self.source, self.invocation, self.rates)

    def with_rates(self, rates: dict) -> "Study":
        """The same study with the range tests' suggested rates (``{arm: rate or None}``)."""
        return Study(self.spec, self.source, self.invocation, {**self.rates, **rates})

    def needs_range_test(self, arm_name: str) -> bool:
        """Whether a setting of the arm's runs is :data:`RANGE_TEST` (the range test picks it)."""
        return _holds_range_test(self._configured(arm_name, {})["training"])

    def ready(self, arm_name: str) -> bool:
        """Whether the arm can train: it needs no range test, or its range test gave a rate."""
        return not self.needs_range_test(arm_name) or self.rates.get(arm_name) is not None

    def run_config(self, arm_name: str, point: dict, placeholder=None) -> dict:
        """The config one run trains: base sections, then the arm's ``set``, then the grid point;
        a :data:`RANGE_TEST` value becomes the arm's range-test rate (``placeholder`` before the
        test ran: :data:`RANGE_TEST` to keep it, a number to build a model in a preflight)."""
        config = self._configured(arm_name, point)
        rate = self.rates.get(arm_name, placeholder)
        if _holds_range_test(config["training"]):
            if rate is None:
                raise StudyError(f"arm {arm_name!r} sets a value to {RANGE_TEST!r}, but its range test has not "
                                 f"given a rate (it did not run or did not finish ok).")
            config["training"] = _replace_range_test(config["training"], rate)
        return config

    def _configured(self, arm_name: str, point: dict) -> dict:
        config = json.loads(json.dumps({section: self.spec[section] for section in RUN_SECTIONS}))
        for path, value in {**self.arm(arm_name)["set"], **point}.items():
            try:
                overrides.apply(config, path, json.loads(json.dumps(value)), sections=RUN_SECTIONS)
            except StudyError as error:
                raise StudyError(f"arm {arm_name!r}: {error}") from None
        return config


#: A setting's value that the learning-rate range test fills in, per arm, from a run on the study's
#: own data (e.g. ``{name = "OneCycleScheduler", max_learning_rate = "range_test"}``).
RANGE_TEST = "range_test"
PREFLIGHT_RATE = 1e-3  # stands in for a range-test rate when the model is only built, not trained


def _holds_range_test(value) -> bool:
    if isinstance(value, dict):
        return any(_holds_range_test(item) for item in value.values())
    if isinstance(value, list):
        return any(_holds_range_test(item) for item in value)
    return value == RANGE_TEST


def _replace_range_test(value, rate):
    if isinstance(value, dict):
        return {key: _replace_range_test(item, rate) for key, item in value.items()}
    if isinstance(value, list):
        return [_replace_range_test(item, rate) for item in value]
    return rate if value == RANGE_TEST else value


def from_manifest(manifest: dict) -> Study:
    """The study stored in an output directory's manifest, with defaults filled in for any keys a
    newer trainlab added since the directory was written, so old results still report (an old
    manifest has no ``invocation``: the report then says it was not recorded)."""
    source = manifest["source"]
    filled = Validator(f"{source} (stored study)").study({**manifest["study"], "quick": {}})
    del filled["quick"]
    return Study(filled, source, manifest.get("invocation", {}))


def resolve_path(name_or_path: str) -> Path:
    """A packaged study name or a path to a ``.toml`` file."""
    path = Path(name_or_path)
    studies = builtin_studies()
    if path.is_file():
        return path
    if path.suffix == ".toml":
        raise StudyError(f"Study file {str(path)!r} does not exist.")
    # A built-in name wins over a same-named folder (say, an earlier run's output directory).
    if name_or_path not in studies:
        raise StudyError(f"Unknown study {name_or_path!r}. Built-in studies: {', '.join(studies)}; "
                         f"or pass the path of a study .toml file. `trainlab lab list` describes them.")
    return Path(str(resources.files("trainlab.lab") / "studies" / f"{name_or_path}.toml"))


def load_study(name_or_path: str, *, quick: bool = False, data: str | None = None, epochs: int | None = None,
               seeds: int | str | None = None, target: float | None = None, assignments: Iterable[str] = (),
               arms: Iterable[str] = ()) -> Study:
    """Read, validate and resolve a study.

    Args:
        name_or_path: a built-in study name (``trainlab lab list``) or a ``.toml`` path.
        quick: merge the study's ``[quick]`` table (tiny grid, few epochs) over it.
        data / epochs / target: shortcuts for ``data.name``, ``training.epochs``, ``target.value``
            (a study without a target value gets its dataset's, :mod:`trainlab.lab.targets`).
        seeds: ``protocol.seeds``, or ``"auto"`` for sequential seeds (:data:`AUTO_SEEDS`).
        assignments: ``"path=value"`` overrides, applied last (``--set``).
        arms: run only these arms (plus the baseline); empty means all.

    Raises:
        StudyError: unknown study, unknown keys or wrong types (with the line), bad override
            paths, unknown arms, a target or tuning metric that the runs do not record.
    """
    path = resolve_path(name_or_path)
    text = path.read_text(encoding="utf-8")
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise StudyError(f"{path}: not valid TOML: {error}") from None
    spec = Validator(str(path), text).study(raw)
    quick_sections = spec.pop("quick")
    if quick:
        for section, values in quick_sections.items():
            spec[section].update(values)
    shortcuts = {"data.name": data, "training.epochs": epochs, "target.value": target}
    if seeds == "auto":
        shortcuts.update({f"protocol.{key}": value for key, value in AUTO_SEEDS.items()})
    elif seeds is not None:
        shortcuts["protocol.seeds"] = seeds
    for key, value in shortcuts.items():
        if value is not None:
            overrides.apply(spec, key, value)
    for assignment in assignments:
        overrides.apply(spec, *overrides.parse_assignment(assignment))
    targets.resolve(spec)
    spec = Validator(f"{path} after --quick/--set").study({**spec, "quick": {}})
    del spec["quick"]
    arms = list(arms)
    invocation = {"quick": quick, "data": data, "epochs": epochs, "seeds": seeds, "target": target,
                  "set": list(assignments), "arms": arms}
    study = Study(spec, str(path), {key: value for key, value in invocation.items() if value not in (None, [])})
    if arms:
        study = study.select_arms(arms)
    check_metrics(study)
    check_report_sections(study)
    for arm in study.arm_names:
        study.run_config(arm, {}, placeholder=PREFLIGHT_RATE)
    return study


def recorded_metrics(training: dict) -> list[str]:
    """The per-epoch history keys a run records: losses and metrics, on training and validation."""
    names = ["loss", *training["metrics"]]
    return names + [f"val_{name}" for name in names]


def check_metrics(study: Study) -> None:
    recorded = recorded_metrics(study.spec["training"])
    for key, metric in (("target.metric", study.spec["target"]["metric"]),
                        ("tuning.metric", study.spec["tuning"]["metric"] or study.spec["target"]["metric"])):
        if metric not in recorded:
            raise StudyError(f"{key} {metric!r} is not recorded by this study's runs; {suggest(metric, recorded, 'metrics')} "
                             f"Add its base name to training.metrics or pick a recorded one.")
    tuning = study.spec["tuning"]["metric"] or study.spec["target"]["metric"]
    if not tuning.startswith("val_"):
        raise StudyError(f"tuning.metric {tuning!r} must be a validation metric (val_...): the protocol tunes on "
                         f"the validation split only.")


def check_report_sections(study: Study) -> None:
    from trainlab.lab.extras import load_sections

    sections = load_sections()
    for name in study.spec["study"]["report"]:
        if name not in sections:
            raise StudyError(f"study.report names an unknown section {name!r}; "
                             f"{suggest(name, sections, 'sections')}")
