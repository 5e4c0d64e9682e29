"""Wall time of the lab's full Fashion-MNIST optimizer study (issue 9 target: ≤ 150 s on an idle 2-core machine).

Runs, in a fresh process and a fresh output folder,

    trainlab lab run optimizers --data fashion-mnist --set target.value=0.85 --seeds 3 --epochs 10 --jobs N

(9 arms, a 5-point learning-rate grid each on the tuning seed, then 3 paired seeds: 72 runs of 10
epochs of a 2×100 ReLU network at batch 32), and reports its wall time, the CPU time of the
workers, the number of run records and the load average before and after. Only meaningful on an
otherwise idle machine: the workers pin BLAS to one thread each and share the cores with
anything else running.

    python benchmarks/bench_study.py [--jobs 2] [--quick] [--keep DIR] [--out docs/BENCHMARKS.md]
"""
from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import machine_facts  # noqa: E402
from _report import write_section  # noqa: E402


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=os.cpu_count(), help="lab worker processes (default: CPU count)")
    parser.add_argument("--quick", action="store_true",
                        help="the study's tiny quick variant on digits instead (a smoke test of this script)")
    parser.add_argument("--keep", type=Path, help="write the study here and keep it (default: a temporary folder)")
    parser.add_argument("--out", type=Path, help="rewrite this file's bench_study section")
    args = parser.parse_args(argv)
    study = (["--quick"] if args.quick else
             ["--data", "fashion-mnist", "--set", "target.value=0.85", "--seeds", "3", "--epochs", "10"])
    command = [sys.executable, "-m", "trainlab", "lab", "run", "optimizers", *study, "--jobs", str(args.jobs),
               "--no-progress"]
    with tempfile.TemporaryDirectory(prefix="trainlab-study-") as scratch:
        folder = args.keep or Path(scratch) / "optimizers"
        load_before = os.getloadavg()[0]
        start = time.perf_counter()
        subprocess.run([*command, "--out", str(folder)], check=True, stdout=subprocess.DEVNULL)
        wall = time.perf_counter() - start
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        records = len(list(folder.rglob("records/*.json")))
    load_after = os.getloadavg()[0]
    shown = " ".join(("trainlab", *command[3:]))
    text = "\n".join([
        "## The lab's full Fashion-MNIST optimizer study (issue 9)",
        "",
        f"`python benchmarks/bench_study.py --jobs {args.jobs}{' --quick' if args.quick else ''}` runs `{shown}` "
        f"in a fresh folder: **{wall:.0f} s wall** (target ≤ 150 s on an idle 2-core machine), "
        f"{children.ru_utime + children.ru_stime:.0f} CPU-s in the workers, {records} run records; load average "
        f"(1 min) {load_before:.2f} before, {load_after:.2f} after.",
        "",
        *(f"- {key}: {value}" for key, value in machine_facts().items()),
    ])
    print(text)
    if args.out:
        write_section(args.out, "bench_study", text)


if __name__ == "__main__":
    main()
