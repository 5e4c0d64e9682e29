"""Peak memory of a Fashion-MNIST training run, measured in a fresh subprocess.

The child process imports everything the run needs (Python, NumPy, trainlab, threadpoolctl) and,
since trainlab loads its namespaces and compiles its kernels on first use, fits a throw-away copy
of the network on 64 random samples (no data touched), then records the baseline: ``resource.getrusage(RUSAGE_SELF).ru_maxrss`` at that moment. It then
runs the notes' pipeline with float32 pixels — load the uint8 data, split 55,000 / 5,000, divide by
255 into float32, fit the reference network for one epoch with validation data — and reports the
peak RSS *above that baseline* (what the run itself added) beside the size of the float32
training set (55,000 × 784 × 4 bytes = 172.5 MB). The goal is a ratio under 2.

    python benchmarks/bench_memory.py --out docs/BENCHMARKS.md
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import write_section  # noqa: E402

SECTION = "bench_memory"
MB = 1e6


def _peak_bytes() -> int:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux reports KiB


def _current_bytes() -> int:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def child(batch_size: int) -> dict:
    """The measured run; returns peak and current RSS after each stage, baseline subtracted later."""
    # Everything the run imports is imported before the baseline, so the baseline is the interpreter + imports.
    import numpy as np
    import threadpoolctl  # noqa: F401

    import trainlab  # noqa: F401
    from _common import N_TRAIN, build_trainlab_model, load_fashion_mnist_uint8
    try:
        import trainlab.datasets  # noqa: F401
    except ImportError:
        pass

    # trainlab imports its layers and optimizers lazily and numba compiles the kernels on first use
    # (≈ 60 MB of LLVM, independent of the data): a tiny fit loads all of it before the baseline.
    warm = build_trainlab_model()
    warm.fit(np.random.default_rng(0).random((64, 28, 28), dtype=np.float32), np.zeros(64, dtype=np.int64),
             batch_size=32, epochs=1, verbose=0, validation_data=(np.zeros((8, 28, 28), np.float32), np.zeros(8, np.int64)))
    del warm
    stages = {"baseline (interpreter + imports)": (_peak_bytes(), _current_bytes())}
    x_full, y_full, source = load_fashion_mnist_uint8()
    stages["uint8 data loaded"] = (_peak_bytes(), _current_bytes())
    n_valid = len(x_full) - N_TRAIN
    scale = np.float32(255)
    x_valid, x_train = x_full[:n_valid] / scale, x_full[n_valid:] / scale  # uint8 / float32 → float32
    y_valid, y_train = y_full[:n_valid], y_full[n_valid:]
    stages["converted to float32"] = (_peak_bytes(), _current_bytes())
    model = build_trainlab_model()
    model.fit(x_train, y_train, batch_size=batch_size, epochs=1, validation_data=(x_valid, y_valid), verbose=0)
    stages["after fit (1 epoch + validation)"] = (_peak_bytes(), _current_bytes())
    return {"source": source, "train_bytes": x_train.nbytes, "train_dtype": str(x_train.dtype),
            "train_shape": list(x_train.shape), "stages": stages}


def measure(batch_size: int) -> dict:
    env = dict(os.environ)
    repo = str(Path(__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [repo, env.get("PYTHONPATH")]))
    output = subprocess.run([sys.executable, __file__, "--child", "--batch-size", str(batch_size)],
                            check=True, capture_output=True, text=True, env=env).stdout
    return json.loads(output.strip().splitlines()[-1])


def format_report(result: dict, batch_size: int) -> str:
    stages = result["stages"]
    baseline = stages["baseline (interpreter + imports)"][0]
    peak = max(peak for peak, _ in stages.values()) - baseline
    train = result["train_bytes"]
    lines = [
        "## Peak memory of a Fashion-MNIST training run",
        "",
        f"`python benchmarks/bench_memory.py --batch-size {batch_size}`: a fresh subprocess loads the uint8 "
        "data, splits 55,000 / 5,000, divides by 255 into float32 and fits the reference network for one "
        "epoch with validation data. Peak RSS is `resource.getrusage(RUSAGE_SELF).ru_maxrss`; the baseline "
        "subtracted is that same peak measured after the interpreter imported NumPy, threadpoolctl and "
        "trainlab and fitted a throw-away copy of the network on 64 random samples (trainlab loads its "
        "namespaces and numba compiles its kernels on first use), before any data was touched.",
        "",
        f"- data: {result['source']}",
        f"- float32 training set: {result['train_shape']} {result['train_dtype']} = {train / MB:.1f} MB",
        "",
        "| stage | peak RSS above baseline (MB) | resident now, above baseline (MB) |",
        "|---|---:|---:|",
    ]
    for name, (stage_peak, current) in stages.items():
        if name.startswith("baseline"):
            lines.append(f"| {name} | {stage_peak / MB:.1f} absolute | {current / MB:.1f} absolute |")
        else:
            lines.append(f"| {name} | {(stage_peak - baseline) / MB:.1f} | {(current - baseline) / MB:.1f} |")
    lines += ["", f"**Peak above baseline: {peak / MB:.1f} MB = {peak / train:.2f}× the float32 training set** "
              "(goal: under 2×). It includes the uint8 arrays (kept alive, as in the notes), the float32 "
              "validation set, and transient buffers."]
    return "\n".join(lines) + "\n"


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--out", type=Path, help="(re)write the memory section of this Markdown file")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.batch_size < 1:
        parser.error("--batch-size must be >= 1")
    if args.child:
        print(json.dumps(child(args.batch_size)))
        return
    report = format_report(measure(args.batch_size), args.batch_size)
    print(report)
    if args.out:
        write_section(args.out, SECTION, report)
        print(f"wrote the {SECTION} section of {args.out}")


if __name__ == "__main__":
    main()
