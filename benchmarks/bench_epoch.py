"""Time one training epoch of the notes' reference network: trainlab, PyTorch eager, GEMM floor.

All three are measured in one run, interleaved epoch by epoch so that a change in machine load
hits them alike, with the same BLAS thread count, the same initial weights and the same batches
(one seeded permutation per epoch). The "GEMM floor" is the time of exactly the epoch's matrix
products alone — per batch the three forward products, the three weight gradients and the two
input gradients (the first layer's input gradient is not needed) — in NumPy with ``out=`` into
preallocated arrays, including the last partial batch. Each cell is the fastest of ``--epochs``
timed epochs (the median is shown beside it); ratios compare fastest with fastest.

On a machine shared with other work, wall-clock times with several BLAS threads are unreliable
(a busy core stalls every multi-threaded GEMM); ``--threads 1 --clock cpu`` measures process CPU
time instead, which such load barely disturbs. The report records the load average.

    python benchmarks/bench_epoch.py --batch-sizes 32 256 --epochs 3 --out docs/BENCHMARKS.md
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import HIDDEN, N_CLASSES, build_torch_model, build_trainlab_model, machine_facts  # noqa: E402
from _common import reference_training_set  # noqa: E402
from _report import write_section  # noqa: E402

SECTION = "bench_epoch"


def epoch_order(seed: int, n: int) -> np.ndarray:
    return np.random.default_rng(seed).permutation(n)


CLOCKS = {"wall": time.perf_counter, "cpu": time.process_time}
clock = time.perf_counter


def trainlab_epoch(model, x, y, batch_size: int, seed: int) -> tuple[float, float]:
    """Seconds for ``model.fit`` of one epoch (validation of the inputs included), and its loss."""
    model.shuffle_rng = np.random.default_rng(seed)  # the same permutation as epoch_order(seed)
    start = clock()
    history = model.fit(x, y, batch_size=batch_size, epochs=1, verbose=0)
    return clock() - start, history.history["loss"][-1]


def torch_epoch(model, optimizer, x, y, batch_size: int, seed: int) -> tuple[float, float]:
    """Seconds for one eager epoch written as PyTorch code usually is, and its running loss."""
    import torch
    import torch.nn.functional as F

    start = clock()
    order = torch.from_numpy(epoch_order(seed, len(x)))
    loss_sum, correct = 0.0, 0
    model.train()
    for begin in range(0, len(x), batch_size):
        index = order[begin:begin + batch_size]
        xb, yb = x[index], y[index]
        logits = model(xb)
        loss = F.cross_entropy(logits, yb)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        loss_sum += loss.item() * len(index)
        correct += int((logits.argmax(dim=1) == yb).sum())  # the accuracy metric trainlab also computes
    return clock() - start, loss_sum / len(x)


class GemmFloor:
    """The epoch's matrix products alone, into preallocated arrays of every batch shape."""

    def __init__(self, n: int, batch_size: int, n_inputs: int, rng: np.random.Generator):
        widths = (n_inputs, *HIDDEN, N_CLASSES)
        self.kernels = [rng.standard_normal((a, b), dtype=np.float32) for a, b in zip(widths, widths[1:])]
        self.kernel_grads = [np.empty_like(k) for k in self.kernels]
        sizes = [batch_size] * (n // batch_size) + ([n % batch_size] if n % batch_size else [])
        self.batches = sizes
        self.buffers = {size: self._buffers(size, widths, rng) for size in set(sizes)}

    @staticmethod
    def _buffers(size, widths, rng):
        activations = [rng.standard_normal((size, w), dtype=np.float32) for w in widths]
        deltas = [rng.standard_normal((size, w), dtype=np.float32) for w in widths[1:]]
        return activations, deltas

    def epoch(self) -> float:
        kernels, kernel_grads, buffers = self.kernels, self.kernel_grads, self.buffers
        matmul = np.matmul
        start = clock()
        for size in self.batches:
            acts, deltas = buffers[size]
            for layer, kernel in enumerate(kernels):  # forward
                matmul(acts[layer], kernel, out=acts[layer + 1])
            for layer in range(len(kernels) - 1, -1, -1):  # backward
                matmul(acts[layer].T, deltas[layer], out=kernel_grads[layer])
                if layer:
                    matmul(deltas[layer], kernels[layer].T, out=deltas[layer - 1])
        return clock() - start


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[32, 256], help="default: 32 256")
    parser.add_argument("--epochs", type=int, default=3, help="timed epochs per framework and batch size (default 3)")
    parser.add_argument("--threads", type=int, default=os.cpu_count(),
                        help="BLAS threads for NumPy and torch.set_num_threads (default: all cores)")
    parser.add_argument("--clock", choices=sorted(CLOCKS), default="wall",
                        help="wall: elapsed time (default); cpu: process CPU time, only with --threads 1")
    parser.add_argument("--no-torch", action="store_true", help="skip PyTorch")
    parser.add_argument("--out", type=Path, help="(re)write the epoch table section of this Markdown file")
    args = parser.parse_args(argv)
    if args.epochs < 1 or args.threads < 1 or min(args.batch_sizes) < 1:
        parser.error("--epochs, --threads and every batch size must be >= 1")
    if args.clock == "cpu" and args.threads != 1:
        parser.error("--clock cpu sums the CPU time of every thread; use it with --threads 1")
    return args


