"""The ``trainlab lab`` command: ``run``, ``list`` and ``report``.

``trainlab/cli/__init__.py`` calls :func:`register` with its subparsers; every subcommand parser sets
``handler`` to a ``(args) -> int`` handler returning the exit status. ``python -m
trainlab lab ...`` runs the same command.

Examples::

    trainlab lab list
    trainlab lab run optimizers --quick
    trainlab lab run momentum --data fashion-mnist --jobs 2 --out runs/momentum --set training.epochs=20
    trainlab lab report runs/momentum
    trainlab lab run optimizers --tensorboard logs/optimizers   # then: tensorboard --logdir logs/optimizers
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from trainlab.cli.common import default_out, output_directory
from trainlab.lab.targets import HELP as TARGET_HELP


def _seeds(text: str) -> int | str:
    """``--seeds``: a whole number or ``auto``."""
    if text == "auto":
        return text
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number of seeds (>= 3) or 'auto'; got {text!r}") from None


def register(subparsers) -> argparse.ArgumentParser:
    """Add ``lab`` and its subcommands to an ``argparse`` subparsers object."""
    lab = subparsers.add_parser("lab", help="fair, reproducible comparisons of training techniques",
                                description="Run the lab's studies and write their reports.")
    commands = lab.add_subparsers(dest="lab_command", metavar="{run,list,report}", required=True)

    run_parser = commands.add_parser("run", help="run (or resume) a study, then write its report")
    run_parser.add_argument("study", help="a built-in study name (see `trainlab lab list`) or a .toml file")
    run_parser.add_argument("--data", help="dataset name, e.g. digits or fashion-mnist (sets data.name)")
    run_parser.add_argument("--epochs", type=int, help="epochs per run (sets training.epochs)")
    run_parser.add_argument("--seeds", type=_seeds, metavar="N|auto",
                            help="paired seeds of the final runs, >= 3 (sets protocol.seeds; default 5), or 'auto': "
                                 "5, then 5 more at a time up to 15 until every comparison with the baseline is "
                                 "decided (each of the 3 looks tests at 0.05/3)")
    run_parser.add_argument("--target", type=float, metavar="VALUE", help=TARGET_HELP)
    run_parser.add_argument("--jobs", type=int, help="worker processes (default: the CPU count; 1 = in-process)")
    run_parser.add_argument("--out", help="output directory (default: lab-results/STUDY-DATASET, with -quick for "
                                          "--quick)")
    run_parser.add_argument("--quick", action="store_true", help="the study's tiny [quick] variant (CI, README)")
    run_parser.add_argument("--synthetic", action="store_true", help="train on a small generated stand-in with the "
                            "dataset's shapes (synthetic-DATASET): checks that a study runs, measures nothing")
    run_parser.add_argument("--set", dest="assignments", action="append", default=[], metavar="PATH=VALUE",
                            help="override a study value, e.g. --set model.hidden=[64,64] (repeatable)")
    run_parser.add_argument("--arms", help="comma-separated arms to run (the baseline is always included)")
    run_parser.add_argument("--cluster", metavar="ADDRESS", help="run on this Dask scheduler, e.g. "
                            "tcp://127.0.0.1:8786 (pip install trainlab[cluster])")
    run_parser.add_argument("--cluster-timeout", type=float, default=10.0, metavar="SECONDS",
                            help="how long to wait for the --cluster scheduler to answer (default 10)")
    run_parser.add_argument("--tensorboard", metavar="DIR", help="also write every run's curves as TensorBoard event "
                            "files under DIR/PHASE/ARM/ (pip install trainlab[tensorboard]); view with "
                            "tensorboard --logdir DIR")
    run_parser.add_argument("--no-progress", dest="progress", action="store_false", help="hide the progress bar")
    run_parser.set_defaults(handler=run)

    list_parser = commands.add_parser("list", help="list the built-in studies")
    list_parser.set_defaults(handler=list_studies)

    report_parser = commands.add_parser("report", help="(re)write report.md, report.html and results.csv")
    report_parser.add_argument("directory", help="a study's output directory")
    report_parser.add_argument("--tensorboard", metavar="DIR", help="also write every run's curves as TensorBoard "
                               "event files under DIR/PHASE/ARM/")
    report_parser.set_defaults(handler=report)
    return lab


def _guarded(action) -> int:
    """Run ``action``; a :class:`StudyError` (or another ValueError, e.g. a bad ``--out``, or the
    ImportError naming a missing extra) becomes a one-line message and exit status 2."""
    try:
        return action()
    except (ValueError, ImportError) as error:
        print(f"trainlab lab: error: {error}", file=sys.stderr)
        return 2


def run(args) -> int:
    """``trainlab lab run``: tune, select, final runs (only the missing ones), then the report."""
    from trainlab.lab.runner import run_study
    from trainlab.lab.study import load_study

    def action() -> int:
        arms = [name.strip() for name in args.arms.split(",")] if args.arms else []
        options = dict(quick=args.quick, epochs=args.epochs, seeds=args.seeds, target=args.target,
                       assignments=args.assignments, arms=arms)
        study = load_study(args.study, data=args.data, **options)
        if args.synthetic:
            study = load_study(args.study, data=f"synthetic-{study.spec['data']['name']}", **options)
        parts = [study.name, study.spec["data"]["name"], *(["quick"] if args.quick else [])]
        out = output_directory(args.out or default_out("lab-results", *parts))
        if args.tensorboard:
            output_directory(args.tensorboard, "--tensorboard")
            from trainlab.callbacks.tensorboard import require_writer

            require_writer()  # a missing extra fails now, not after the study
        summary = run_study(study, out, jobs=args.jobs, cluster=args.cluster, progress=args.progress,
                            cluster_timeout=args.cluster_timeout)
        counts = ", ".join(f"{count} {status}" for status, count in sorted(summary.statuses.items())) or "nothing"
        print(f"{study.name}: executed {summary.executed} runs ({counts}) in {summary.wall_seconds:.1f} s")
        _write_outputs(out, args.tensorboard)
        return 0

    return _guarded(action)


def list_studies(args) -> int:
    """``trainlab lab list``: the built-in studies and their descriptions."""
    from trainlab.lab.study import builtin_studies

    studies = builtin_studies()
    width = max(map(len, studies))
    for name, description in studies.items():
        print(f"{name:<{width}}  {description}")
    return 0


def report(args) -> int:
    """``trainlab lab report DIR``: rewrite the report from the records."""
    def action() -> int:
        if args.tensorboard:
            from trainlab.callbacks.tensorboard import require_writer

            output_directory(args.tensorboard, "--tensorboard")
            require_writer()
        _write_outputs(Path(args.directory), args.tensorboard)
        return 0

    return _guarded(action)


def _write_outputs(out: Path, tensorboard: str | None) -> None:
    """Write the report (and the TensorBoard logs), saying what was written and what to open."""
    from trainlab.lab.report import write_report

    print(f"writing the report of {out}…", flush=True)
    paths = write_report(out)
    print(f"wrote {paths['markdown']}, {paths['csv']} and {paths['html']}")
    if tensorboard:
        count = write_tensorboard(out, Path(tensorboard))
        print(f"wrote the curves of {count} runs as TensorBoard logs under {tensorboard}; view them with: "
              f"tensorboard --logdir {tensorboard}")
    print(f"open {paths['html']} in a browser to read the report")


def write_tensorboard(out: Path, directory: Path) -> int:
    """Each finished run's per-epoch curves as ``directory/PHASE/ARM/CONFIGHASH-sSEED/{train,validation}``,
    so ``tensorboard --logdir directory`` overlays a whole study; returns the number of runs written."""
    from trainlab.callbacks.tensorboard import write_history
    from trainlab.lab.records import RecordStore

    count = 0
    for record in RecordStore(out).records():
        if not record.get("history"):
            continue
        run = record["key"].removeprefix(f"{record['phase']}-{record['arm']}-")
        write_history(directory / record["phase"] / record["arm"] / run, record["history"])
        count += 1
    return count


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="trainlab")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.handler(args)

