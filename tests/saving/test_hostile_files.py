"""Hostile model files are refused with a clear message and nothing in them is executed.

Every case carries a pickle or names code; the sentinel file (created if a payload were ever
unpickled) and a patched ``os.system`` prove that nothing ran.
"""
import os
import re
import zipfile

import numpy as np
import pytest

import trainlab as keras
from trainlab import activations, constraints, initializers, layers, losses, metrics, optimizers, regularizers
from trainlab.saving import ModelFileError
from tests.saving import hostile


@pytest.fixture
def guarded(tmp_path, monkeypatch):
    """A valid model file, a sentinel path, and os.system replaced by a recorder."""
    calls = []
    monkeypatch.setattr(os, "system", lambda command: calls.append(command))
    path = tmp_path / "model.keras"
    hostile.valid_model_file(path)
    sentinel = tmp_path / "EXECUTED"
    yield path, sentinel
    assert not sentinel.exists(), "a payload in the file was executed"
    assert calls == [], "os.system was called while loading"


def refuse(path, message):
    with pytest.raises(ModelFileError, match=message):
        keras.models.load_model(path)


def test_a_pickle_member_in_the_zip(guarded):
    path, sentinel = guarded
    content = hostile.members(path)
    content["payload.pkl"] = hostile.pickle_payload(sentinel)
    hostile.write_members(path, content)
    refuse(path, "unexpected member 'payload.pkl'.*Refusing to load it")


def test_weights_npz_holding_an_object_array(guarded):
    path, sentinel = guarded
    content = hostile.members(path)
    content["weights.npz"] = hostile.npz_of(**{"dense/kernel": np.array([hostile.Payload(sentinel)], dtype=object)})
    hostile.write_members(path, content)
    refuse(path, "weights.npz: array 'dense/kernel' is a pickled or object array.*never loads")


def test_weights_npz_holding_a_pickle_member(guarded):
    path, sentinel = guarded
    content = hostile.members(path)
    content["weights.npz"] = hostile.npz_with_member("evil.pkl", hostile.pickle_payload(sentinel),
                                                     **{"dense/kernel": np.zeros((3, 4))})
    hostile.write_members(path, content)
    refuse(path, "weights.npz contains an unexpected member 'evil.pkl'; an array archive holds only .npy arrays")


def test_optimizer_npz_holding_an_object_array(guarded):
    path, sentinel = guarded
    content = hostile.members(path)
    content["optimizer.npz"] = hostile.npz_of(iterations=np.array([hostile.Payload(sentinel)], dtype=object))
    hostile.write_members(path, content)
    refuse(path, "optimizer.npz: array 'iterations' is a pickled or object array")


def test_a_non_numeric_array(guarded):
    path, _ = guarded
    content = hostile.members(path)
    content["weights.npz"] = hostile.npz_of(**{"dense/kernel": np.array(["rm -rf"])})
    hostile.write_members(path, content)
    refuse(path, "array 'dense/kernel' has dtype <U6; model files hold only numeric arrays")


def test_the_whole_file_is_a_pickle(guarded):
    path, sentinel = guarded
    path.write_bytes(hostile.pickle_payload(sentinel))
    refuse(path, "looks like a Python pickle.*never loads")


@pytest.mark.parametrize("name", ["../evil", "../../etc/cron.d/evil", "/etc/passwd", "C:/evil", "a/../../evil",
                                  "..\\evil"])
def test_member_paths_outside_the_archive(guarded, name):
    path, sentinel = guarded
    content = hostile.members(path)
    content[name] = hostile.pickle_payload(sentinel)
    hostile.write_members(path, content)
    refuse(path, re.escape(f"member {name!r} whose path points outside the archive"))
    assert not (path.parent.parent / "evil").exists()


def test_an_npz_member_path_outside_the_archive(guarded):
    path, sentinel = guarded
    content = hostile.members(path)
    content["weights.npz"] = hostile.npz_with_member("../evil.npy", hostile.pickle_payload(sentinel))
    hostile.write_members(path, content)
    refuse(path, "member weights.npz contains a member '../evil.npy' whose path points outside the archive")


def test_duplicated_members(guarded):
    path, _ = guarded
    content = list(hostile.members(path).items())
    with pytest.warns(UserWarning, match="Duplicate name"):
        hostile.write_members(path, content + [("config.json", b"{}")])
    refuse(path, "holds the member\\(s\\) config.json more than once")


