"""The target a study's speed is measured against, per dataset.

Time to target only means something if the target is reachable and not trivial, and that depends
on the data: 0.95 validation accuracy is a fair bar on digits, and out of reach for a small
network on Fashion-MNIST in 10 epochs. So ``target.value`` may be left out: the study's own
``target.values`` table (``{digits = 0.9, fashion-mnist = 0.8}``) gives it for the dataset at
hand, else :data:`DEFAULTS` does (validation accuracy only). An explicit ``target.value`` (or
``--target``) always wins. The resolved value is stored in the study, so every report shows it.
"""
from __future__ import annotations

from trainlab.lab.schema import StudyError

#: Default validation-accuracy targets: reachable by the lab's small dense networks within their
#: usual 10 epochs on that dataset, yet far enough from the start to separate fast from slow arms.
DEFAULTS = {"digits": 0.95, "mnist": 0.97, "fashion-mnist": 0.85, "cifar10": 0.45}
ALIASES = {"fashion_mnist": "fashion-mnist", "cifar-10": "cifar10"}
HELP = ("target value of target.metric for speed (sets target.value; default: the study's value for the "
        "dataset, else " + ", ".join(f"{name} {value}" for name, value in DEFAULTS.items())
        + " for val_accuracy)")


def dataset_key(name: str) -> str:
    # A synthetic stand-in ("synthetic-cifar10", --synthetic) uses its dataset's target.
    key = name.lower().removeprefix("synthetic-")
    return ALIASES.get(key, key)


def resolve(spec: dict) -> None:
    """Fill ``spec["target"]["value"]`` in place when it was left out (see the module docstring).

    Raises:
        StudyError: no value given, none for this dataset in ``target.values`` and no default for
            this dataset and metric.
    """
    target = spec["target"]
    if target["value"] is not None:
        return
    dataset = dataset_key(spec["data"]["name"])
    values = {dataset_key(name): value for name, value in target["values"].items()}
    if dataset in values:
        target["value"] = values[dataset]
    elif target["metric"] == "val_accuracy" and dataset in DEFAULTS:
        target["value"] = DEFAULTS[dataset]
    else:
        raise StudyError(f"target.value is not set and there is no target for dataset {spec['data']['name']!r} and "
                         f"metric {target['metric']!r}: pass --target VALUE (or --set target.value=VALUE), or add "
                         f"{spec['data']['name']} = VALUE to the study's target.values.")
