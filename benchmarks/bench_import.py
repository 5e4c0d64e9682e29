"""Import cost of trainlab against NumPy's, in fresh interpreters (issue 9: ≤ 1.3× ``import numpy``).

Each statement runs in its own new process, ``--runs`` times, alternating, so disk caches and
machine load hit all of them alike; the table gives medians. Two clocks:

* ``-X importtime``: the cumulative microseconds Python itself reports for the top-level modules
  the statement imports (what the issue asks to measure with);
* process CPU time around the statement (``time.process_time``), which load on a shared machine
  disturbs less than wall time.

Statements: ``import numpy``; ``import trainlab`` (the namespaces load on first use); and the
first use of what a Keras script touches (Sequential, layers, optimizers, callbacks, losses,
metrics), which is where trainlab's own import cost now lands.

Bytecode: each statement first runs once untimed with bytecode writing allowed, as Python does
for any user (pip compiles ``.pyc`` files at install; an editable install writes them on first
import). Without that, a machine with ``PYTHONDONTWRITEBYTECODE`` set (this one is) recompiles
every trainlab source on every import — two thirds of the time measured — while NumPy's
installed bytecode is read: that compares a compiler with an import.

    python benchmarks/bench_import.py [--runs 15] [--out docs/BENCHMARKS.md]
"""
from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import write_section  # noqa: E402

STATEMENTS = {
    "import numpy": "import numpy",
    "import trainlab": "import trainlab",
    "import trainlab + first use of the Keras namespaces": (
        "import trainlab as keras; keras.Sequential; keras.layers.Dense; keras.optimizers.Adam; "
        "keras.callbacks.EarlyStopping; keras.losses; keras.metrics"),
}
_LINE = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \| ( *)(\S+)")


def measure(statement: str) -> tuple[float, float]:
    """(-X importtime microseconds of the statement's top-level imports, CPU seconds around it)."""
    code = (f"import time\nimport colorsys\nstart = time.process_time()\n{statement}\n"
            f"print('CPU', time.process_time() - start)")
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    result = subprocess.run([sys.executable, "-X", "importtime", "-c", code], capture_output=True, text=True,
                            check=True, env=env)
    # The statement's imports come after the interpreter's own start-up imports (site, ...); the
    # tiny colorsys module, imported by neither library, marks where they end.
    lines = result.stderr.splitlines()
    start = max(i for i, line in enumerate(lines) if line.rstrip().endswith("| colorsys"))
    total = 0
    for line in lines[start + 1:]:
        match = _LINE.match(line)
        if match and not match.group(3):  # no indentation: a top-level import
            total += int(match.group(2))
    cpu = float(result.stdout.split("CPU")[-1])
    return total / 1e6, cpu


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--out", type=Path, help="rewrite this file's bench_import section")
    args = parser.parse_args(argv)
    samples = {label: [] for label in STATEMENTS}
    for statement in STATEMENTS.values():  # untimed: writes the bytecode caches (see the docstring)
        measure(statement)
    for _ in range(args.runs):
        for label, statement in STATEMENTS.items():
            samples[label].append(measure(statement))
    numpy_time = statistics.median(s[0] for s in samples["import numpy"])
    numpy_cpu = statistics.median(s[1] for s in samples["import numpy"])
    load = os.getloadavg()[0]
    lines = [
        "## Import time (issue 9)",
        "",
        f"`python benchmarks/bench_import.py --runs {args.runs}`: each statement in a fresh interpreter, "
        f"alternating, medians of {args.runs} runs, after one untimed run that writes the bytecode caches; load average (1 min) at the end: {load:.2f}.",
        "",
        "| statement | -X importtime (ms) | × import numpy | CPU time (ms) | × import numpy |",
        "|---|---:|---:|---:|---:|",
    ]
    for label, values in samples.items():
        importtime = statistics.median(v[0] for v in values)
        cpu = statistics.median(v[1] for v in values)
        lines.append(f"| `{STATEMENTS[label]}` | {importtime * 1e3:.0f} | {importtime / numpy_time:.2f}× | "
                     f"{cpu * 1e3:.0f} | {cpu / numpy_cpu:.2f}× |")
    text = "\n".join(lines)
    print(text)
    if args.out:
        write_section(args.out, "bench_import", text)


if __name__ == "__main__":
    main()