def test_a_truncated_archive(guarded):
    path, _ = guarded
    data = path.read_bytes()
    for cut in (len(data) // 2, len(data) - 10):
        path.write_bytes(data[:cut])
        refuse(path, "truncated")


def test_a_damaged_member(guarded):
    path, _ = guarded
    data = bytearray(path.read_bytes())
    start = data.index(b"weights.npz") + 40  # inside that member's compressed bytes
    data[start:start + 8] = b"\x00" * 8
    path.write_bytes(bytes(data))
    refuse(path, "damaged|not a valid|truncated|Bad")


def _set_first_layer(config, class_name=None, **overrides):
    layer = config["model"]["config"]["layers"][0]
    if class_name is not None:
        layer["class_name"] = class_name
    layer["config"].update(overrides)


@pytest.mark.parametrize("class_name", ["os.system", "__import__", "builtins.eval", "__class__", "posix.system",
                                        "subprocess.Popen", "Layer.__subclasses__", "registry"])
def test_a_layer_class_that_is_not_registered(guarded, class_name):
    path, _ = guarded
    hostile.edit_config(path, lambda config: _set_first_layer(config, class_name))
    refuse(path, f"layer 0 \\('dense', class '{class_name}'\\) cannot be rebuilt: Unknown layer")


@pytest.mark.parametrize("key, value, kind", [
    ("kernel_initializer", {"class_name": "os.system", "config": {"command": "touch EXECUTED"}}, "initializer"),
    ("kernel_initializer", "__import__", "initializer"),
    ("activation", {"class_name": "os.system", "config": {}}, "activation"),
    ("activation", "__import__", "activation"),
    ("kernel_regularizer", {"class_name": "os.system", "config": {}}, "regularizer"),
    ("bias_regularizer", "__import__", "regularizer"),
    ("kernel_constraint", {"class_name": "os.system", "config": {}}, "constraint"),
    ("bias_constraint", "__import__", "constraint"),
])
def test_code_names_nested_inside_a_layer_config(guarded, key, value, kind):
    path, _ = guarded
    hostile.edit_config(path, lambda config: _set_first_layer(config, **{key: value}))
    name = value if isinstance(value, str) else value["class_name"]
    refuse(path, f"layer 0 \\('dense', class 'Dense'\\) cannot be rebuilt: Unknown {kind} '{name}'")


def test_unknown_keys_in_a_layer_config(guarded):
    path, _ = guarded
    hostile.edit_config(path, lambda config: _set_first_layer(config, command="touch EXECUTED"))
    refuse(path, "layer 0 \\('dense', class 'Dense'\\) cannot be rebuilt: Dense got unexpected keyword arguments: "
                 "command")


def test_a_non_float_layer_dtype(guarded):
    path, _ = guarded
    hostile.edit_config(path, lambda config: _set_first_layer(config, dtype="object"))
    refuse(path, "layer 0 \\('dense', class 'Dense'\\) has dtype 'object'; layers hold float16, float32, float64")


@pytest.mark.parametrize("field, value, message", [
    ("optimizer", {"class_name": "os.system", "config": {}}, "the optimizer cannot be rebuilt: Unknown optimizer"),
    ("optimizer", {"class_name": "SGD", "config": {"learning_rate": {"class_name": "os.system", "config": {}}}},
     "the optimizer cannot be rebuilt: Unknown learning-rate schedule 'os.system'"),
    ("optimizer", {"class_name": "SGD", "config": {"command": "x"}}, "the optimizer cannot be rebuilt"),
    ("loss", "__import__", "the loss cannot be rebuilt: Unknown loss '__import__'"),
    ("metrics", ["os.system"], "compile settings cannot be restored: Unknown metric 'os.system'"),
    ("metrics", [{"class_name": "os.system"}], "metrics must be a list of metric names"),
])
def test_code_names_in_the_compile_settings(guarded, field, value, message):
    path, _ = guarded
    hostile.edit_config(path, lambda config: config["compile"].__setitem__(field, value))
    refuse(path, message)


def test_an_unknown_model_class(guarded):
    path, _ = guarded
    hostile.edit_config(path, lambda config: config["model"].__setitem__("class_name", "os.system"))
    refuse(path, "unknown model class 'os.system'")


REGISTRIES = [layers.registry, initializers.registry, optimizers.registry, optimizers.schedules.registry,
              losses.registry, metrics.registry, regularizers.registry, constraints.registry, activations.registry]


@pytest.mark.parametrize("registry", REGISTRIES, ids=lambda registry: registry.kind)
@pytest.mark.parametrize("name", ["os.system", "__import__", "eval", "__class__", "__init__", "lookup", "_entries",
                                  "trainlab.layers.Dense", "builtins.open"])
def test_registry_lookups_reach_only_registered_names(registry, name):
    with pytest.raises(ValueError, match=f"Unknown {registry.kind} '{name}'"):
        registry.deserialize({"class_name": name, "config": {}})
    with pytest.raises(ValueError, match=f"Unknown {registry.kind} '{name}'"):
        registry.get(name)


def test_nothing_is_extracted_to_disk(guarded, tmp_path):
    path, _ = guarded
    before = sorted(os.listdir(tmp_path))
    keras.models.load_model(path)
    assert sorted(os.listdir(tmp_path)) == before


def test_the_valid_file_still_loads(guarded):
    path, _ = guarded
    assert zipfile.is_zipfile(path) and keras.models.load_model(path).built
