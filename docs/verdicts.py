"""Print one Markdown verdict table per study output directory, for docs/REPRODUCTION.md.

    python3 docs/verdicts.py runs/fashion-mnist/*

Every number comes from the directory's results.csv (written by ``trainlab lab report``): per arm
the seeds paired with the baseline (n), the test value, the paired difference with its
Holm-consistent t interval and level, the verdict, and the speed verdict on steps to target.
"""
from __future__ import annotations

import csv
import json
import sys
from pathlib import Path


def number(text: str, digits: int = 4, signed: bool = False) -> str:
    if not text:
        return "—"
    return f"{float(text):+.{digits}f}" if signed else f"{float(text):.{digits}f}"


def invocation(manifest: dict) -> str:
    given = manifest.get("invocation")
    if given is None:
        return "not recorded"
    options = [f"--{key} {given[key]}" for key in ("data", "epochs", "seeds", "target") if key in given]
    options += ["--quick"] if given.get("quick") else []
    options += [f"--set '{assignment}'" for assignment in given.get("set", [])]
    return " ".join(options) or "none"


def table(folder: Path) -> str:
    manifest = json.loads((folder / "study.json").read_text(encoding="utf-8"))
    study = manifest["study"]
    rows = list(csv.DictReader((folder / "results.csv").open(encoding="utf-8")))
    base = next(key for key in rows[0] if key.startswith("diff_test_") and key.endswith("_verdict"))[10:-8]
    speed = next(key for key in rows[0] if key.startswith("diff_") and key.endswith("_to_target_verdict"))[:-8]
    lines = [f"### {manifest['name']}: test {base} and speed against {study['study']['baseline']}", "",
             f"Target {study['target']['metric']} {study['target']['value']}; "
             f"{study['training']['epochs']} epochs; options: {invocation(manifest)}.", "",
             f"| arm | n | test {base} | Δ vs baseline | interval (level) | verdict | reached | epochs to target "
             f"| speed verdict |", "|---|---|---|---|---|---|---|---|---|"]
    for row in rows:
        prefix = f"diff_test_{base}"
        interval = "—" if not row[f"{prefix}_low"] else (
            f"[{number(row[f'{prefix}_low'], signed=True)}, {number(row[f'{prefix}_high'], signed=True)}] "
            f"({100 * float(row[f'{prefix}_confidence']):.4g} %)")
        test = f"{number(row[f'test_{base}_mean'])} ± {number(row[f'test_{base}_std'])}"
        epochs = number(row["epochs_to_target_mean"], 2)
        lines.append(f"| {row['label']} | {row[f'{prefix}_n'] or row['seeds_ok']} | {test} | "
                     f"{number(row[f'{prefix}_mean'], signed=True)} | {interval} | {row[f'{prefix}_verdict']} | "
                     f"{row['reached']} | {epochs} | {row[f'{speed}_verdict']} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    for argument in sys.argv[1:]:
        if (Path(argument) / "results.csv").is_file():
            print(table(Path(argument)))
