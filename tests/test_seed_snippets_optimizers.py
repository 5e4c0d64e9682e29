"""Every optimizer, schedule and callback code line of seeds 000–002 runs as written with
``import trainlab as keras``.

The snippets are copied verbatim from the notes (``test_snippets_are_verbatim`` checks that each
one occurs in its seed file, whitespace aside, when the seeds are available). Seed 002 imports
``from tensorflow.keras...``; those lines run with ``tensorflow.keras`` replaced by ``trainlab``
(the same substitution as ``import trainlab as keras``). Two deliberate departures:

* ``from tensorflow.keras.schedules import ExponentialDecay`` (seed 002) names a module that
  exists in neither Keras nor trainlab; it runs as ``trainlab.optimizers.schedules``.
* ``model.fit(..., callbakcs=[lr_scheduler])`` (seed 002) is a typo that raises in Keras too; the
  snippet is run with the keyword spelled ``callbacks`` (the code line that creates the callback
  runs as written).

``RMSProp`` (seed 002's spelling) is accepted as an alias of ``RMSprop``.
"""
import pathlib
import re

import numpy as np
import pytest

import trainlab as keras

SEEDS = pathlib.Path(__file__).resolve().parents[2] / "shared" / "seeds"
SEED_DIRS = [SEEDS, pathlib.Path("/work/shared/seeds")]

