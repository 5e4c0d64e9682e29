"""A seeded mutation fuzzer for ``load_model``: real saved models, mutated, loaded, trained.

Run as a module (the test suite does, in a subprocess)::

    python -m tests.saving.fuzz --files 3000 --seed 0 [--report fuzz.json]

The worker lowers its own address-space limit (``resource.setrlimit``) before the first file,
so a load that escaped the caps dies here instead of taking the machine with it; the parent
restarts it after the file that killed it and counts that file as a blow-up.

Seeds: Dense / BatchNormalization / Dropout models trained two epochs with Adam, Nadam and an
SGD-with-momentum plus ExponentialDecay schedule, with EarlyStopping(restore_best_weights) and
ReduceLROnPlateau states, in float32 and float64, and a save_weights file. Each fuzzed file is
one to three mutations of one seed: bytes (flips, splices, truncation), zip structure (members
dropped, duplicated, renamed, added — pickles and paths leaving the archive among them —,
recompressed, declared sizes forged, bombs), JSON values (every kind of wrong type and size at a
random place, keys removed), ``.npy`` headers (shapes, dtypes, order, garbage, versions) and
array values (NaN, inf, negative, huge, wrong dtype, missing or extra arrays, object arrays
holding a pickle payload).

Each file is loaded with small caps under ``tracemalloc``, and classified:

* ``refused``: a ModelFileError (the only exception allowed out of load_model);
* ``loaded``: it loaded, compiled as saved, then a resumed ``fit`` of one epoch with the same
  callbacks and a ``predict`` ran without error and gave finite outputs;
* ``obscure``: any other exception from load_model;
* ``broke_later``: it loaded but the step, the resumed fit or predict raised (or predicted NaN);
* ``blowup``: the traced peak exceeded the cap-derived bound, a "memory ran out" refusal, or the
  worker died;
* ``executed``: the sentinel file a pickle payload would create exists, or a patched
  ``os.system`` / ``os.popen`` / ``subprocess.Popen`` was called.
"""
from __future__ import annotations

import argparse
import collections
import io
import json
import os
import pickle
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
import zipfile
from pathlib import Path

import numpy as np

CAPS = {"max_bytes": 4 << 20, "max_json_bytes": 256 << 10, "max_arrays": 2000}
# Peak traced bytes allowed per load: the arrays' copies (about 3 x max_bytes), parsed JSON
# (Python objects are up to ~10 x their text), and some slack for the model objects.
PEAK_BOUND = 3 * CAPS["max_bytes"] + 12 * CAPS["max_json_bytes"] + (16 << 20)
ADDRESS_SPACE_LIMIT = 3 << 30
PEAKS: list[int] = []  # traced peak of each load_model call in this worker
HOSTILE_VALUES = [None, True, False, -5, 0, 1, 2.7, -1e-300, "2", "", "x" * 300, 10 ** 30, -(10 ** 30), 1e308,
                  float("nan"), float("inf"), -float("inf"), [], {}, [1, 2], [None], {"a": 1},
                  {"class_name": "os.system", "config": {"command": "touch EXECUTED"}}, "__import__", "os.system",
                  [[[[[[[[]]]]]]]], 2 ** 31, 2 ** 63, -1, 0.5, "float64", "int64", "object", "relu", "Dense"]
DTYPES = ["<f8", "<f4", "<f2", ">f8", "<i8", "<u1", "|b1", "<c16", "<c8", "|O", "<U4", "|S3", "|V8", "<M8[s]",
          [("a", "<f8")], "<f8", "<f4"]
MEMBER_NAMES = ["config.json", "metadata.json", "weights.npz", "optimizer.npz", "callbacks.npz", "payload.pkl",
                "../evil", "/etc/passwd", "C:/x", "a/../../b", "weights.npz/x", ".hidden", "x" * 300]


