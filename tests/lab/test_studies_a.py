"""Built-in studies (init-activation, deep-selu, batchnorm, clipping, schedules) and the engine
hook their figures rely on: recording callbacks' ``to_dict()`` stored in the run record."""
from __future__ import annotations

import json

import pytest

from trainlab.lab import RecordStore, load_study, run_study
from trainlab.lab import extras
from trainlab.lab.report import write_report

DIAGNOSED = """\
[study]
name = "diagnosed"
baseline = "relu"
report = ["probe_loss_section"]

[model]
hidden = [8, 8]

[training]
epochs = 1
batch_size = 128
callbacks = [{name = "Diagnostics", sample_size = 32}, {name = "Diagnostics", every = 1, sample_size = 16}]

[target]
value = 0.5

[tuning.grid]
"training.optimizer.learning_rate" = [0.1]

[[arms]]
name = "relu"
"""


def probe_loss_section(summary, rows):
    """A section drawn from the callbacks' records only: the probe loss per arm and seed."""
    text = "; ".join(f"{arm.name}: " + ", ".join(f"{data['records'][0]['probe_loss']:.6f}"
                                                  for data in extras.callback_runs(arm, "Diagnostics"))
                     for arm in summary["arms"])
    return [("h2", "Probe loss at initialization"), ("p", text)]


@pytest.fixture
def diagnosed(tmp_path, monkeypatch):
    monkeypatch.setitem(extras.SECTIONS, "probe_loss_section", probe_loss_section)
    path = tmp_path / "diagnosed.toml"
    path.write_text(DIAGNOSED)
    out = tmp_path / "out"
    run_study(load_study(str(path)), out, jobs=1, progress=False)
    return out


def test_recording_callbacks_land_in_the_record_under_their_name(diagnosed):
    records = RecordStore(diagnosed).records()
    assert len(records) == 6  # one tuning run, five final seeds (the default)
    for record in records:
        data = record["callbacks"]
        assert sorted(data) == ["Diagnostics", "Diagnostics_2"]  # a repeated name gets a suffix
        probes = data["Diagnostics"]["records"]
        assert [probe["epoch"] for probe in probes] == [0, 1]
        assert len(probes[0]["layers"]) == 4  # flatten, two hidden dense layers, the output layer
        assert all(p["grad_norm"] is not None for p in probes[0]["params"].values())
        json.dumps(record, allow_nan=False)  # the record stays strict JSON


def test_sections_read_callback_data_from_the_records(diagnosed):
    paths = write_report(diagnosed)
    records = [r for r in RecordStore(diagnosed).records() if r["phase"] == "final"]
    expected = ", ".join(f"{r['callbacks']['Diagnostics']['records'][0]['probe_loss']:.6f}"
                         for r in sorted(records, key=lambda r: r["seed"]))
    assert f"relu: {expected}" in paths["markdown"].read_text()


def test_runs_without_recording_callbacks_have_empty_callback_data(serial_run):
    assert all(record["callbacks"] == {} for record in RecordStore(serial_run).records())


def test_figure_block_is_saved_and_embedded(diagnosed, monkeypatch):
    from trainlab.lab import plots

    def drawing(summary, rows):
        figure, (axes,) = plots.new_figure()
        axes.plot([0, 1], [0, 1])
        return extras.figure_block("custom_figure", "A custom figure", plots.to_png(figure))

    monkeypatch.setitem(extras.SECTIONS, "probe_loss_section", drawing)
    paths = write_report(diagnosed)
    assert (diagnosed / "figures" / "custom_figure.png").is_file()
    assert "![A custom figure](figures/custom_figure.png)" in paths["markdown"].read_text()
    assert 'alt="A custom figure" src="data:image/png;base64,' in paths["html"].read_text()
    assert extras.figure_block("none", "nothing", None) == []


# -- Diagnostics histograms (an additive option the init-activation figure needs) ---------------

def test_diagnostics_histograms_count_every_output_of_the_probe():
    import numpy as np

    import trainlab as keras
    from trainlab.callbacks import Diagnostics

    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(40, 5)).astype("float32"), rng.integers(0, 3, size=40)
    keras.random.set_random_seed(1)
    model = keras.models.Sequential([keras.layers.Input((5,)), keras.layers.Dense(7, activation="relu"),
                                     keras.layers.Dense(3, activation="softmax")])
    model.compile(loss="sparse_categorical_crossentropy", optimizer="sgd")
    doctor = Diagnostics(histogram_bins=4, sample_size=40)
    model.fit(x, y, epochs=1, verbose=0, callbacks=[doctor])
    hidden = model.layers[0]
    weights = hidden.params  # after training: the last probe reflects these weights
    outputs = np.maximum(x @ weights["kernel"] + weights["bias"], 0)
    counts, edges = np.histogram(outputs, bins=4)
    stats = doctor.records[-1]["layers"][hidden.name]
    assert stats["histogram"]["counts"] == counts.tolist()
    np.testing.assert_allclose(stats["histogram"]["edges"], edges, rtol=1e-6)
    assert [s["depth"] for s in doctor.records[-1]["layers"].values()] == [1, 2]


