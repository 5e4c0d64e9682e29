"""The training doctor: broken nets are flagged with the notes' remedies, healthy ones stay quiet."""
import json

import numpy as np
import pytest

import trainlab as keras
from trainlab import callbacks, cli, initializers, layers, optimizers
from trainlab.diagnostics_rules import PROBLEMS, REMEDIES, Thresholds, gradient_findings

RECORD_KEYS = {"epoch", "loss", "probe_loss", "layers", "params"}
LAYER_KEYS = {"class_name", "activation", "mean", "std", "saturated_fraction", "dead_fraction", "depth"}
PARAM_KEYS = {"grad_norm", "weight_norm", "update_ratio"}


@pytest.fixture(scope="module")
def digits():
    (x, y), _ = keras.datasets.load("digits")
    return x.astype(np.float32) / 255, y


def mlp(activation, initializer, depth, optimizer, units=100, bias_initializer="zeros", seed=0):
    keras.utils.set_random_seed(seed)
    stack = [layers.Input((8, 8)), layers.Flatten()]
    stack += [layers.Dense(units, activation=activation, kernel_initializer=initializer,
                           bias_initializer=bias_initializer) for _ in range(depth)]
    stack.append(layers.Dense(10, activation="softmax"))
    model = keras.Sequential(stack)
    model.compile(loss="sparse_categorical_crossentropy", optimizer=optimizer, metrics=["accuracy"])
    return model


def diagnose(model, digits, epochs, **kwargs):
    doctor = callbacks.Diagnostics(**kwargs)
    model.fit(*digits, epochs=epochs, verbose=0, callbacks=[doctor])
    return doctor


def problems(doctor):
    return {finding.problem for finding in doctor.findings}


def test_sigmoid_with_standard_normal_init_vanishes_and_saturates(digits):
    model = mlp("sigmoid", initializers.RandomNormal(0.0, 1.0), 10, optimizers.SGD(learning_rate=0.01))
    doctor = diagnose(model, digits, epochs=2)
    found = {finding.problem: finding for finding in doctor.findings}
    assert {"vanishing_gradients", "saturated_activations"} <= set(found)
    vanishing = found["vanishing_gradients"]
    top_name = model.layers[-1].name
    assert vanishing.epoch == 0 and vanishing.layer in [layer.name for layer in model.layers[1:-1]]
    assert vanishing.remedy == REMEDIES["vanishing_gradients"] and "001" in vanishing.remedy
    assert "He" in vanishing.remedy and "BatchNormalization" in vanishing.remedy
    assert "Glorot" in found["saturated_activations"].remedy
    # the evidence's numbers are the record's: the hidden kernel's relative gradient against the top's
    first = doctor.records[0]["params"]
    hidden = first[f"{vanishing.layer}/kernel"]
    top = first[f"{top_name}/kernel"]
    ratio = (hidden["grad_norm"] / hidden["weight_norm"]) / (top["grad_norm"] / top["weight_norm"])
    assert ratio < 1e-2 and f"{ratio:.2g}x" in vanishing.evidence


def test_healthy_relu_he_net_stays_quiet(digits):
    model = mlp("relu", "he_normal", 2, optimizers.SGD(learning_rate=0.05, momentum=0.9))
    doctor = diagnose(model, digits, epochs=3)
    assert doctor.findings == []
    assert "no problems found in 3 epochs" in doctor.report()
    assert [record["epoch"] for record in doctor.records] == [0, 1, 2, 3]


def test_large_negative_bias_kills_relus(digits):
    model = mlp("relu", "he_normal", 2, optimizers.SGD(learning_rate=0.05),
                bias_initializer=initializers.Constant(-5.0))
    doctor = diagnose(model, digits, epochs=1)
    dying = [finding for finding in doctor.findings if finding.problem == "dying_relus"]
    assert len(dying) == 1 and dying[0].epoch == 0 and "LeakyReLU" in dying[0].remedy
    assert doctor.records[0]["layers"][dying[0].layer]["dead_fraction"] == 1.0