def run(args) -> str:
    global clock
    from threadpoolctl import threadpool_limits

    clock = CLOCKS[args.clock]
    load_before = os.getloadavg()

    x, y, source = reference_training_set()
    print(f"data: {source}; x {x.shape} {x.dtype}", flush=True)
    torch = None
    if not args.no_torch:
        try:
            import torch
        except ImportError:
            print("torch is not importable: PyTorch column skipped", flush=True)
    results = []
    with threadpool_limits(limits=args.threads):
        if torch is not None:
            torch.set_num_threads(args.threads)
            x_torch, y_torch = torch.from_numpy(x.reshape(len(x), -1)), torch.from_numpy(y)
        for batch_size in args.batch_sizes:
            model = build_trainlab_model()
            torch_pair = build_torch_model(model) if torch is not None else None
            floor = GemmFloor(len(x), batch_size, x[0].size, np.random.default_rng(0))
            # Warm-up on a slice: first-call costs (allocation, any JIT) stay out of the timings.
            model.fit(x[:4096], y[:4096], batch_size=batch_size, epochs=1, verbose=0)
            if torch_pair is not None:
                torch_epoch(*torch_pair, x_torch[:4096], y_torch[:4096], batch_size, seed=0)
            floor.epoch()
            times = {"trainlab": [], "torch": [], "gemm": []}
            losses = {}
            for epoch in range(args.epochs):
                seed = 1000 + epoch
                seconds, loss = trainlab_epoch(model, x, y, batch_size, seed)
                times["trainlab"].append(seconds)
                losses.setdefault("trainlab", loss)
                if torch_pair is not None:
                    seconds, loss = torch_epoch(*torch_pair, x_torch, y_torch, batch_size, seed)
                    times["torch"].append(seconds)
                    losses.setdefault("torch", loss)
                times["gemm"].append(floor.epoch())
                print(f"batch {batch_size} epoch {epoch}: " + ", ".join(
                    f"{name} {values[-1]:.3f}s" for name, values in times.items() if values), flush=True)
            results.append((batch_size, times, losses))
    return format_report(results, args, source, (load_before, os.getloadavg()))


def format_report(results, args, source, loads) -> str:
    def cell(values):
        return f"{min(values):.3f} ({statistics.median(values):.3f})" if values else "—"

    def ratio(a, b):
        return f"{min(a) / min(b):.2f}×" if a and b else "—"

    lines = [
        f"## One training epoch of the reference network ({args.threads} BLAS thread{'s' if args.threads > 1 else ''}, {args.clock} clock)",
        "",
        "Flatten → Dense(300, relu, he_normal) → Dense(100, relu, he_normal) → Dense(10, softmax), "
        "SGD(0.01, momentum 0.9), sparse categorical cross-entropy + accuracy, 55,000 images, shuffled. "
        f"Seconds per epoch ({'elapsed' if args.clock == 'wall' else 'process CPU time'}): fastest of "
        f"{args.epochs} (median in parentheses), all measured in one run of "
        f"`python benchmarks/bench_epoch.py --batch-sizes {' '.join(map(str, args.batch_sizes))} "
        f"--epochs {args.epochs} --threads {args.threads} --clock {args.clock}`.",
        "",
        f"- data: {source}",
        f"- BLAS threads (NumPy) = torch.set_num_threads = {args.threads}",
        f"- load average (1 min) before / after the run: {loads[0][0]:.2f} / {loads[1][0]:.2f}",
    ]
    lines += [f"- {key}: {value}" for key, value in machine_facts().items()]
    lines += [
        "",
        "| batch | trainlab (s) | PyTorch eager (s) | Keras | GEMM floor (s) | trainlab / PyTorch "
        "| trainlab / GEMM floor | first-epoch loss trainlab / PyTorch |",
        "|---:|---:|---:|---|---:|---:|---:|---|",
    ]
    for batch_size, times, losses in results:
        loss_cell = " / ".join(f"{losses[k]:.4f}" for k in ("trainlab", "torch") if k in losses)
        lines.append(
            f"| {batch_size} | {cell(times['trainlab'])} | {cell(times['torch'])} | not installed "
            f"| {cell(times['gemm'])} | {ratio(times['trainlab'], times['torch'])} "
            f"| {ratio(times['trainlab'], times['gemm'])} | {loss_cell} |")
    lines += ["", "Same initial weights and same batches in both frameworks, so the first-epoch losses "
              "agree up to float32 rounding."]
    return "\n".join(lines) + "\n"


def main(argv=None) -> None:
    args = parse_args(argv)
    report = run(args)
    print(report)
    if args.out:
        section = f"{SECTION} threads={args.threads} clock={args.clock}"  # one section per setting
        write_section(args.out, section, report)
        print(f"wrote the {section} section of {args.out}")


if __name__ == "__main__":
    main()
