"""``import trainlab`` stays cheap: the namespaces load on first use, heavy libraries later still."""
import subprocess
import sys

import pytest

HEAVY = ("numba", "llvmlite", "matplotlib", "sklearn", "scipy", "torch", "dask")


def modules_after(code: str) -> set[str]:
    script = f"import sys\n{code}\nprint(' '.join(sorted({{m.split('.')[0] for m in sys.modules}})))"
    result = subprocess.run([sys.executable, "-c", script], check=True, capture_output=True, text=True)
    return set(result.stdout.split())


def test_import_trainlab_loads_no_heavy_library_and_not_even_its_namespaces():
    loaded = modules_after("import trainlab")
    assert not loaded & set(HEAVY), f"import trainlab imported {sorted(loaded & set(HEAVY))}"
    assert "numpy" not in loaded  # nothing is imported until a namespace is used


def test_using_the_keras_namespaces_loads_no_heavy_library():
    code = ("import numpy as np\nimport trainlab as keras\n"
            "model = keras.Sequential([keras.layers.Dense(3, activation='relu', input_shape=[4]),\n"
            "                          keras.layers.BatchNormalization(), keras.layers.Dropout(0.5),\n"
            "                          keras.layers.Dense(2, activation='softmax')])\n"
            "model.compile(optimizer=keras.optimizers.Nadam(), loss='sparse_categorical_crossentropy',\n"
            "              metrics=['accuracy'])\n"
            "cb = [keras.callbacks.EarlyStopping(), keras.callbacks.ReduceLROnPlateau()]\n"
            "for name in sorted(keras.__all__): getattr(keras, name)\n")
    loaded = modules_after(code)
    assert not loaded & set(HEAVY), f"the namespaces imported {sorted(loaded & set(HEAVY))}"


def test_training_imports_numba_only_when_it_is_installed_and_enabled():
    from trainlab import _jit

    if not _jit.AVAILABLE:
        pytest.skip("numba not installed")
    code = ("import numpy as np\nimport trainlab as keras\n"
            "model = keras.Sequential([keras.layers.Dense(2, input_shape=[3])])\n"
            "model.compile(optimizer='adam', loss='mse')\n"
            "model.fit(np.ones((4, 3)), np.ones((4, 2)), epochs=1, verbose=0)\n")
    assert "numba" in modules_after(code)
    assert "numba" not in modules_after("from trainlab import _jit\n" + code.replace(
        "model.fit", "with _jit.use_numba(False): model.fit"))


def test_namespaces_and_submodules_are_attributes():
    import trainlab

    assert {"layers", "optimizers", "Sequential", "datasets"} <= set(dir(trainlab))
    assert trainlab.Sequential is trainlab.models.Sequential
    assert trainlab.paths.__name__ == "trainlab.paths"  # any submodule, as eager imports used to allow
    with pytest.raises(AttributeError, match="module 'trainlab' has no attribute 'Sequentail'"):
        trainlab.Sequentail
