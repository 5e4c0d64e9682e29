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
