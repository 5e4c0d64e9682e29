"""Automatic names as Keras 3 gives them, with the counters at the ground floor (backend)."""
import ast
import pathlib

import pytest

import trainlab as keras
from trainlab import backend, layers, optimizers


@pytest.fixture(autouse=True)
def fresh_session():
    backend.clear_session()
    yield
    backend.clear_session()


def test_layers_are_named_by_class_then_counted():
    names = [layers.Dense(1).name, layers.Dense(1).name, layers.BatchNormalization().name, layers.Dense(1).name,
             layers.LeakyReLU().name, layers.PReLU().name]
    assert names == ["dense", "dense_1", "batch_normalization", "dense_2", "leaky_re_lu", "p_re_lu"]


def test_clear_session_starts_the_counters_over():
    layers.Dense(1), layers.Dense(1)
    backend.clear_session()
    assert layers.Dense(1).name == "dense"


def test_an_explicit_name_is_never_generated_again():
    layers.Dense(1, name="dense_1")
    assert [layers.Dense(1).name, layers.Dense(1).name] == ["dense", "dense_2"]


def test_models_are_auto_named():
    assert [keras.Sequential().name, keras.Sequential().name, keras.Sequential(name="mine").name] == [
        "sequential", "sequential_1", "mine"]


def test_optimizers_take_keras_3_default_names():
    # keras/src/optimizers/*.py: each class passes a fixed default name; Adagrad passes None and is auto-named.
    fixed = {optimizers.SGD: "SGD", optimizers.Adam: "adam", optimizers.AdamW: "adamw", optimizers.Adamax: "adamax",
             optimizers.Nadam: "nadam", optimizers.RMSprop: "rmsprop"}
    for cls, name in fixed.items():
        assert cls().name == cls().name == name
    assert [optimizers.Adagrad().name, optimizers.Adagrad().name] == ["adagrad", "adagrad_1"]
    assert optimizers.Adam(name="outer").name == "outer"
    assert optimizers.get("adam").get_config()["name"] == "adam"


def test_a_custom_optimizer_without_a_name_is_auto_named():
    class MyMomentum(optimizers.SGD):
        default_name = None

    assert [MyMomentum().name, MyMomentum().name] == ["my_momentum", "my_momentum_1"]


def test_backend_imports_nothing_above_the_ground_floor():
    # backend is imported by layers and optimizers; it must not import them back (it once imported
    # layers/base.py for the name counters).
    source = pathlib.Path(backend.__file__).read_text()
    imported = {node.module for node in ast.walk(ast.parse(source)) if isinstance(node, ast.ImportFrom)}
    imported |= {alias.name for node in ast.walk(ast.parse(source)) if isinstance(node, ast.Import)
                 for alias in node.names}
    assert {name for name in imported if name and name.startswith("trainlab")} == {"trainlab._registry"}
