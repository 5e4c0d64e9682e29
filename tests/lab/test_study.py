"""Study files: validation with key and line, overrides, quick mode, and their error messages."""
from __future__ import annotations

import re

import pytest

from trainlab.lab import StudyError, builtin_studies, load_study
from trainlab.lab.protocol import final_tasks, grid_points, select, tune_tasks

from tests.lab.conftest import STUDY_TOML


def write(tmp_path, text: str):
    path = tmp_path / "study.toml"
    path.write_text(text)
    return str(path)


def test_builtin_studies_load():
    assert {"optimizers", "momentum"} <= set(builtin_studies())
    study = load_study("momentum")
    assert study.arm_names == ["sgd", "momentum", "nesterov"]
    assert len(grid_points(study)) == 6


def test_unknown_study_lists_the_builtin_ones():
    with pytest.raises(StudyError, match=r"Unknown study 'optimiser'.*optimizers"):
        load_study("optimiser")


def test_unknown_key_names_key_line_and_suggestion(tmp_path):
    text = STUDY_TOML.replace("hidden = [16]", "hiden = [16]")
    line = text.splitlines().index("hiden = [16]") + 1
    with pytest.raises(StudyError, match=rf"line {line}: unknown key 'hiden' in \[model\]; did you mean 'hidden'"):
        load_study(write(tmp_path, text))


def test_wrong_type_names_key_and_line(tmp_path):
    text = STUDY_TOML.replace("epochs = 2", 'epochs = "two"')
    line = text.splitlines().index('epochs = "two"') + 1
    with pytest.raises(StudyError, match=rf"line {line}: training.epochs must be an integer; got 'two'"):
        load_study(write(tmp_path, text))


def test_baseline_must_be_an_arm(tmp_path):
    with pytest.raises(StudyError, match=r"baseline 'adam' is not an arm; arms: sgd, momentum, nesterov"):
        load_study(write(tmp_path, STUDY_TOML.replace('baseline = "sgd"', 'baseline = "adam"')))


def test_fewer_than_three_seeds_is_refused(study_file):
    with pytest.raises(StudyError, match=r"protocol.seeds must be >= 3; got 2"):
        load_study(str(study_file), seeds=2)


def test_set_overrides_with_toml_literals(study_file):
    study = load_study(str(study_file), assignments=["model.hidden=[8, 4]", "model.activation=tanh",
                                                     "tuning.grid.training.optimizer.learning_rate=[0.5]"])
    assert study.spec["model"]["hidden"] == [8, 4]
    assert study.spec["model"]["activation"] == "tanh"
    assert grid_points(study) == [{"training.optimizer.learning_rate": 0.5}]


def test_bad_set_path_lists_nearby_keys(study_file):
    with pytest.raises(StudyError, match=r"unknown key 'epoch' in \[training\]; did you mean 'epochs'\? Valid keys: "
                                         r"batch_size, callbacks, epochs"):
        load_study(str(study_file), assignments=["training.epoch=3"])
    with pytest.raises(StudyError, match=r"unknown section 'trainig'; did you mean 'training'"):
        load_study(str(study_file), assignments=["trainig.epochs=3"])
    with pytest.raises(StudyError, match=r"no grid dimension 'model.hidden'; grid dimensions: "
                                         r"training.optimizer.learning_rate"):
        load_study(str(study_file), assignments=["tuning.grid.model.hidden=[[8]]"])


def test_set_value_is_type_checked(study_file):
    with pytest.raises(StudyError, match=r"training.epochs must be an integer; got 'many'"):
        load_study(str(study_file), assignments=["training.epochs=many"])


def test_quick_merges_its_partial_sections(study_file):
    assert load_study(str(study_file), quick=True).spec["training"]["epochs"] == 1
    assert load_study(str(study_file)).spec["training"]["epochs"] == 2
    assert load_study(str(study_file), quick=True).hash != load_study(str(study_file)).hash


def test_unknown_arm_lists_arms(study_file):
    with pytest.raises(StudyError, match=r"Unknown arm 'adam' in study 'tiny'; arms: sgd, momentum, nesterov"):
        load_study(str(study_file), arms=["adam"])
    assert load_study(str(study_file), arms=["momentum"]).arm_names == ["sgd", "momentum"]