class Payload:
    """Unpickling this creates the sentinel file: proof that something was executed."""

    def __init__(self, sentinel):
        self.sentinel = str(sentinel)

    def __reduce__(self):
        return open, (self.sentinel, "w")


# -- seeds -------------------------------------------------------------------------------------------
def make_seeds(folder: Path) -> list[Path]:
    import trainlab as keras
    from trainlab.optimizers import schedules

    seeds = []
    optimizers = {"adam": lambda: keras.optimizers.Adam(0.01),
                  "nadam": lambda: keras.optimizers.Nadam(0.01),
                  "sgd-schedule": lambda: keras.optimizers.SGD(schedules.ExponentialDecay(0.05, 5, 0.5), momentum=0.9)}
    for dtype in ("float32", "float64"):
        keras.backend.set_floatx(dtype)
        for name, optimizer in optimizers.items():
            keras.backend.clear_session()
            keras.utils.set_random_seed(len(seeds))
            model = keras.Sequential([keras.layers.Dense(5, activation="relu", input_shape=[4]),
                                      keras.layers.BatchNormalization(), keras.layers.Dropout(0.3),
                                      keras.layers.Dense(3, activation="softmax")])
            model.compile(optimizer=optimizer(), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
            x, y = training_data(4, 3, 16, sparse=True, seed=1)
            model.fit(x, y, epochs=2, batch_size=8, verbose=0, callbacks=resume_callbacks(model.optimizer))
            path = folder / f"seed-{name}-{dtype}.keras"
            model.save(path)
            seeds.append(path)
        model.save_weights(folder / f"seed-weights-{dtype}.zip")
        seeds.append(folder / f"seed-weights-{dtype}.zip")
    keras.backend.set_floatx("float32")
    return seeds


def resume_callbacks(optimizer):
    """EarlyStopping, and ReduceLROnPlateau unless a schedule sets the rate."""
    from trainlab.callbacks import EarlyStopping, ReduceLROnPlateau

    stopper = EarlyStopping(monitor="loss", patience=5, restore_best_weights=True)
    if optimizer.learning_rate_is_computed:
        return [stopper]
    return [stopper, ReduceLROnPlateau(monitor="loss", patience=1, factor=0.5)]


def training_data(features, outputs, n, sparse, seed=0, feature_shape=None):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, *(feature_shape or (features,))))
    y = rng.integers(0, outputs, size=n) if sparse else rng.uniform(0.05, 0.95, size=(n, outputs))
    return x, y


# -- mutations ---------------------------------------------------------------------------------------
def members_of(data: bytes) -> list[tuple[str, bytes]]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return [(info.filename, archive.read(info)) for info in archive.infolist()]