def test_diagnostics_rejects_a_negative_bin_count():
    from trainlab.callbacks import Diagnostics

    with pytest.raises(ValueError, match="histogram_bins must be an integer >= 0; got -1"):
        Diagnostics(histogram_bins=-1)


# -- the built-in studies ---------------------------------------------------------------------

STUDIES = {  # study -> (arms run in the test, figure files its report must have)
    "init-activation": (["relu-he", "sigmoid-n1"], ["activation_histograms", "gradient_norms"]),
    "deep-selu": ([], ["layer_statistics"]),
    "batchnorm": (["none-w03", "keras-w15", "dlfs-w15", "none-w15"], ["init_scale_sensitivity"]),
    "clipping": ([], ["divergence_counts"]),
    "schedules": ([], ["learning_rate", "range_test"]),
}


@pytest.mark.parametrize("name", sorted(STUDIES))
def test_study_loads_full_and_quick(name):
    full, quick = load_study(name), load_study(name, quick=True)
    assert full.name == quick.name == name
    assert quick.spec["training"]["epochs"] <= 2


@pytest.mark.parametrize("name", sorted(STUDIES))
def test_quick_study_runs_and_reports_its_figures(name, tmp_path):
    arms, figures = STUDIES[name]
    out = tmp_path / name
    run_study(load_study(name, quick=True, arms=arms), out, jobs=2, progress=False)
    paths = write_report(out)
    markdown = paths["markdown"].read_text()
    for stem in figures:
        assert (out / "figures" / f"{stem}.png").is_file(), stem
        assert f"(figures/{stem}.png)" in markdown
    records = RecordStore(out).records()
    assert not [r["key"] for r in records if r["status"] == "crashed"]


@pytest.fixture(scope="module")
def schedules_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("schedules")
    study = load_study("schedules", quick=True, arms=["1cycle", "cosine"])
    run_study(study, out, jobs=1, progress=False)
    return study, out, RecordStore(out).records()


def test_the_range_test_is_a_recorded_run_on_the_training_split_whose_rate_1cycle_uses(schedules_run):
    from trainlab import random
    from trainlab.lab import data
    from trainlab.lab.build import build_model
    from trainlab.lr_finder import find_learning_rate

    study, out, records = schedules_run
    (ranged,) = [r for r in records if r["phase"] == "range"]
    assert ranged["arm"] == "1cycle" and ranged["status"] == "ok" and ranged["splits_read"] == ["train"]
    rate = ranged["range_test"]["suggested_learning_rate"]
    # the same sweep, run here by hand on the arm's network and the same seed, suggests the same rate
    config = ranged["config"]
    training = {**config["training"], "callbacks": [], "schedule": {}}
    splits = data.load_splits(config["data"])
    random.set_random_seed(ranged["seed"])
    model = build_model({**config, "training": training}, splits.sample_shape, splits.num_classes)
    settings = config["range_test"]
    by_hand = find_learning_rate(model, *splits.train, min_lr=settings["min_lr"], max_lr=settings["max_lr"],
                                 batch_size=training["batch_size"], rule=settings["rule"], seed=ranged["seed"])
    assert rate == pytest.approx(by_hand.suggested_learning_rate, rel=1e-5)
    cycles = [r for r in records if r["arm"] == "1cycle" and r["phase"] != "range"]
    assert cycles and {r["config"]["training"]["callbacks"][0]["max_learning_rate"] for r in cycles} == {rate}
    # the cycle's recorded peak is the range-test rate: the rate comes from this data, not a constant
    peaks = [max(r["learning_rate"]["values"]) for r in cycles if r["phase"] == "final"]
    assert peaks == [pytest.approx(rate)] * 3
    assert run_study(study, out, jobs=1, progress=False).executed == 0  # resumable like any run


def test_scheduled_runs_record_the_rate_per_step_as_the_closed_form_says(schedules_run):
    import math

    _, _, records = schedules_run
    run = next(r for r in records if r["arm"] == "cosine" and r["phase"] == "final")
    rates = run["learning_rate"]
    assert rates["per"] == "step" and rates["steps"][:3] == [0, 1, 2]
    eta0, total = run["point"]["training.optimizer.learning_rate"], 10 * run["steps_per_epoch"]  # decay_epochs = 10
    for step, value in zip(rates["steps"][:-1], rates["values"][:-1]):
        assert value == pytest.approx(eta0 * 0.5 * (1 + math.cos(math.pi * step / total)), rel=1e-6)


def test_batchnorm_arms_carry_their_momentum_and_epsilon_into_the_layers():
    from trainlab.lab.build import build_model

    study = load_study("batchnorm")
    for arm, (momentum, epsilon) in (("dlfs-w15", (0.9, 1e-6)), ("keras-w00", (0.99, 1e-3))):
        model = build_model(study.run_config(arm, {}), (8, 8), 10)
        norms = [layer for layer in model.layers if type(layer).__name__ == "BatchNormalization"]
        assert len(norms) == 5 and {(n.momentum, n.epsilon) for n in norms} == {(momentum, epsilon)}
    stds = sorted({study.run_config(arm, {})["model"]["initializer"]["stddev"] for arm in study.arm_names})
    assert len(stds) == 16 and stds[0] == pytest.approx(1e-4) and stds[-1] == 1.0