def test_target_metric_must_be_recorded(study_file):
    with pytest.raises(StudyError, match=r"target.metric 'val_auc' is not recorded by this study's runs;.*Valid "
                                         r"metrics: accuracy, loss, val_accuracy, val_loss"):
        load_study(str(study_file), assignments=["target.metric=val_auc"])


def test_tuning_metric_must_be_a_validation_metric(study_file):
    with pytest.raises(StudyError, match=r"must be a validation metric"):
        load_study(str(study_file), assignments=["tuning.metric=accuracy"])


def test_arm_set_paths_are_checked(tmp_path):
    text = STUDY_TOML.replace('set = {"training.optimizer" = {name = "sgd"}}', 'set = {"training.optimiser" = {}}')
    with pytest.raises(StudyError, match=r"arm 'sgd'.*unknown key 'optimiser' in \[training\]"):
        load_study(write(tmp_path, text))


def test_tasks_pair_seeds_across_arms_and_selection_uses_tuning_records(study_file):
    study = load_study(str(study_file))
    tune = tune_tasks(study)
    assert {t["seed"] for t in tune} == {0} and len(tune) == 6
    records = [{**t, "status": "ok", "history": {"val_accuracy": [0.5, 0.6 if "0.1" in str(t["point"]) else 0.7]}}
               for t in tune]
    selection = select(study, records)
    assert selection == {arm: {"training.optimizer.learning_rate": 0.03} for arm in study.arm_names}
    final = final_tasks(study, selection)
    seeds = {arm: [t["seed"] for t in final if t["arm"] == arm] for arm in study.arm_names}
    assert all(s == [1, 2, 3] for s in seeds.values())
    assert all(re.fullmatch(r"final-[a-z]+-[0-9a-f]{16}-s\d", t["key"]) for t in final)


def test_diverged_tuning_runs_are_never_selected(study_file):
    study = load_study(str(study_file))
    records = [{**t, "status": "diverged" if t["point"]["training.optimizer.learning_rate"] == 0.1 else "ok",
                "history": {"val_accuracy": [0.9 if t["point"]["training.optimizer.learning_rate"] == 0.1 else 0.2]}}
               for t in tune_tasks(study)]
    assert all(p == {"training.optimizer.learning_rate": 0.03} for p in select(study, records).values())


def test_a_builtin_name_is_not_shadowed_by_a_same_named_folder(tmp_path, monkeypatch):
    from trainlab.lab.study import resolve_path

    monkeypatch.chdir(tmp_path)
    (tmp_path / "optimizers").mkdir()  # e.g. an earlier run's output directory
    assert resolve_path("optimizers").name == "optimizers.toml"
    with pytest.raises(StudyError, match="Study file 'missing.toml' does not exist"):
        resolve_path("missing.toml")


@pytest.mark.parametrize("literal", ["nan", "inf", "-inf", "+nan"])
def test_non_finite_set_values_are_refused_with_the_key_and_the_fix(study_file, literal):
    with pytest.raises(StudyError, match=r"training.optimizer.learning_rate = (nan|inf|-inf) is not a usable value: "
                                         r"every setting must be a finite number .* give a finite value, e.g. "
                                         r"--set training.optimizer.learning_rate=0.01"):
        load_study(str(study_file), assignments=[f"training.optimizer.learning_rate={literal}"])


def test_non_finite_values_inside_tables_and_lists_are_refused(study_file):
    with pytest.raises(StudyError, match=r"tuning.grid.training.optimizer.learning_rate = nan"):
        load_study(str(study_file), assignments=["tuning.grid.training.optimizer.learning_rate=[0.1, nan]"])
    with pytest.raises(StudyError, match=r"training.optimizer.momentum = inf"):
        load_study(str(study_file), assignments=['training.optimizer={name = "sgd", momentum = inf}'])


def test_a_toml_date_is_refused_with_the_quoting_fix(study_file):
    with pytest.raises(StudyError, match=r"model.activation = 1979-05-27 was read as a TOML date/time.*quote it"):
        load_study(str(study_file), assignments=["model.activation=1979-05-27"])


def test_a_study_file_with_nan_names_its_line(tmp_path):
    path = tmp_path / "nan.toml"
    path.write_text(STUDY_TOML.replace("value = 0.5", "value = nan"))
    with pytest.raises(StudyError, match=r"nan.toml, line \d+: target.value = nan is not a usable value"):
        load_study(str(path))