SNIPPETS = {
    "000": [
        "optimizer = keras.optimizers.SGD(lr = 0.001, momentum = 0.9)",
        "optimizer = keras.optimizers.SGD(lr = 0.001, momentum = 0.9, nesterov = True)",
        "optimizer = keras.optimizers.RMSprop(lr = 0.001, rho = 0.9)",
        "optimizer = keras.optimizers.Adam(lr = 0.001, beta_1 = 0.9, beta_2 = 0.999)",
        "optimizer = keras.optimizers.SGD(lr = 0.01, decay = 1e-4)",
        "def exponential_decay_fn(epoch):\n    return 0.01 * 0.1 ** (epoch / 20)",
        "def exponential_decay(lr0, s):\n    def exponential_decay_fn(epoch):\n        return lr0 * 0.1 ** (epoch / 20)\n"
        "    return exponential_decay_fn\n\nexponential_decay_fn = exponential_decay(lr0 = 0.01, s = 20)",
        "lr_scheduler = keras.callbacks.LearningRateScheduler(exponential_decay_fn)",
        "def exponential_decay_fn(epoch, lr):\n    return lr * 0.1 ** (1/20)",
        "def piecewise_constant_fn(epoch):\n    if epoch < 5:\n        return 0.01\n    elif epoch < 15:\n"
        "        return 0.005\n    else:\n        return 0.001",
        "lr_scheduler = keras.callbacks.LearningRateScheduler(piecewise_constant_fn)",
        "lr_scheduler = keras.callbacks.ReduceLROnPlateau(factor = 0.5, patience = 5)",
        # commented out in the seed (it had no data at hand); run here with data
        "s = 20 * len(X_tr) // 32 # 배치가 32일 때, 20번 에포크에 담긴 전체 스텝수",
        "learning_rate = keras.optimizers.schedules.ExponentialDecay(0.01, s, 0.1)",
        "optimizer = keras.optimizers.SGD(learning_rate)",
    ],
    "001": [
        "optimizer = keras.optimizers.SGD(clipvalue=1.0)",
        "optimizer = keras.optimizers.SGD(clipnorm=1.0)",
        "optimizer = keras.optimizers.SGD(lr=0.001, momentum=0.9)",
        "optimizer = keras.optimizers.SGD(lr=0.001, momentum=0.9, nesterov=True)",
        "optimizer = keras.optimizers.Adagrad(lr=0.001)",
        "optimizer = keras.optimizers.RMSprop(lr=0.001, rho=0.9)",
        "optimizer = keras.optimizers.Adam(lr=0.001, beta_1=0.9, beta_2=0.999)",
        "optimizer = keras.optimizers.Adamax(lr=0.001, beta_1=0.9, beta_2=0.999)",
        "optimizer = keras.optimizers.SGD(lr=0.01, decay=1e-4)",
        "def exponential_decay_fn(epoch):\n    return 0.01 * 0.1**(epoch / 20)",
        "def exponential_decay(lr0, s):\n    def exponential_decay_fn(epoch):\n        return lr0 * 0.1**(epoch / s)\n"
        "    return exponential_decay_fn\n\nexponential_decay_fn = exponential_decay(lr0=0.01, s=20)",
        "lr_scheduler = keras.callbacks.LearningRateScheduler(exponential_decay_fn)\n\n"
        "history = model.fit(X_train_scaled, y_train, epochs=n_epochs,\n"
        "                    validation_data=(X_valid_scaled, y_valid),\n                    callbacks=[lr_scheduler])",
        "K = keras.backend\nclass ExponentialDecay(keras.callbacks.Callback):\n    def __init__(self, s=40000):\n"
        "        super().__init__()\n        self.s = s\n\n    def on_batch_begin(self, batch, logs=None):\n"
        "        # Note: the `batch` argument is reset at each epoch\n"
        "        lr = K.get_value(self.model.optimizer.lr)\n"
        "        K.set_value(self.model.optimizer.lr, lr * 0.1**(1 / s))\n\n"
        "    def on_epoch_end(self, epoch, logs=None):\n        logs = logs or {}\n"
        "        logs['lr'] = K.get_value(self.model.optimizer.lr)",
        "s = 20 * len(X_train) // 32        # 20 에포크 동안의 스텝 수, 배치크기는 32\nexp_decay = ExponentialDecay(s)\n\n"
        "history = model.fit(X_train_scaled, y_train, epochs=n_epochs,\n"
        "                    validation_data=(X_valid_scaled, y_valid),\n                    callbacks=[exp_decay])",
        "def piecewise_constant_fn(epoch):\n    if epoch < 5:\n        return 0.01\n    elif epoch < 15:\n"
        "        return 0.005\n    else:\n        return 0.001",
        "def piecewise_constant(boundaries, values):\n    boundaries = np.array([0] + boundaries)\n"
        "    values = np.array(values)\n    def piecewise_constant_fn(epoch):\n"
        "        return values[np.argmax(boundaries > epoch) - 1]\n    return piecewise_constant_fn\n\n"
        "piecewise_constant_fn = piecewise_constant([5, 15], [0.01, 0.005, 0.001])",
        "lr_scheduler = keras.callbacks.LearningRateScheduler(piecewise_constant_fn)\n\n"
        "history = model.fit(X_train_scaled, y_train, epochs=n_epochs,\n"
        "                    validation_data=(X_valid_scaled, y_valid),\n                    callbacks=[lr_scheduler])",
        "lr_scheduler = keras.callbacks.ReduceLROnPlateau(factor=0.5, patience=5)",
        "s = 20 * len(X_train) // 32 # 전체 스텝 수 계산(에포크 20, 배치크기 32)\n"
        "learning_rate = keras.optimizers.schedules.ExponentialDecay(0.01, s, 0.1)\n"
        "optimizer = keras.optimizers.SGD(learning_rate)",
        "learning_rate = keras.optimizers.schedules.PiecewiseConstantDecay(\n"
        "                    boundaries=[5. * n_steps_per_epoch, 15. * n_steps_per_epoch],\n"
        "                    values=[0.01, 0.005, 0.001])\noptimizer = keras.optimizers.SGD(learning_rate)",
    ],
    "002": [
        "from tensorflow.keras.optimizers import SGD\n\noptimizer = SGD(lr=0.001, momentum=0.9)",
        "from tensorflow.keras.optimizers import SGD\n\noptimizer = SGD(lr=0.001, momentum=0.9, nesterov=True)",
        "from tensorflow.keras.optimizers import Adagrad\n\noptimizer = Adagrad(lr=0.001)",
        "from tensorflow.keras.optimizers import RMSProp\n\n"
        "optimizer = RMSProp(lr=0.001, rho=0.9) # rho는 베타에 해당 (default = 0.9)",
        "from tensorflow.keras.optimizers import Adam\n\noptimizer = Adam(lr=0.001, beta_1=0.9, beta_2=0.999)",
        "from tensorflow.keras.optimizers import Adamax\n\noptimizer = Adamax(lr=0.001, beta_1=0.9, beta_2=0.999)",
        "from tensorflow.keras.optimizers import SGD\n\noptimizer = SGD(lr=0.01, decay=1e-4)",
        "def exponential_decay_fn(epoch): # 현재 에포크의 학습률을 받아 반환하는 함수 필요\n"
        "    return 0.01 * 0.1**(epoch / 20)",
        "def piecewise_constant_fn(epoch):\n    if epoch < 5:\n        return 0.01\n    elif epoch < 15:\n"
        "        return 0.005\n    else:\n        return 0.001",
        "from tensorflow.keras.callbacks import LearningRateScheduler\n\n"
        "lr_scheduler = LearningRateScheduler(piecewise_constant_fn)\n\n"
        "history = model.fit(X_train_scaled, y_train, epochs=n_epochs,\n"
        "                    validation_data=(X_valid_scaled, y_valid),\n                    callbakcs=[lr_scheduler])",
        "from tensorflow.keras.callbacks import ReduceLROnPlateau\n"
        "from tensorflow.keras.schedules import ExponentialDecay\nfrom tensorflow.keras.optimizers import SGD\n\n"
        "# 다음 콜백을 fit() 메서드에 전달하면 최상의 검증 손실이 다섯 번의 연속적인 에포크 동안 향상되지 안흥ㄹ 때마다 "
        "학습률에 0.5를 곱한다.\nlr_scheduler = ReduceLROnPlateau(factor=0.5, patience=5) \n\n"
        "s = 20 * len(X_train) // 32 # 20번 에포크에 담긴 전체 스텝 수 (배치 크기 = 32)\n"
        "learning_rate = ExponentialDecay(0.01, s, 0.1)\noptimizer = SGD(learning_rate=learning_rate)",
    ],
}
CASES = [(seed, i, text) for seed, texts in SNIPPETS.items() for i, text in enumerate(texts)]
DEPARTURES = {"tensorflow.keras.schedules": "trainlab.optimizers.schedules", "callbakcs=": "callbacks="}