def zip_of(members, compression=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, content in members:
            archive.writestr(zipfile.ZipInfo(name), content, compress_type=compression)
    return buffer.getvalue()


def mutate_bytes(data: bytes, rng, sentinel) -> tuple[bytes, str]:
    data = bytearray(data)
    kind = rng.integers(4)
    if kind == 0:
        for _ in range(rng.integers(1, 9)):
            data[rng.integers(len(data))] ^= 1 << rng.integers(8)
        return bytes(data), "bytes:flip"
    if kind == 1:
        start = rng.integers(len(data))
        return bytes(data[:start] + data[start + rng.integers(1, 200):]), "bytes:delete"
    if kind == 2:
        start = rng.integers(len(data))
        return bytes(data[:start] + rng.bytes(rng.integers(1, 64)) + data[start:]), "bytes:insert"
    return bytes(data[:rng.integers(len(data))]), "bytes:truncate"


def mutate_zip(data: bytes, rng, sentinel) -> tuple[bytes, str]:
    members = members_of(data)
    kind = rng.integers(9)
    index = rng.integers(len(members))
    if kind == 0:
        del members[index]
        return zip_of(members), "zip:drop"
    if kind == 1:
        return zip_of(members + [members[index]]), "zip:duplicate"
    if kind == 2:
        name = MEMBER_NAMES[rng.integers(len(MEMBER_NAMES))]
        return zip_of(members + [(name, pickle.dumps(Payload(sentinel)))]), "zip:add"
    if kind == 3:
        members[index] = (MEMBER_NAMES[rng.integers(len(MEMBER_NAMES))], members[index][1])
        return zip_of(members), "zip:rename"
    if kind == 4:
        method = [zipfile.ZIP_STORED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA][rng.integers(3)]
        return zip_of(members, method), "zip:recompress"
    if kind == 5:  # a bomb: a member inflating to far more than the caps allow
        name = members[index][0]
        size = int(rng.choice([5 << 20, 40 << 20, 200 << 20]))
        members[index] = (name, members[index][1] + b" " * size)
        return zip_of(members), "zip:bomb"
    if kind == 6:  # forge a declared size in the central directory
        raw = bytearray(zip_of(members))
        positions = [i for i in range(len(raw) - 4) if raw[i:i + 4] == b"PK\x01\x02"]
        where = positions[rng.integers(len(positions))]
        value = int(rng.choice([0, 1, 2 ** 31, 2 ** 32 - 1, rng.integers(2 ** 32)]))
        field = 24 if rng.integers(2) else 20  # uncompressed or compressed size
        raw[where + field:where + field + 4] = value.to_bytes(4, "little")
        return bytes(raw), "zip:forged-size"
    if kind == 7:  # forge the end record (entry count, directory size or offset)
        raw = bytearray(data)
        end = raw.rindex(b"PK\x05\x06")
        field = [8, 10, 12, 16][rng.integers(4)]
        width = 2 if field < 12 else 4
        raw[end + field:end + field + width] = int(rng.integers(2 ** (8 * width))).to_bytes(width, "little")
        return bytes(raw), "zip:forged-end"
    first, second = rng.choice(len(members), 2) if len(members) > 1 else (0, 0)
    names = [name for name, _ in members]
    names[first], names[second] = names[second], names[first]
    return zip_of([(name, content) for name, (_, content) in zip(names, members)]), "zip:swap"


def _json_paths(node, path=()):
    yield path
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _json_paths(value, path + (key,))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _json_paths(value, path + (index,))


def mutate_json(data: bytes, rng, sentinel) -> tuple[bytes, str]:
    members = members_of(data)
    json_members = [i for i, (name, _) in enumerate(members) if name.endswith(".json")]
    index = json_members[rng.integers(len(json_members))]
    document = json.loads(members[index][1])
    paths = [p for p in _json_paths(document) if p]
    path = paths[rng.integers(len(paths))]
    parent = document
    for step in path[:-1]:
        parent = parent[step]
    kind = rng.integers(10)
    if kind == 0 and isinstance(parent, dict):
        del parent[path[-1]]
        what = "json:delete"
    elif kind == 1:
        text = json.dumps(document).replace(json.dumps(parent[path[-1]])[:40], "[" * 5000, 1)
        members[index] = (members[index][0], text.encode())
        return zip_of(members), "json:deep"
    elif kind == 2:
        parent[path[-1]] = "HUGE_INT"
        text = json.dumps(document).replace('"HUGE_INT"', "9" * int(rng.choice([20, 400, 5000])))
        members[index] = (members[index][0], text.encode())
        return zip_of(members), "json:huge-int"
    else:
        value = HOSTILE_VALUES[rng.integers(len(HOSTILE_VALUES))]
        parent[path[-1]] = value
        what = "json:value"
    members[index] = (members[index][0], json.dumps(document, allow_nan=True).encode())
    return zip_of(members), what


def npz_members(content: bytes) -> list[tuple[str, bytes]]:
    return members_of(content)


def npy_header_of(data: bytes) -> tuple[dict, bytes]:
    import ast

    length = int.from_bytes(data[8:10], "little")
    return ast.literal_eval(data[10:10 + length].decode("latin1")), data[10 + length:]


def npy_from(header: dict, payload: bytes) -> bytes:
    text = repr(header).encode("latin1")
    text += b" " * ((64 - (10 + len(text) + 1) % 64) % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + len(text).to_bytes(2, "little") + text + payload


def _pick_npz(data, rng):
    members = members_of(data)
    candidates = [i for i, (name, _) in enumerate(members) if name.endswith(".npz")]
    index = candidates[rng.integers(len(candidates))]
    inner = npz_members(members[index][1])
    return members, index, inner


def mutate_npy_header(data: bytes, rng, sentinel) -> tuple[bytes, str]:
    members, index, inner = _pick_npz(data, rng)
    if not inner:
        return mutate_bytes(data, rng, sentinel)
    which = rng.integers(len(inner))
    name, npy = inner[which]
    header, payload = npy_header_of(npy)
    kind = rng.integers(6)
    if kind == 0:
        header["shape"] = tuple(int(v) for v in rng.choice([0, 1, 2, 7, 10 ** 5, 2 ** 31, 2 ** 62],
                                                            size=rng.integers(0, 4)))
    elif kind == 1:
        header["descr"] = DTYPES[rng.integers(len(DTYPES))]
    elif kind == 2:
        header["fortran_order"] = not header["fortran_order"]
    elif kind == 3:
        header["shape"] = tuple(reversed(header["shape"])) + (1,)
    elif kind == 4:
        npy = b"\x93NUMPY" + bytes([int(rng.integers(0, 4)), 0]) + npy[8:]
        inner[which] = (name, npy)
        members[index] = (members[index][0], zip_of(inner, zipfile.ZIP_STORED))
        return zip_of(members), "npy:version"
    else:
        garbage = ["{'descr': '<f8', 'fortran_order': False, 'shape': (1,), 'x': __import__('os')}",
                   "{'descr': '<f8'}", "[1, 2]", "{'descr': '<f8', 'fortran_order': False, 'shape': (-1,)}",
                   "{'descr': 'O', 'fortran_order': False, 'shape': (1,)}", "(" * 300]
        text = garbage[rng.integers(len(garbage))].encode()
        inner[which] = (name, b"\x93NUMPY\x01\x00" + len(text).to_bytes(2, "little") + text + payload)
        members[index] = (members[index][0], zip_of(inner, zipfile.ZIP_STORED))
        return zip_of(members), "npy:garbage"
    inner[which] = (name, npy_from(header, payload))
    members[index] = (members[index][0], zip_of(inner, zipfile.ZIP_STORED))
    return zip_of(members), f"npy:header-{['shape', 'dtype', 'order', 'rank'][kind]}"


def mutate_arrays(data: bytes, rng, sentinel) -> tuple[bytes, str]:
    members, index, inner = _pick_npz(data, rng)
    with np.load(io.BytesIO(members[index][1]), allow_pickle=False) as npz:
        arrays = {key: npz[key] for key in npz.files}
    keys = sorted(arrays)
    kind = rng.integers(8)
    key = keys[rng.integers(len(keys))] if keys else "x"
    if kind == 0 and keys:
        array = arrays[key].astype(np.float64, copy=True)
        if array.size:
            array.reshape(-1)[rng.integers(array.size)] = rng.choice([np.nan, np.inf, -np.inf, -1.0, -1e30, 1e30,
                                                                       1e300, 0.0])
        arrays[key] = array.astype(arrays[key].dtype) if arrays[key].dtype.kind == "f" else array
        what = "array:value"
    elif kind == 1 and keys:
        arrays[key] = arrays[key].astype([np.int32, np.bool_, np.complex64, np.float16, np.float64,
                                          np.uint8][rng.integers(6)])
        what = "array:dtype"
    elif kind == 2 and keys:
        del arrays[key]
        what = "array:drop"
    elif kind == 3:
        arrays[key + "_extra" if rng.integers(2) else "ghost/kernel/first_moment"] = rng.normal(size=3)
        what = "array:add"
    elif kind == 4 and keys:
        arrays[key] = arrays[key].reshape(-1)[:max(arrays[key].size - 1, 0)]
        what = "array:shape"
    elif kind == 5:
        buffer = io.BytesIO()
        np.savez(buffer, **{**arrays, key: np.array([Payload(sentinel)], dtype=object)})
        members[index] = (members[index][0], buffer.getvalue())
        return zip_of(members), "array:pickle"
    elif kind == 6 and keys:
        arrays[key] = np.abs(arrays[key]) * -1 - 1 if arrays[key].dtype.kind == "f" else arrays[key] * -5
        what = "array:negative"
    else:
        arrays["iterations"] = np.array(rng.choice([-5, 0, 2 ** 62, 7]), dtype=[np.int64, np.float64][rng.integers(2)])
        what = "array:iterations"
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    members[index] = (members[index][0], buffer.getvalue())
    return zip_of(members), what


def mutate_plausibly(data: bytes, rng, sentinel) -> tuple[bytes, str]:
    """A change a valid file could have: a number in config.json scaled, a flag flipped, or
    small noise on one array — most such files must load and then train."""
    members = members_of(data)
    if rng.integers(2) and any(name == "config.json" for name, _ in members):
        index = [name for name, _ in members].index("config.json")
        document = json.loads(members[index][1])
        leaves = [p for p in _json_paths(document) if p and isinstance(_at(document, p), (int, float))]
        path = leaves[rng.integers(len(leaves))]
        value = _at(document, path)
        new = (not value) if isinstance(value, bool) else type(value)(value * float(rng.choice([0.5, 2.0, 1.25])))
        _at(document, path[:-1])[path[-1]] = new
        members[index] = ("config.json", json.dumps(document, allow_nan=True).encode())
        return zip_of(members), "plausible:config"
    members, index, inner = _pick_npz(data, rng)
    with np.load(io.BytesIO(members[index][1]), allow_pickle=False) as npz:
        arrays = {key: npz[key] for key in npz.files}
    floating = [key for key, array in arrays.items() if array.dtype.kind == "f" and array.size]
    key = floating[rng.integers(len(floating))]
    arrays[key] = (arrays[key] + rng.normal(scale=0.01, size=arrays[key].shape)).astype(arrays[key].dtype)
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    members[index] = (members[index][0], buffer.getvalue())
    return zip_of(members), "plausible:array"


def _at(document, path):
    for step in path:
        document = document[step]
    return document


MUTATORS = [mutate_bytes, mutate_zip, mutate_json, mutate_json, mutate_npy_header, mutate_arrays, mutate_arrays,
            mutate_plausibly, mutate_plausibly]


def fuzzed_file(seed_bytes: bytes, rng, sentinel) -> tuple[bytes, list[str]]:
    data, kinds = seed_bytes, []
    for _ in range(rng.integers(1, 4)):
        mutator = MUTATORS[rng.integers(len(MUTATORS))]
        try:
            data, kind = mutator(data, rng, sentinel)
        except Exception:  # noqa: BLE001 - an earlier mutation broke what this one edits: keep what we have
            break
        kinds.append(kind)
    return data, kinds or ["none"]


# -- checking one file -------------------------------------------------------------------------------
class Tripwire:
    """Records any call to the functions through which a config could run a command.

    Pickles need no tripwire: every pickle a mutation plants is a payload whose unpickling
    creates the sentinel file (patching ``pickle`` itself would also catch numba reading its
    own kernel cache).
    """

    def __init__(self):
        self.calls = []
        record = self.calls.append
        os.system = lambda *a, **k: record(("os.system", a))
        os.popen = lambda *a, **k: record(("os.popen", a))
        subprocess.Popen.__init__ = lambda self, *a, **k: record(("subprocess.Popen", a))


def check_file(path: Path, sentinel: Path, tripwire: Tripwire) -> tuple[str, str]:
    from trainlab.saving import ModelFileError, load_model

    if path.suffix == ".zip":
        return check_weights_file(path, sentinel, tripwire)
    tracemalloc.start()
    try:
        model = load_model(path, **CAPS)
    except ModelFileError as error:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        PEAKS.append(peak)
        if "memory ran out" in str(error) or peak > PEAK_BOUND:
            return "blowup", f"peak {peak:,} bytes: {error}"[:300]
        return _after(sentinel, tripwire, "refused", str(error).split(": ", 1)[-1][:120])
    except Exception as error:  # noqa: BLE001 - anything else is exactly what the fuzzer looks for
        tracemalloc.stop()
        return "obscure", f"{type(error).__name__}: {error}"[:300]
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    PEAKS.append(peak)
    if peak > PEAK_BOUND:
        return "blowup", f"loaded with a traced peak of {peak:,} bytes"
    try:
        use(model)
    except Exception as error:  # noqa: BLE001
        return "broke_later", f"{type(error).__name__}: {error}"[:300]
    return _after(sentinel, tripwire, "loaded", "")


def check_weights_file(path, sentinel, tripwire) -> tuple[str, str]:
    import trainlab as keras
    from trainlab.saving import ModelFileError

    model = keras.Sequential([keras.layers.Dense(5, activation="relu", input_shape=[4]),
                              keras.layers.BatchNormalization(), keras.layers.Dropout(0.3),
                              keras.layers.Dense(3, activation="softmax")])
    tracemalloc.start()
    try:
        model.load_weights(path, **CAPS)
    except ModelFileError as error:
        tracemalloc.stop()
        return _after(sentinel, tripwire, "refused", str(error).split(": ", 1)[-1][:120])
    except ValueError as error:  # the documented mismatch error of load_weights (naming layers and shapes)
        tracemalloc.stop()
        if "do not match model" in str(error):
            return _after(sentinel, tripwire, "refused", "weights do not match the model")
        return "obscure", f"ValueError: {error}"[:300]
    except Exception as error:  # noqa: BLE001
        tracemalloc.stop()
        return "obscure", f"{type(error).__name__}: {error}"[:300]
    tracemalloc.stop()
    try:
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        use(model)
    except Exception as error:  # noqa: BLE001
        return "broke_later", f"{type(error).__name__}: {error}"[:300]
    return _after(sentinel, tripwire, "loaded", "")


def _after(sentinel, tripwire, verdict, detail):
    if sentinel.exists() or tripwire.calls:
        return "executed", f"{tripwire.calls!r:.200} sentinel={sentinel.exists()}"
    return verdict, detail


def use(model) -> None:
    """Compile as saved (or with a default when the file has no compile settings), take one step,
    resume one epoch with the same kind of callbacks, predict: all must work."""
    if not model.compiled:
        model.compile(optimizer="sgd", loss="mse")
    sparse = getattr(model.loss, "sparse_labels", False)
    outputs = model.output_shape[-1]
    x, y = training_data(None, outputs, 8, sparse, feature_shape=model.input_shape[1:])
    if not sparse:
        y = y.reshape(-1, *model.output_shape[1:]) if np.prod(model.output_shape[1:]) == outputs else \
            np.random.default_rng(0).uniform(0.05, 0.95, size=(8, *model.output_shape[1:]))
    model.train_on_batch(x, y)
    start = model.epochs_completed
    model.fit(x, y, epochs=start + 1, initial_epoch=start, batch_size=4, verbose=0, callbacks=resume_callbacks(model.optimizer))
    if not np.isfinite(model.predict(x, verbose=0)).all():
        raise FloatingPointError("predict gave NaN or inf after loading")


# -- the worker and the parent -----------------------------------------------------------------------
def worker(folder: Path, seed: int, start: int, stop: int) -> None:
    """Fuzz files start..stop-1 (each from its own generator, so a restart resumes exactly);
    prints one JSON line per file, before (``begin``) and after (the verdict)."""
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE_LIMIT, ADDRESS_SPACE_LIMIT))
    import trainlab  # noqa: F401 - imported before the tripwire, so imports work normally
    from trainlab.saving import load_model  # noqa: F401

    seeds = sorted(folder.glob("seed-*"))
    tripwire = Tripwire()
    for number in range(start, stop):
        rng = np.random.default_rng([seed, number])
        source = seeds[rng.integers(len(seeds))]
        sentinel = folder / f"EXECUTED-{number}"
        data, kinds = fuzzed_file(source.read_bytes(), rng, sentinel)
        path = folder / f"fuzzed{source.suffix}"
        path.write_bytes(data)
        print(json.dumps({"begin": number}), flush=True)
        PEAKS.clear()
        verdict, detail = check_file(path, sentinel, tripwire)
        print(json.dumps({"file": number, "seed": source.name, "mutations": kinds, "verdict": verdict,
                          "detail": detail, "peak": max(PEAKS, default=0)}), flush=True)


