"""Optimizer step cost on the reference network's parameters (784×300, 300, 300×100, 100, 100×10, 10).

Times one step of every registered optimizer in float32 three ways: ``apply_flat`` on the
parameters packed into one flat buffer (what ``fit`` runs: one kernel call, finiteness check
inside), ``apply`` on a dict of six tensors (``update``/``apply_gradients``: a kernel call per
tensor), and ``apply_flat`` with the NumPy fallback. Prints a markdown table with the ratio to
plain SGD and to ``torch.optim``'s same optimizer (when torch is importable).

    python benchmarks/bench_optimizer_step.py [--repeats 200]
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np

from trainlab import _jit, optimizers
from trainlab.optimizers.flat import FlatLayout

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import write_section  # noqa: E402

SHAPES = [(784, 300), (300,), (300, 100), (100,), (100, 10), (10,)]
CONFIGS = {  # label: (trainlab optimizer, torch.optim factory)
    "SGD": (lambda: optimizers.SGD(0.01), lambda torch, p: torch.optim.SGD(p, lr=0.01)),
    "SGD momentum": (lambda: optimizers.SGD(0.01, momentum=0.9),
                     lambda torch, p: torch.optim.SGD(p, lr=0.01, momentum=0.9)),
    "SGD Nesterov": (lambda: optimizers.SGD(0.01, momentum=0.9, nesterov=True),
                     lambda torch, p: torch.optim.SGD(p, lr=0.01, momentum=0.9, nesterov=True)),
    "Adagrad": (lambda: optimizers.Adagrad(), lambda torch, p: torch.optim.Adagrad(p, lr=0.001)),
    "RMSprop": (lambda: optimizers.RMSprop(), lambda torch, p: torch.optim.RMSprop(p, lr=0.001, alpha=0.9)),
    "Adam": (lambda: optimizers.Adam(), lambda torch, p: torch.optim.Adam(p, lr=0.001)),
    "Adamax": (lambda: optimizers.Adamax(), lambda torch, p: torch.optim.Adamax(p, lr=0.001)),
    "Nadam": (lambda: optimizers.Nadam(), lambda torch, p: torch.optim.NAdam(p, lr=0.001)),
    "AdamW": (lambda: optimizers.AdamW(), lambda torch, p: torch.optim.AdamW(p, lr=0.001, weight_decay=0.004)),
}


def arrays(seed=0):
    rng = np.random.default_rng(seed)
    params = {f"layer/{i}": rng.normal(size=s).astype(np.float32) * 0.01 for i, s in enumerate(SHAPES)}
    grads = {k: rng.normal(size=v.shape).astype(np.float32) * 0.01 for k, v in params.items()}
    return params, grads


def best_of(function, repeats: int, rounds: int = 5) -> float:
    """Median over rounds of the mean per-call time (seconds)."""
    for _ in range(10):
        function()
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(repeats):
            function()
        times.append((time.perf_counter() - start) / repeats)
    return float(np.median(times))


def time_trainlab(factory, repeats: int, compiled: bool, flat: bool) -> float:
    params, grads = arrays()
    optimizer = factory()
    with _jit.use_numba(compiled):
        if not flat:
            return best_of(lambda: optimizer.apply(grads, params), repeats)
        owners = {path: SimpleNamespace(params={"w": params[path]}, grads={"w": grads[path]}) for path in params}
        layout = FlatLayout([(path, owner, "w") for path, owner in owners.items()])
        return best_of(lambda: optimizer.apply_flat(layout), repeats)


def time_torch(torch, factory, repeats: int) -> float:
    params, grads = arrays()
    tensors = [torch.tensor(v, requires_grad=True) for v in params.values()]
    for tensor, grad in zip(tensors, grads.values()):
        tensor.grad = torch.tensor(grad)
    optimizer = factory(torch, tensors)
    with torch.no_grad():
        return best_of(optimizer.step, repeats)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=200)
    parser.add_argument("--torch-threads", type=int, default=1,
                        help="torch intra-op threads (default 1: the trainlab kernels are single-threaded)")
    parser.add_argument("--out", type=Path, help="rewrite this file's bench_optimizer_step section")
    args = parser.parse_args(argv)
    try:
        import torch

        torch.set_num_threads(args.torch_threads)
    except ImportError:
        torch = None
    modes = {"flat": (True, True), "per tensor": (True, False), "flat, NumPy": (False, True)}
    if not _jit.AVAILABLE:
        modes = {"flat, NumPy": (False, True), "per tensor, NumPy": (False, False)}
    results = {label: {mode: time_trainlab(make, args.repeats, *flags) for mode, flags in modes.items()}
               for label, (make, _) in CONFIGS.items()}
    torch_times = ({label: time_torch(torch, make, args.repeats) for label, (_, make) in CONFIGS.items()}
                   if torch is not None else {})
    first = next(iter(modes))
    sgd = results["SGD"][first]
    header = f"| optimizer | {first} (µs/step) | × SGD |" + "".join(f" {mode} (µs/step) |" for mode in list(modes)[1:])
    if torch_times:
        header += f" torch {torch.__version__} (µs/step) | {first} × torch |"
    lines = ["## Optimizer step cost (issue 9)", "",
             f"`python benchmarks/bench_optimizer_step.py --repeats {args.repeats}`: one step on the reference "
             f"network's parameters ({sum(int(np.prod(s)) for s in SHAPES):,} float32 values in {len(SHAPES)} tensors, "
             f"all in cache), median of 5 rounds × {args.repeats} steps"
             + (f", torch with {args.torch_threads} thread(s)" if torch_times else "")
             + f"; load average (1 min) at the end {os.getloadavg()[0]:.2f}.", "", header,
             "|" + "---|" * (header.count("|") - 1)]
    for label, times in results.items():
        main_time = times[first]
        row = f"| {label} | {main_time * 1e6:.0f} | {main_time / sgd:.2f} |"
        row += "".join(f" {times[mode] * 1e6:.0f} |" for mode in list(modes)[1:])
        if torch_times:
            row += f" {torch_times[label] * 1e6:.0f} | {main_time / torch_times[label]:.2f} |"
        lines.append(row)
    text = "\n".join(lines)
    print(text)
    if args.out:
        write_section(args.out, "bench_optimizer_step", text)


if __name__ == "__main__":
    main()
