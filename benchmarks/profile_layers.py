"""Where a deep network's training step goes: forward, loss, backward, optimizer, against the floor.

Issue 9's deep networks (and the reference network), timed component by component in one run (process CPU time, one
BLAS thread), beside a PyTorch eager epoch of the same network and the epoch's GEMM floor:

* ``selu100``: Flatten → 100 × Dense(100, selu, lecun_normal) → Dense(10, softmax), SGD(1e-3),
  standardized Fashion-MNIST (HOML's self-normalizing network);
* ``elu20``: 20 × Dense(100, elu, he_normal) → Dense(10, softmax), Nadam(5e-5), on 3072-d inputs
  (HOML's CIFAR-10 exercise; random normal inputs of that shape, since the timing does not depend
  on the pixel values' meaning);
* ``reference``: the notes' 784-300-100-10 ReLU network, SGD(0.01, momentum 0.9), pixels / 255.

The component rows replay ``train_step``'s phases (forward in training mode, fused loss + metric,
backward, ``optimizer.apply``) batch by batch; "fit" is ``model.fit`` of one epoch. Each figure is
the fastest of ``--repeats`` passes over ``--samples`` samples, in seconds per 55,000 samples.

    python benchmarks/profile_layers.py --network selu100 --batch-size 32 --samples 8192 --repeats 3
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import load_fashion_mnist_uint8  # noqa: E402

clock = time.process_time
EPOCH = 55_000
NETWORKS = {
    "selu100": {"hidden": (100,) * 100, "activation": "selu", "init": "lecun_normal", "inputs": 784},
    "elu20": {"hidden": (100,) * 20, "activation": "elu", "init": "he_normal", "inputs": 3072},
    "reference": {"hidden": (300, 100), "activation": "relu", "init": "he_normal", "inputs": 784},
}
OPTIMIZERS = {"selu100": ("SGD", {"learning_rate": 1e-3}), "elu20": ("Nadam", {"learning_rate": 5e-5}),
              "reference": ("SGD", {"learning_rate": 0.01, "momentum": 0.9})}


def training_data(network: str, samples: int):
    spec = NETWORKS[network]
    if spec["inputs"] == 784:
        x, y, _ = load_fashion_mnist_uint8()
        x = x[:samples].reshape(samples, -1).astype(np.float32)
        if network == "selu100":
            x = (x - x.mean(axis=0)) / (x.std(axis=0) + 1e-7)
        else:
            x /= 255
        return x.astype(np.float32), y[:samples].astype(np.int64)
    rng = np.random.default_rng(0)
    return rng.standard_normal((samples, spec["inputs"]), dtype=np.float32), rng.integers(0, 10, samples)


def build_trainlab(network: str, seed: int = 42):
    import trainlab as keras

    spec = NETWORKS[network]
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([keras.layers.Input((spec["inputs"],))])
    for units in spec["hidden"]:
        model.add(keras.layers.Dense(units, activation=spec["activation"], kernel_initializer=spec["init"]))
    model.add(keras.layers.Dense(10, activation="softmax"))
    name, options = OPTIMIZERS[network]
    optimizer = getattr(keras.optimizers, name)(**options)
    model.compile(loss="sparse_categorical_crossentropy", optimizer=optimizer, metrics=["accuracy"])
    return model


def build_torch(model, network: str):
    import torch

    dense = [layer for layer in model.layers if layer.params]
    modules = []
    for index, layer in enumerate(dense):
        linear = torch.nn.Linear(*layer.params["kernel"].shape)
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(np.ascontiguousarray(layer.params["kernel"].T)))
            linear.bias.copy_(torch.from_numpy(layer.params["bias"]))
        modules.append(linear)
        if index < len(dense) - 1:
            modules.append({"selu": torch.nn.SELU, "elu": torch.nn.ELU, "relu": torch.nn.ReLU}[
                NETWORKS[network]["activation"]]())
    net = torch.nn.Sequential(*modules)
    name, options = OPTIMIZERS[network]
    options = {"lr" if key == "learning_rate" else key: value for key, value in options.items()}
    optimizer = torch.optim.SGD(net.parameters(), **options) if name == "SGD" else \
        torch.optim.NAdam(net.parameters(), eps=1e-7, **options)
    return net, optimizer


def torch_pass(net, optimizer, x, y, batch_size):
    import torch
    import torch.nn.functional as F

    start = clock()
    correct = 0
    for begin in range(0, len(x), batch_size):
        xb, yb = x[begin:begin + batch_size], y[begin:begin + batch_size]
        logits = net(xb)
        loss = F.cross_entropy(logits, yb)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        loss.item()
        correct += int((logits.argmax(dim=1) == yb).sum())
    return clock() - start


def component_pass(model, x, y, batch_size) -> dict[str, float]:
    """One pass over the data, replaying train_step's phases with a clock between them."""
    times = dict.fromkeys(("forward", "loss", "backward", "optimizer"), 0.0)
    plan = model._plan_training()
    last = model._layers[-1]
    for metric in model.compiled_metrics:
        metric.reset()
    for begin in range(0, len(x), batch_size):
        xb, yb = x[begin:begin + batch_size], y[begin:begin + batch_size]
        t0 = clock()
        output = model.forward(xb, training=True)
        t1 = clock()
        _, grad = model.loss.value_and_logit_gradient(yb, last.preactivation, probabilities=output)
        for metric in model.compiled_metrics:
            metric.update(yb, output)
        t2 = clock()
        model.backward(grad, skip_last=True)
        t3 = clock()
        model.optimizer.apply_flat(plan["layout"], plan["constraints"])
        t4 = clock()
        times["forward"] += t1 - t0
        times["loss"] += t2 - t1
        times["backward"] += t3 - t2
        times["optimizer"] += t4 - t3
    return times


