"""Profile one trainlab epoch of the reference network with cProfile (where does the time go?).

    python benchmarks/profile_epoch.py --batch-size 32 --threads 2 --top 25
"""
from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import time
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import build_trainlab_model, reference_training_set  # noqa: E402


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--top", type=int, default=25, help="rows of the profile to print")
    args = parser.parse_args(argv)
    from threadpoolctl import threadpool_limits

    x, y, source = reference_training_set()
    print(f"data: {source}")
    with threadpool_limits(limits=args.threads):
        model = build_trainlab_model()
        model.fit(x[:4096], y[:4096], batch_size=args.batch_size, epochs=1, verbose=0)  # warm-up
        profiler = cProfile.Profile(time.process_time if args.threads == 1 else time.perf_counter)
        profiler.enable()
        model.fit(x, y, batch_size=args.batch_size, epochs=1, verbose=0)
        profiler.disable()
    pstats.Stats(profiler).sort_stats("tottime").print_stats(args.top)


if __name__ == "__main__":
    main()
