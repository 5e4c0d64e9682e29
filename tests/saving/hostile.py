"""Helpers that build damaged and hostile model files from a valid one."""
from __future__ import annotations

import io
import json
import pickle
import zipfile

import numpy as np

import trainlab as keras


class Payload:
    """Unpickling this creates the sentinel file: proof that something was executed."""

    def __init__(self, sentinel):
        self.sentinel = str(sentinel)

    def __reduce__(self):
        return open, (self.sentinel, "w")


def valid_model_file(path):
    keras.backend.clear_session()  # the layers are "dense" and "dense_1", as in a fresh session
    model = keras.Sequential([keras.layers.Dense(4, activation="relu", input_shape=[3]), keras.layers.Dense(2)])
    model.compile(optimizer=keras.optimizers.SGD(momentum=0.9), loss="mse")
    model.fit(np.ones((4, 3)), np.ones((4, 2)), epochs=1, verbose=0)
    model.save(path)
    return model


def members(path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def write_members(path, content: dict[str, bytes] | list[tuple[str, bytes]]) -> None:
    items = content.items() if isinstance(content, dict) else content
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in items:
            archive.writestr(zipfile.ZipInfo(name), data)


def edit_config(path, edit) -> None:
    """Rewrite config.json of the model file at ``path`` with ``edit(config)``."""
    content = members(path)
    config = json.loads(content["config.json"])
    edit(config)
    content["config.json"] = json.dumps(config).encode()
    write_members(path, content)


def npz_of(**arrays) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)  # allow_pickle defaults to True when writing: object arrays go in
    return buffer.getvalue()


def npz_with_member(name: str, data: bytes, **arrays) -> bytes:
    buffer = io.BytesIO(npz_of(**arrays))
    with zipfile.ZipFile(buffer, "a") as archive:
        archive.writestr(name, data)
    return buffer.getvalue()


def pickle_payload(sentinel) -> bytes:
    return pickle.dumps(Payload(sentinel))


def rich_model_file(path, optimizer="adam", callbacks=()):
    """Dense / BatchNormalization / Dropout, trained two epochs: every kind of state is in the file."""
    keras.backend.clear_session()
    keras.utils.set_random_seed(1)
    model = keras.Sequential([keras.layers.Dense(6, activation="relu", input_shape=[3]),
                              keras.layers.BatchNormalization(), keras.layers.Dropout(0.3),
                              keras.layers.Dense(3, activation="softmax")])
    model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    x = np.random.default_rng(0).normal(size=(24, 3))
    model.fit(x, (x[:, 0] > 0).astype(int) + (x[:, 1] > 0), epochs=2, batch_size=8, verbose=0,
              callbacks=list(callbacks))
    model.save(path)
    return model


def read_npz_member(path, member) -> dict[str, np.ndarray]:
    with np.load(io.BytesIO(members(path)[member])) as npz:
        return {key: npz[key] for key in npz.files}


def edit_npz(path, member, edit) -> None:
    """Rewrite the ``.npz`` member of the model file at ``path`` with ``edit(arrays)``."""
    arrays = read_npz_member(path, member)
    edit(arrays)
    content = members(path)
    content[member] = npz_of(**arrays)
    write_members(path, content)


def npy_with_header(header: dict, data: bytes = b"") -> bytes:
    """A raw ``.npy`` (version 1.0) whose header says whatever ``header`` says."""
    text = repr(header).encode("latin1")
    text += b" " * ((64 - (10 + len(text) + 1) % 64) % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + len(text).to_bytes(2, "little") + text + data


def npz_of_raw(**members_bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members_bytes.items():
            archive.writestr(name + ".npy", data)
    return buffer.getvalue()
