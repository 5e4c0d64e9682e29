"""The ``trainlab`` command line: one subcommand per module of this package, each exposing
``register(subparsers)``. The library never imports this package."""
from __future__ import annotations

import argparse
import sys

from trainlab import __version__
from trainlab.cli import lab, lr_find, paths, train

COMMANDS = [train, lab, lr_find, paths]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="trainlab",
        description="Train deep networks with the classic toolbox and measure what each technique does.")
    parser.add_argument("--version", action="version", version=f"trainlab {__version__}")
    subparsers = parser.add_subparsers(title="commands", metavar="COMMAND")
    for command in COMMANDS:
        command.register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "handler"):
        parser.print_help()
        return 2
    try:
        return args.handler(args)
    except (ValueError, TypeError, FileNotFoundError, FloatingPointError) as error:
        print(f"trainlab: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("trainlab: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