def test_huge_init_scale_explodes_and_the_findings_survive_the_crash(digits):
    model = mlp("relu", initializers.RandomNormal(0.0, 1.0), 4, optimizers.SGD(learning_rate=0.01))
    doctor = callbacks.Diagnostics()
    with pytest.raises(FloatingPointError, match="training diverged"):
        with np.errstate(all="ignore"):
            model.fit(*digits, epochs=2, verbose=0, callbacks=[doctor])
    exploding = [finding for finding in doctor.findings if finding.problem == "exploding_gradients"]
    assert exploding and exploding[0].epoch == 0 and "clipnorm" in exploding[0].remedy


def test_non_finite_loss_is_divergence_once(digits):
    """A run that goes on after NaN (a stop-on-NaN callback present) reports divergence once."""
    class KeepGoingOnNaN(callbacks.Callback):
        stops_on_nan = True

    model = mlp("relu", initializers.RandomNormal(0.0, 1.0), 4, optimizers.SGD(learning_rate=0.01))
    doctor = callbacks.Diagnostics()
    with np.errstate(all="ignore"):
        model.fit(*digits, epochs=3, verbose=0, callbacks=[doctor, KeepGoingOnNaN()])
    divergence = [finding for finding in doctor.findings if finding.problem == "divergence"]
    assert len(divergence) == 1 and divergence[0].epoch == 1 and "became nan" in divergence[0].evidence
    assert doctor.losses == [None, None, None]
    assert "lower the learning rate" in divergence[0].remedy.lower()


def test_rising_loss_is_divergence_after_patience():
    doctor = callbacks.Diagnostics(divergence_patience=2)
    doctor.best = 1.0
    for epoch, loss in enumerate([0.9, 1.2, 1.3], start=1):  # best 0.9; 1.2 and 1.3 are > 10% above it
        doctor._check_loss(epoch, loss)
    (finding,) = doctor.findings
    assert finding.problem == "divergence" and finding.epoch == 3
    assert "(1.3) has been more than 10% above its best (0.9) for 2 epochs" in finding.evidence


def test_plateau_uses_min_delta_and_patience():
    doctor = callbacks.Diagnostics(plateau_patience=2, plateau_min_delta=0.01)
    for epoch, loss in enumerate([1.0, 0.995, 0.99, 0.97], start=1):
        doctor._check_loss(epoch, loss)
    (finding,) = doctor.findings
    assert finding.problem == "plateau" and finding.epoch == 3 and "ReduceLROnPlateau" in finding.remedy


def test_each_problem_reported_once_with_first_epoch(digits):
    model = mlp("sigmoid", initializers.RandomNormal(0.0, 1.0), 10, optimizers.SGD(learning_rate=0.01))
    doctor = diagnose(model, digits, epochs=3)
    names = [finding.problem for finding in doctor.findings]
    assert len(names) == len(set(names)) and set(names) <= set(PROBLEMS)
    assert doctor.report().count("vanishing gradients") == 1


def test_records_are_json_safe_with_documented_keys(digits):
    model = mlp("relu", "he_normal", 2, optimizers.SGD(learning_rate=0.05), units=32)
    doctor = diagnose(model, digits, epochs=2, sample_size=64)
    text = json.dumps(doctor.to_dict(), allow_nan=False)
    assert json.loads(text)["records"] == doctor.records
    for record in doctor.records:
        assert set(record) == RECORD_KEYS
        assert all(set(stats) == LAYER_KEYS for stats in record["layers"].values())
        assert all(set(stats) == PARAM_KEYS for stats in record["params"].values())
    first, last = doctor.records[0], doctor.records[-1]
    assert first["loss"] is None and last["loss"] == pytest.approx(model.history.history["loss"][-1])
    assert list(first["layers"]) == [layer.name for layer in model.layers]
    hidden = model.layers[1].name
    assert first["params"][f"{hidden}/kernel"]["update_ratio"] is None
    assert last["params"][f"{hidden}/kernel"]["update_ratio"] > 0
    assert first["layers"][hidden]["saturated_fraction"] is None  # ReLU: dead units, not saturation
    assert first["layers"][hidden]["dead_fraction"] is not None