def run(files: int, seed: int, folder: Path) -> dict:
    """Fuzz ``files`` files in worker subprocesses; returns the counts and every bad case."""
    # Warnings (zipfile's "Duplicate name" while building files, NumPy overflows in extreme models) are noise here.
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
           "PYTHONWARNINGS": "ignore"}
    subprocess.run([sys.executable, "-m", "tests.saving.fuzz", "--make-seeds", str(folder)], check=True, env=env)
    results, number, started = {}, 0, time.time()
    while number < files:
        child = subprocess.Popen([sys.executable, "-m", "tests.saving.fuzz", "--worker", str(folder), str(seed),
                                  str(number), str(files)], stdout=subprocess.PIPE, text=True, env=env)
        current = None
        for line in child.stdout:
            record = json.loads(line)
            if "begin" in record:
                current = record["begin"]
            else:
                results[record["file"]] = record
                current = None
        child.wait()
        if current is not None:  # the worker died on this file
            results[current] = {"file": current, "verdict": "blowup",
                                "detail": f"the worker died (exit {child.returncode})"}
        number = max(results, default=-1) + 1
    counts = collections.Counter(record["verdict"] for record in results.values())
    by_mutation = collections.defaultdict(collections.Counter)
    for record in results.values():
        for kind in record.get("mutations", []):
            by_mutation[kind][record["verdict"]] += 1
    bad = [record for record in results.values() if record["verdict"] not in ("refused", "loaded")]
    return {"files": len(results), "seconds": round(time.time() - started, 1),
            "largest_traced_peak": max((record.get("peak", 0) for record in results.values()), default=0),
            "peak_bound": PEAK_BOUND,
            "counts": {key: counts.get(key, 0) for key in
                       ("refused", "loaded", "obscure", "broke_later", "blowup", "executed")},
            "by_mutation": {kind: dict(c) for kind, c in sorted(by_mutation.items())}, "bad": bad,
            "refusals": collections.Counter(record["detail"][:60] for record in results.values()
                                            if record["verdict"] == "refused").most_common(40)}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=300)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--report", help="write the full result (counts, bad cases) as JSON here")
    parser.add_argument("--make-seeds", help=argparse.SUPPRESS)
    parser.add_argument("--worker", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.make_seeds:
        make_seeds(Path(args.make_seeds))
        return 0
    if args.worker:
        folder, seed, start, stop = args.worker
        worker(Path(folder), int(seed), int(start), int(stop))
        return 0
    with tempfile.TemporaryDirectory() as folder:
        result = run(args.files, args.seed, Path(folder))
    if args.report:
        Path(args.report).write_text(json.dumps(result, indent=1))
    print(json.dumps({key: result[key] for key in ("files", "seconds", "counts", "largest_traced_peak", "peak_bound")}))
    for record in result["bad"][:20]:
        print(json.dumps(record))
    return 0 if not result["bad"] else 1


if __name__ == "__main__":
    sys.exit(main())
