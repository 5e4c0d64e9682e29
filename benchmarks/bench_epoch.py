"""Per-epoch training time of issue 9's networks: trainlab, PyTorch eager and the GEMM floor.

For each network (``_networks.CASES``), batch size and optimizer, trainlab and PyTorch train the
same network from the same initial weights on the same batches for ``--epochs`` epochs, and the
GEMM floor replays the epoch's matrix products alone. Everything for one network and batch size
is interleaved epoch by epoch (every optimizer's trainlab epoch, its PyTorch epoch, the floor),
so a change in machine load hits all of them alike, and the ratios in a row come from one run.

Times are process CPU seconds with one BLAS thread (``--clock wall`` and ``--threads N`` for an
idle machine). Every epoch is reported, not the fastest: the ratios use the mean of epochs 2 to
N, because what issue 9 found is that Adam's epochs grow after the first (subnormal moments).

    python benchmarks/bench_epoch.py                                  # every network, 4 epochs
    python benchmarks/bench_epoch.py --cases reference --epochs 4 --out docs/BENCHMARKS.md
    python benchmarks/bench_epoch.py --cases selu100 elu20 --samples 10000   # shorter epochs
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
from _common import machine_facts  # noqa: E402
from _networks import CASES, GemmFloor, build_torch, build_trainlab, load_data  # noqa: E402
from _report import write_section  # noqa: E402

CLOCKS = {"wall": time.perf_counter, "cpu": time.process_time}


def trainlab_epoch(model, x, y, batch_size: int, seed: int, clock) -> tuple[float, float]:
    """Seconds for ``model.fit`` of one epoch (input checks and shuffling included), and its loss."""
    model.shuffle_rng = np.random.default_rng(seed)  # the permutation torch_epoch uses too
    start = clock()
    history = model.fit(x, y, batch_size=batch_size, epochs=1, verbose=0)
    return clock() - start, history.history["loss"][-1]


def torch_epoch(model, optimizer, x, y, batch_size: int, seed: int, clock) -> tuple[float, float]:
    """Seconds for one eager epoch written as PyTorch code usually is, and its running loss."""
    import torch
    import torch.nn.functional as F

    start = clock()
    order = torch.from_numpy(np.random.default_rng(seed).permutation(len(x)))
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


def run_case(case, batch_size, optimizers, x, y, args, torch) -> dict:
    """Per-epoch seconds of every optimizer in trainlab and PyTorch, and of the floor."""
    clock = CLOCKS[args.clock]
    runs = {}
    for name in optimizers:
        model = build_trainlab(case, name)
        twin = build_torch(case, name, model) if torch is not None else None
        # Warm-up on a slice: compilation and first-call allocations stay out of the timings.
        model.fit(x[:2048], y[:2048], batch_size=batch_size, epochs=1, verbose=0)
        if twin is not None:
            torch_epoch(*twin, args.x_torch[:2048], args.y_torch[:2048], batch_size, 0, clock)
        runs[name] = {"model": model, "twin": twin, "trainlab": [], "torch": [], "loss": {}}
    floor = GemmFloor(runs[optimizers[0]]["model"], len(x), batch_size, np.random.default_rng(0))
    floor.epoch(clock)
    floor_times = []
    for epoch in range(args.epochs):
        seed = 1000 + epoch
        for name, run in runs.items():
            seconds, loss = trainlab_epoch(run["model"], x, y, batch_size, seed, clock)
            run["trainlab"].append(seconds)
            run["loss"].setdefault("trainlab", loss)
            if run["twin"] is not None:
                seconds, loss = torch_epoch(*run["twin"], args.x_torch, args.y_torch, batch_size, seed, clock)
                run["torch"].append(seconds)
                run["loss"].setdefault("torch", loss)
        floor_times.append(floor.epoch(clock))
        print(f"{case.name} batch {batch_size} epoch {epoch + 1}: " + "; ".join(
            f"{name} trainlab {run['trainlab'][-1]:.2f}s" + (f" torch {run['torch'][-1]:.2f}s" if run["torch"] else "")
            for name, run in runs.items()) + f"; floor {floor_times[-1]:.2f}s", flush=True)
    return {"runs": runs, "floor": floor_times}


def subnormal_share(arrays) -> float:
    """Fraction of the values in ``arrays`` that are subnormal (nonzero, below the smallest normal)."""
    arrays = [np.asarray(a) for a in arrays if np.asarray(a).dtype.kind == "f" and np.asarray(a).size > 1]
    if not arrays:
        return 0.0
    count = sum(int(np.count_nonzero((np.abs(a) < np.finfo(a.dtype).tiny) & (a != 0))) for a in arrays)
    return count / sum(a.size for a in arrays)


def state_subnormals(run) -> str:
    """Subnormal share of the optimizer state at the end: trainlab's slots / PyTorch's buffers."""
    shares = [subnormal_share(v for k, v in run["model"].optimizer.get_state().items() if not k.startswith("_"))]
    if run["twin"] is not None:
        shares.append(subnormal_share(t.numpy() for state in run["twin"][1].state.values() for t in state.values()
                                      if hasattr(t, "numpy")))
    return " / ".join(f"{share:.1%}" for share in shares)


def later(values: list[float]) -> float:
    """Mean of epochs 2..N (epoch 1 alone when only one was run)."""
    return statistics.mean(values[1:] if len(values) > 1 else values)


def per_epoch(values) -> str:
    return " / ".join(f"{v:.2f}" for v in values) if values else "—"


def report(case, results: dict, source: str, args, loads) -> str:
    span = f"epochs 2–{args.epochs}" if args.epochs > 1 else "epoch 1"
    lines = [
        f"### {case.name}: {case.description}",
        "",
        f"`python benchmarks/bench_epoch.py --cases {case.name} --epochs {args.epochs}"
        f"{f' --samples {args.samples}' if args.samples else ''} --threads {args.threads} --clock {args.clock}`: "
        f"{'process CPU' if args.clock == 'cpu' else 'elapsed'} seconds per epoch, every epoch listed; ratios "
        f"compare the means of {span}. Data: {source}, {results['n']:,} training samples, shuffled. "
        f"Load average (1 min) before / after: {loads[0]:.2f} / {loads[1]:.2f}.",
        "",
        "| batch | optimizer | trainlab (s) | PyTorch eager (s) | GEMM floor (s) | trainlab / PyTorch | trainlab / floor "
        "| first-epoch loss trainlab / PyTorch | subnormal state at the end, trainlab / PyTorch |",
        "|---:|---|---|---|---|---:|---:|---|---|",
    ]
    ratios = []
    for batch_size, result in results["batches"].items():
        floor = result["floor"]
        for name, run in result["runs"].items():
            torch_ratio = f"{later(run['trainlab']) / later(run['torch']):.2f}×" if run["torch"] else "—"
            losses = " / ".join(f"{run['loss'][k]:.4f}" for k in ("trainlab", "torch") if k in run["loss"])
            lines.append(f"| {batch_size} | {name} | {per_epoch(run['trainlab'])} | {per_epoch(run['torch'])} | "
                         f"{per_epoch(floor)} | {torch_ratio} | {later(run['trainlab']) / later(floor):.2f}× | {losses} | "
                         f"{state_subnormals(run)} |")
        base = result["runs"].get("sgd-momentum")
        if base is not None and len(result["runs"]) > 1:
            for name, run in result["runs"].items():
                if name != "sgd-momentum":
                    torch_side = (f"{later(run['torch']) / later(base['torch']):.2f}×" if run["torch"] else "—")
                    ratios.append(f"| {batch_size} | {name} | {later(run['trainlab']) / later(base['trainlab']):.2f}× "
                                  f"| {torch_side} |")
    if ratios:
        lines += ["", f"Cost of the optimizer, {span} (issue 9 target: Adam and Nadam ≤ 1.15× SGD-momentum):", "",
                  "| batch | optimizer | trainlab: × SGD-momentum | PyTorch: × SGD-momentum |", "|---:|---|---:|---:|",
                  *ratios]
    return "\n".join(lines) + "\n"


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", nargs="+", choices=sorted(CASES), default=list(CASES))
    parser.add_argument("--batch-sizes", type=int, nargs="+", help="override every case's batch sizes")
    parser.add_argument("--optimizers", nargs="+", help="override every case's optimizers")
    parser.add_argument("--epochs", type=int, default=4, help="timed epochs (default 4)")
    parser.add_argument("--samples", type=int, help="train on the first N samples only (shorter epochs)")
    parser.add_argument("--threads", type=int, default=1, help="BLAS threads and torch threads (default 1)")
    parser.add_argument("--clock", choices=sorted(CLOCKS), default="cpu",
                        help="cpu: process CPU time (default, needs --threads 1); wall: elapsed time")
    parser.add_argument("--cifar10", action="store_true", help="real CIFAR-10 for elu20 (else random data)")
    parser.add_argument("--no-torch", action="store_true", help="skip PyTorch")
    parser.add_argument("--out", type=Path, help="(re)write each network's section of this Markdown file")
    args = parser.parse_args(argv)
    if args.clock == "cpu" and args.threads != 1:
        parser.error("--clock cpu sums the CPU time of every thread; use it with --threads 1")
    return args


def main(argv=None) -> None:
    from threadpoolctl import threadpool_limits

    args = parse_args(argv)
    torch = None
    if not args.no_torch:
        try:
            import torch

            torch.set_num_threads(args.threads)
        except ImportError:
            print("torch is not importable: PyTorch columns skipped", flush=True)
    facts = "\n".join(f"- {key}: {value}" for key, value in machine_facts().items())
    print(facts, flush=True)
    data = {}
    with threadpool_limits(limits=args.threads):
        for name in args.cases:
            case = CASES[name]
            if case.data not in data:
                data[case.data] = load_data(case.data, args.samples, args.cifar10)
            x, y, source = data[case.data]
            if torch is not None:
                args.x_torch, args.y_torch = torch.from_numpy(x.reshape(len(x), -1)), torch.from_numpy(y)
            load_before = os.getloadavg()[0]
            results = {"n": len(x), "batches": {}}
            for batch_size in args.batch_sizes or case.batch_sizes:
                results["batches"][batch_size] = run_case(case, batch_size, args.optimizers or case.optimizers,
                                                          x, y, args, torch)
            text = report(case, results, source, args, (load_before, os.getloadavg()[0]))
            print(text, flush=True)
            if args.out:
                write_section(args.out, f"bench_epoch case={name}", text + "\nMachine:\n\n" + facts + "\n")


if __name__ == "__main__":
    main()