def runnable(text: str) -> str:
    for old, new in DEPARTURES.items():
        text = text.replace(old, new)
    return text.replace("tensorflow.keras", "trainlab")


def namespace():
    rng = np.random.default_rng(0)
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.layers.Dense(8, activation="relu", input_shape=[6]),
                              keras.layers.Dense(3, activation="softmax")])
    model.compile(loss="sparse_categorical_crossentropy", optimizer=keras.optimizers.SGD(learning_rate=0.01))
    x = rng.normal(size=(64, 6)).astype("float32")
    y = rng.integers(0, 3, 64)
    return {"keras": keras, "np": np, "model": model, "X_train": x, "X_tr": x, "X_train_scaled": x, "y_train": y,
            "X_valid_scaled": x[:16], "y_valid": y[:16], "n_epochs": 3, "n_steps_per_epoch": 2}


def run_through(seed: str, last: int) -> dict:
    """Run the seed's snippets 0..last in one scope, in order, as a reader of the notes would."""
    scope = namespace()
    for index, text in enumerate(SNIPPETS[seed][:last + 1]):
        scope.pop("history", None)
        exec(compile(runnable(text), f"<seed {seed} snippet {index}>", "exec"), scope)
    return scope


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.parametrize("seed, index, text", CASES, ids=[f"{s}-{i}" for s, i, _ in CASES])
def test_snippet_runs(seed, index, text):
    scope = run_through(seed, index)
    if "optimizer" in scope:
        assert isinstance(scope["optimizer"], keras.optimizers.Optimizer)
    if "history" in scope:
        assert len(scope["history"].history["loss"]) == scope["n_epochs"]
    if "lr_scheduler" in scope:
        assert isinstance(scope["lr_scheduler"], keras.callbacks.Callback)


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_snippets_mean_what_the_notes_say():
    scope = run_through("001", 12)  # up to the per-step ExponentialDecay callback
    start = float(scope["model"].optimizer.lr)
    exec(runnable(SNIPPETS["001"][13]), scope)  # its fit
    steps = scope["n_epochs"] * 2  # 64 samples, batch 32
    assert scope["history"].history["lr"][-1] == pytest.approx(start * 0.1 ** (steps / scope["s"]))
    scope = run_through("001", len(SNIPPETS["001"]) - 1)
    assert [scope["learning_rate"](t) for t in (10, 11, 30, 31)] == [0.01, 0.005, 0.005, 0.001]
    scope = run_through("000", 4)
    assert scope["optimizer"].decay == 1e-4 and float(scope["optimizer"].lr) == 0.01
    scope = run_through("002", 3)
    assert isinstance(scope["optimizer"], keras.optimizers.RMSprop)


def _normalize(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.mark.parametrize("seed", sorted(SNIPPETS))
def test_snippets_are_verbatim(seed):
    directory = next((d for d in SEED_DIRS if d.is_dir()), None)
    if directory is None:
        pytest.skip("the seed notes are not available here")
    source = _normalize(next(directory.glob(f"{seed}_*.txt")).read_text(encoding="utf-8"))
    missing = [text for text in SNIPPETS[seed] if _normalize(text.lstrip("# ")) not in source
               and _normalize("# " + text) not in source]
    assert not missing