def test_statistics_match_an_independent_computation(digits):
    """Activation stats, gradient norms and update ratios recomputed by hand on the probe."""
    x, y = digits
    model = mlp("relu", "he_normal", 1, optimizers.SGD(learning_rate=0.1), units=16)
    before = model.get_weights()
    doctor = diagnose(model, (x, y), epochs=1, probe=(x[:50], y[:50]))
    after = model.get_weights()
    probe = x[:50].reshape(50, -1).astype(np.float64)
    hidden_name, top_name = model.layers[1].name, model.layers[2].name
    for weights, record in ((before, doctor.records[0]), (after, doctor.records[1])):
        kernel, bias, top_kernel, top_bias = (w.astype(np.float64) for w in weights)
        hidden = np.maximum(probe @ kernel + bias, 0)
        logits = hidden @ top_kernel + top_bias
        p = np.exp(logits - logits.max(1, keepdims=True))
        p /= p.sum(1, keepdims=True)
        delta = p.copy()
        delta[np.arange(50), y[:50]] -= 1
        delta /= 50
        grad_top = hidden.T @ delta
        grad_hidden = probe.T @ ((delta @ top_kernel.T) * (hidden > 0))
        stats = record["layers"][hidden_name]
        assert stats["mean"] == pytest.approx(hidden.mean(), rel=1e-4)
        assert stats["std"] == pytest.approx(hidden.std(), rel=1e-4)
        assert stats["dead_fraction"] == pytest.approx(np.mean(np.all(hidden == 0, axis=0)))
        assert record["probe_loss"] == pytest.approx(-np.log(p[np.arange(50), y[:50]]).mean(), rel=1e-4)
        params = record["params"]
        assert params[f"{top_name}/kernel"]["grad_norm"] == pytest.approx(np.linalg.norm(grad_top), rel=1e-4)
        assert params[f"{hidden_name}/kernel"]["grad_norm"] == pytest.approx(np.linalg.norm(grad_hidden), rel=1e-4)
    ratio = np.linalg.norm(after[0] - before[0]) / np.linalg.norm(before[0])
    assert doctor.records[1]["params"][f"{hidden_name}/kernel"]["update_ratio"] == pytest.approx(ratio, rel=1e-4)


def test_saturation_counts_sigmoid_and_tanh_margins():
    from trainlab.callbacks.diagnostics import activation_statistics

    sigmoid = layers.Dense(4, activation="sigmoid")
    tanh = layers.Dense(4, activation="tanh")
    sig_out = np.array([[0.005, 0.5, 0.995, 0.2]], np.float32)
    tanh_out = np.array([[-0.995, 0.0, 0.98, 0.999]], np.float32)
    assert activation_statistics(sigmoid, sig_out)["saturated_fraction"] == 0.5
    assert activation_statistics(tanh, tanh_out)["saturated_fraction"] == 0.5
    assert activation_statistics(tanh, tanh_out)["dead_fraction"] is None


def test_probe_does_not_disturb_training(digits):
    weights = []
    for with_doctor in (False, True):
        model = mlp("relu", "he_normal", 2, optimizers.SGD(learning_rate=0.05, momentum=0.9), units=32)
        model.fit(*digits, epochs=2, verbose=0, callbacks=[callbacks.Diagnostics()] if with_doctor else [])
        weights.append(model.get_weights())
    assert all(np.array_equal(a, b) for a, b in zip(*weights))


def test_every_controls_the_probe_epochs(digits):
    model = mlp("relu", "he_normal", 1, optimizers.SGD(learning_rate=0.05), units=16)
    doctor = diagnose(model, digits, epochs=4, every=2)
    assert [record["epoch"] for record in doctor.records] == [0, 2, 4]
    assert len(doctor.losses) == 4


def test_gradient_rule_thresholds_are_respected():
    def record(hidden_grad, top_grad=1.0):
        return {"params": {"a/kernel": {"grad_norm": hidden_grad, "weight_norm": 2.0},
                           "a/bias": {"grad_norm": 1.0, "weight_norm": 0.0},
                           "b/kernel": {"grad_norm": top_grad, "weight_norm": 1.0}}}

    def found(findings):
        return [(problem, layer) for problem, layer, _ in findings]

    limits = Thresholds(vanishing_ratio=1e-3, exploding_gradient=200, exploding_ratio=100)
    assert gradient_findings(record(4e-3), limits) == []  # relative 2e-3 of the top's
    assert found(gradient_findings(record(1e-3), limits)) == [("vanishing_gradients", "a")]
    assert found(gradient_findings(record(None), limits)) == [("exploding_gradients", "a")]
    assert found(gradient_findings(record(1.0, top_grad=500.0), limits)) == [("exploding_gradients", "b")]
    # 150 is below the absolute limit but 150x the output layer's: growing toward the input
    assert found(gradient_findings(record(300.0), limits)) == [("exploding_gradients", "a")]
    assert gradient_findings(record(190.0), limits) == []


