"""Loading something that is not a trainlab model says what it is."""
import json

import numpy as np
import pytest

import trainlab as keras
from trainlab.saving import ModelFileError
from tests.saving import hostile


@pytest.mark.parametrize("content, message", [
    (b"\x89HDF\r\n\x1a\n" + bytes(100), "it is an HDF5 file \\(a Keras .h5 model\\?\\); trainlab cannot read HDF5"),
    (b"\x80\x04\x95\x10\x00\x00\x00", "it looks like a Python pickle \\(a PyTorch or joblib file\\?\\)"),
    (b'{"class_name": "Sequential"}', "it looks like a JSON text file"),
    (b"", "the file is empty"),
    (bytes(range(7, 40)), "its first bytes are b'\\\\x07\\\\x08"),
    (b"PK\x03\x04" + bytes(30), "it starts like a zip archive but has no readable directory \\(truncated or damaged\\)"),
])
def test_what_the_file_looks_like_is_said(tmp_path, content, message):
    path = tmp_path / "model.h5"
    path.write_bytes(content)
    with pytest.raises(ModelFileError, match=f"is not a trainlab model file: {message}"):
        keras.models.load_model(path)


def test_a_numpy_array_file(tmp_path):
    np.save(tmp_path / "w.npy", np.zeros(3))
    with pytest.raises(ModelFileError, match="a single NumPy .npy array"):
        keras.models.load_model(tmp_path / "w.npy")


def test_a_folder(tmp_path):
    with pytest.raises(ModelFileError, match="is a folder \\(a TensorFlow SavedModel\\?\\)"):
        keras.models.load_model(tmp_path)


def test_a_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="No model file at .*nothing.keras"):
        keras.models.load_model(tmp_path / "nothing.keras")


def test_another_zip_archive(tmp_path):
    path = tmp_path / "other.zip"
    hostile.write_members(path, {"metadata.json": b'{"format": "keras"}', "config.json": b"{}"})
    with pytest.raises(ModelFileError, match="is not a trainlab model file \\(metadata format is 'keras'\\)"):
        keras.models.load_model(path)
    hostile.write_members(path, {"config.json": b"{}"})
    with pytest.raises(ModelFileError, match="is a zip archive but not a trainlab model file \\(no metadata.json\\)"):
        keras.models.load_model(path)


def test_a_file_from_a_newer_trainlab(tmp_path):
    path = tmp_path / "m.keras"
    hostile.valid_model_file(path)
    content = hostile.members(path)
    content["metadata.json"] = json.dumps({"format": "trainlab.model", "format_version": 99}).encode()
    hostile.write_members(path, content)
    with pytest.raises(ModelFileError, match="written by a newer trainlab \\(format version 99\\); upgrade"):
        keras.models.load_model(path)


def test_invalid_json_member(tmp_path):
    path = tmp_path / "m.keras"
    hostile.valid_model_file(path)
    content = hostile.members(path)
    content["config.json"] = b"{not json"
    hostile.write_members(path, content)
    with pytest.raises(ModelFileError, match="member config.json is not valid JSON"):
        keras.models.load_model(path)


def test_a_weights_file_given_to_load_model(tmp_path):
    model = keras.Sequential([keras.layers.Dense(2, input_shape=[3])])
    model.save_weights(tmp_path / "w.weights.h5")
    with pytest.raises(ModelFileError, match="holds weights only \\(saved with save_weights\\).*load_weights"):
        keras.models.load_model(tmp_path / "w.weights.h5")


def test_model_file_error_is_a_value_error():
    assert issubclass(ModelFileError, ValueError)