def fit_pass(model, x, y, batch_size) -> float:
    start = clock()
    model.fit(x, y, batch_size=batch_size, epochs=1, verbose=0, shuffle=False)
    return clock() - start


def gemm_floor_pass(model, n, batch_size) -> float:
    """The epoch's matrix products alone: per batch every forward product, every weight gradient,
    every input gradient but the first layer's, into preallocated arrays."""
    kernels = [layer.params["kernel"] for layer in model.layers if layer.params]
    rng = np.random.default_rng(0)
    dtype = kernels[0].dtype
    sizes = sorted({min(batch_size, n - b) for b in range(0, n, batch_size)})
    buffers = {}
    for m in sizes:
        acts = [rng.standard_normal((m, k.shape[0])).astype(dtype) for k in kernels]
        outs = [np.empty((m, k.shape[1]), dtype) for k in kernels]
        grads = [np.empty_like(k) for k in kernels]
        ins = [np.empty((m, k.shape[0]), dtype) for k in kernels]
        buffers[m] = (acts, outs, grads, ins)
    start = clock()
    for begin in range(0, n, batch_size):
        acts, outs, grads, ins = buffers[min(batch_size, n - begin)]
        for a, k, o in zip(acts, kernels, outs):
            np.matmul(a, k, out=o)
        for index in range(len(kernels) - 1, -1, -1):
            np.matmul(acts[index].T, outs[index], out=grads[index])
            if index:
                np.matmul(outs[index], kernels[index].T, out=ins[index])
    return clock() - start


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--network", choices=sorted(NETWORKS), default="selu100")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--samples", type=int, default=8192)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-torch", action="store_true")
    args = parser.parse_args(argv)
    from threadpoolctl import threadpool_limits

    x, y = training_data(args.network, args.samples)
    scale = EPOCH / len(x)
    with threadpool_limits(limits=1):
        model = build_trainlab(args.network)
        nets = None
        if not args.no_torch:
            import torch

            torch.set_num_threads(1)
            nets = build_torch(model, args.network)
            tx, ty = torch.from_numpy(x), torch.from_numpy(y)
        model.fit(x[:1024], y[:1024], batch_size=args.batch_size, epochs=1, verbose=0)  # warm-up, compiles
        best: dict[str, float] = {}

        def keep(name, seconds):
            best[name] = min(best.get(name, float("inf")), seconds * scale)

        for _ in range(args.repeats):
            for name, seconds in component_pass(model, x, y, args.batch_size).items():
                keep(name, seconds)
            keep("fit", fit_pass(model, x, y, args.batch_size))
            keep("gemm floor", gemm_floor_pass(model, len(x), args.batch_size))
            if nets is not None:
                keep("torch eager", torch_pass(*nets, tx, ty, args.batch_size))
    print(f"{args.network}, batch {args.batch_size}, {len(x)} samples, CPU s per {EPOCH} samples "
          f"(fastest of {args.repeats}), 1 BLAS thread")
    for name, seconds in best.items():
        print(f"  {name:<12} {seconds:8.3f}")
    floor = best["gemm floor"]
    print(f"  fit / floor {best['fit'] / floor:.2f}", end="")
    if "torch eager" in best:
        print(f"   fit / torch {best['fit'] / best['torch eager']:.2f}", end="")
    print(f"   components / floor {sum(best[k] for k in ('forward', 'loss', 'backward', 'optimizer')) / floor:.2f}")


if __name__ == "__main__":
    main()