@pytest.mark.parametrize("kwargs,message", [
    ({"every": 0}, "every must be an integer >= 1; got 0"),
    ({"sample_size": 2.5}, "sample_size must be an integer >= 1; got 2.5"),
    ({"vanishing_ratio": 2}, "vanishing_ratio must be a number in \\(0, 1\\); got 2"),
    ({"plateau_patience": 0}, "plateau_patience must be an integer >= 1; got 0"),
    ({"probe": [1, 2, 3]}, "probe must be a pair \\(x, y\\)"),
])
def test_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        callbacks.Diagnostics(**kwargs)


def test_unknown_threshold_names_the_valid_ones():
    with pytest.raises(TypeError, match="unknown arguments \\['dead_fractoin'\\]; thresholds are .*dead_threshold"):
        callbacks.Diagnostics(dead_fractoin=0.3)


def test_probe_with_wrong_shape_is_refused_before_training(digits):
    model = mlp("relu", "he_normal", 1, optimizers.SGD(), units=8)
    before = model.get_weights()
    doctor = callbacks.Diagnostics(probe=(np.zeros((5, 3), np.float32), np.zeros(5, int)))
    with pytest.raises(ValueError, match="probe x"):
        model.fit(*digits, epochs=1, verbose=0, callbacks=[doctor])
    assert all(np.array_equal(a, b) for a, b in zip(before, model.get_weights()))


def test_train_diagnose_prints_findings_and_writes_json(tmp_path, capsys):
    code = cli.main(["train", "--epochs", "2", "--hidden", "32", "--learning-rate", "0.05", "--diagnose",
                     "--out", str(tmp_path), "--quiet"])
    assert code == 0
    out = capsys.readouterr().out
    assert "Diagnostics" in out and "before training:" not in out and "after epoch 2:" in out
    saved = json.loads((tmp_path / "diagnostics.json").read_text())
    assert set(saved) == {"thresholds", "findings", "losses", "records"}
    assert [record["epoch"] for record in saved["records"]] == [0, 1, 2]


def test_probe_leaves_batch_norm_statistics_and_dropout_masks_alone(digits):
    """MC dropout drops even at inference: the probe must rewind its generator."""
    states = []
    for with_doctor in (False, True):
        keras.utils.set_random_seed(3)
        model = keras.Sequential([layers.Input((8, 8)), layers.Flatten(), layers.Dense(32, activation="relu"),
                                  layers.BatchNormalization(), layers.Dropout(0.3, seed=1),
                                  layers.Dense(16, activation="relu"), layers.MCDropout(0.2, seed=2),
                                  layers.Dense(10, activation="softmax")])
        model.compile(loss="sparse_categorical_crossentropy", optimizer=optimizers.SGD(learning_rate=0.05))
        model.fit(*digits, epochs=2, verbose=0, callbacks=[callbacks.Diagnostics()] if with_doctor else [])
        states.append(model.get_weights())  # includes BN's moving mean and variance
    assert all(np.array_equal(a, b) for a, b in zip(*states))


def test_train_diagnose_with_a_huge_learning_rate_reports_dead_relus_and_divergence(tmp_path, capsys):
    """The notes: a large learning rate kills ReLUs; here it also sends the loss up without a NaN."""
    code = cli.main(["train", "--epochs", "2", "--hidden", "32", "--learning-rate", "1000", "--diagnose",
                     "--out", str(tmp_path), "--quiet"])
    assert code == 0
    saved = json.loads((tmp_path / "diagnostics.json").read_text())
    assert {finding["problem"] for finding in saved["findings"]} == {"dying_relus", "divergence"}
    out = capsys.readouterr().out
    assert "* dying relus in" in out and "* divergence (after epoch 2)" in out
