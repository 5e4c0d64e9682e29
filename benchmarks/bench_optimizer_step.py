"""Optimizer step cost on the reference network's parameters (784×300, 300, 300×100, 100, 100×10, 10).

Times one ``optimizer.apply`` (the pipeline: finite check → update → iterations) per step for every
registered optimizer, in float32, and prints a markdown table with the ratio to plain SGD (goal
≤ 3×) and to ``torch.optim``'s same optimizer (goal ≤ 1×) when torch is importable. Both the
compiled kernels and the NumPy fallback are measured.

    python benchmarks/bench_optimizer_step.py [--repeats 200]
"""
from __future__ import annotations

import argparse
import time

import numpy as np

from trainlab import optimizers
from trainlab.optimizers import _kernels

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


def time_trainlab(factory, repeats: int, compiled: bool) -> float:
    params, grads = arrays()
    optimizer = factory()
    with _kernels.use_numba(compiled):
        return best_of(lambda: optimizer.apply(grads, params), repeats)


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
    args = parser.parse_args(argv)
    try:
        import torch

        torch.set_num_threads(args.torch_threads)
    except ImportError:
        torch = None
    paths = [True, False] if _kernels.AVAILABLE else [False]
    results = {label: {compiled: time_trainlab(make, args.repeats, compiled) for compiled in paths}
               for label, (make, _) in CONFIGS.items()}
    torch_times = ({label: time_torch(torch, make, args.repeats) for label, (_, make) in CONFIGS.items()}
                   if torch is not None else {})
    sgd = results["SGD"][paths[0]]
    header = "| optimizer | trainlab (µs/step) | × SGD |"
    if False in paths and len(paths) == 2:
        header += " NumPy fallback (µs/step) |"
    if torch_times:
        header += f" torch {torch.__version__} (µs/step) | × torch |"
    print(f"Optimizer step, reference network ({sum(int(np.prod(s)) for s in SHAPES):,} float32 parameters), "
          f"{'Numba kernels' if paths[0] else 'NumPy'}; median of 5 rounds × {args.repeats} steps"
          + (f"; torch with {args.torch_threads} thread(s)" if torch_times else "") + ".\n")
    print(header)
    print("|" + "---|" * (header.count("|") - 1))
    for label, times in results.items():
        main_time = times[paths[0]]
        row = f"| {label} | {main_time * 1e6:.0f} | {main_time / sgd:.2f} |"
        if len(paths) == 2:
            row += f" {times[False] * 1e6:.0f} |"
        if torch_times:
            row += f" {torch_times[label] * 1e6:.0f} | {main_time / torch_times[label]:.2f} |"
        print(row)


if __name__ == "__main__":
    main()
