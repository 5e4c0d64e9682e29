"""Sizes a model file declares are checked against caps before anything is allocated, and a
refusal names the member, array or layer and the cap."""
import re
import struct
import zipfile

import numpy as np
import pytest

import trainlab as keras
from trainlab.saving import ModelFileError, load_model, load_weights
from trainlab.saving import serialization
from tests.saving import hostile


@pytest.fixture
def path(tmp_path):
    path = tmp_path / "model.keras"
    hostile.rich_model_file(path)
    return path


def test_a_json_member_over_max_json_bytes(path):
    hostile.edit_config(path, lambda config: config.__setitem__("padding", "x" * 5000))
    with pytest.raises(ModelFileError, match=r"member config.json \(inflated size declared in the zip\) needs "
                                             r"[\d,]+ bytes, over the cap of 4,000 bytes \(max_json_bytes\)\. "
                                             r"Refusing to allocate it; .* pass a larger max_json_bytes=\.\.\."):
        load_model(path, max_json_bytes=4000)


def test_a_member_that_inflates_past_max_bytes(tmp_path, path):
    # A zip bomb: 4 MiB of zeros in a member that deflates to a few kilobytes.
    content = hostile.members(path)
    content["weights.npz"] = hostile.npz_of(**{"dense/kernel": np.zeros((1024, 512))})
    bomb = tmp_path / "bomb.keras"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in content.items():
            archive.writestr(name, data)
    assert bomb.stat().st_size < 100_000
    with pytest.raises(ModelFileError, match=r"member weights.npz \(inflated size declared in the zip\) needs "
                                             r"4,194,[\d,]+ bytes.*over the cap of 1,000,000 bytes \(max_bytes\)"):
        load_model(bomb, max_bytes=1_000_000)


def test_an_npy_header_declaring_a_huge_array_is_refused_before_allocation(path):
    # 64 bytes declaring 10^5 x 10^5 float64 (74.5 GiB); np.load would allocate that first.
    content = hostile.members(path)
    npy = hostile.npy_with_header({"descr": "<f8", "fortran_order": False, "shape": (100000, 100000)})
    content["weights.npz"] = hostile.npz_of_raw(**{"dense/kernel": npy})
    hostile.write_members(path, content)
    with pytest.raises(ModelFileError, match=re.escape(
            "member weights.npz: array 'dense/kernel': its header declares shape (100000, 100000) of float64 "
            "(80,000,000,000 bytes) but the member holds 0 bytes of data")):
        load_model(path)


def test_arrays_over_max_bytes(path):
    # A compressed .npz inside the (compressed) model file: 800 kB of arrays in a small member.
    content = hostile.members(path)
    buffer = __import__("io").BytesIO()
    np.savez_compressed(buffer, **{"dense/kernel": np.zeros((1000, 100))})
    content["weights.npz"] = buffer.getvalue()
    hostile.write_members(path, content)
    with pytest.raises(ModelFileError, match=re.escape(
            "member weights.npz: array 'dense/kernel' needs 800,000 bytes, over the cap of 100,000 bytes (max_bytes)")):
        load_model(path, max_bytes=100_000)


@pytest.mark.parametrize("edit, message", [
    (lambda layers: layers[0]["config"].__setitem__("units", 10 ** 9),
     "layer 'dense' (Dense) declares a weight 'kernel' of shape (3, 1000000000) (12,000,000,000 bytes), more than "
     "the weights in the file can fill"),
    (lambda layers: layers[0]["config"].__setitem__("input_shape", [10 ** 12]),
     "layer 'dense' (Dense) declares a weight 'kernel' of shape (1000000000000, 6) (24,000,000,000,000 bytes)"),
])
def test_sizes_in_the_config_are_checked_against_the_weights_present(path, edit, message):
    hostile.edit_config(path, lambda config: edit(config["model"]["config"]["layers"]))
    with pytest.raises(ModelFileError, match=re.escape(message)):
        load_model(path)


def test_a_weightless_model_declaring_a_huge_sample(tmp_path):
    model = keras.Sequential([keras.layers.Flatten(input_shape=[2, 2])])
    model.save(tmp_path / "flat.keras")
    hostile.edit_config(tmp_path / "flat.keras", lambda config: config["model"]["config"]["layers"][0]["config"]
                        .__setitem__("input_shape", [10 ** 6, 10 ** 6]))
    with pytest.raises(ModelFileError, match=r"layer 'flatten' outputs 1,000,000,000,000 values per sample, over "
                                             r"the cap of [\d,]+ bytes \(max_bytes\)"):
        load_model(tmp_path / "flat.keras")


def test_many_members_are_refused_from_the_end_record(tmp_path):
    path = tmp_path / "many.keras"
    hostile.write_members(path, [(f"m{i}", b"") for i in range(20_000)])
    with pytest.raises(ModelFileError, match="declares 20,000 members; it may hold at most 5 members"):
        load_model(path)


def test_an_npz_with_more_arrays_than_max_arrays(path):
    content = hostile.members(path)
    content["weights.npz"] = hostile.npz_of(**{f"layer{i}/w": np.zeros(1) for i in range(50)})
    hostile.write_members(path, content)
    with pytest.raises(ModelFileError, match="member weights.npz declares 50 members; it may hold at most 10 arrays "
                                             r"\(max_arrays\)"):
        load_model(path, max_arrays=10)


def test_the_duplicate_check_is_linear(tmp_path):
    # 5 members at most at the top; inside an npz, thousands of duplicates are named at once.
    path = tmp_path / "m.keras"
    hostile.rich_model_file(path)
    content = hostile.members(path)
    import io
    buffer = io.BytesIO()
    with pytest.warns(UserWarning), zipfile.ZipFile(buffer, "w") as archive:
        for i in range(20_000):
            archive.writestr(f"a{i % 10}.npy", b"")
    content["weights.npz"] = buffer.getvalue()
    hostile.write_members(path, content)
    with pytest.raises(ModelFileError, match=r"holds the member\(s\) a0.npy, a1.npy, a2.npy, a3.npy, a4.npy and 5 "
                                             r"more more than once"):
        load_model(path)


def test_a_corrupted_central_directory_offset(path):
    data = bytearray(path.read_bytes())
    end = data.rindex(b"PK\x05\x06")
    struct.pack_into("<I", data, end + 16, 0xFFFFFF00)  # offset of the central directory: past the file
    path.write_bytes(bytes(data))
    with pytest.raises(ModelFileError, match="is a damaged or truncated zip archive"):
        load_model(path)


def test_running_out_of_memory_within_the_caps_is_a_model_file_error(path, monkeypatch):
    def exhausted(*args):
        raise MemoryError()

    monkeypatch.setattr(serialization, "read_archive", exhausted)
    with pytest.raises(ModelFileError, match="memory ran out while loading it, although every size it declares is "
                                             "within the caps"):
        load_model(path)


@pytest.mark.parametrize("cap", ["max_bytes", "max_json_bytes", "max_arrays"])
@pytest.mark.parametrize("value", [0, -1, 1.5, True, "1"])
def test_caps_must_be_positive_integers(path, cap, value):
    with pytest.raises(ValueError, match=f"{cap} must be an integer >= 1; got {re.escape(repr(value))}"):
        load_model(path, **{cap: value})


def test_load_weights_has_the_same_caps(tmp_path):
    model = keras.Sequential([keras.layers.Dense(50, input_shape=[40])])
    model.save_weights(tmp_path / "w.zip")
    with pytest.raises(ModelFileError, match=r"over the cap of 1,000 bytes \(max_bytes\)"):
        load_weights(model, tmp_path / "w.zip", max_bytes=1000)
    model.load_weights(tmp_path / "w.zip", max_bytes=1 << 20)


def test_a_valid_file_loads_with_tight_caps(path):
    model = load_model(path, max_bytes=64_000, max_json_bytes=16_000, max_arrays=40)
    assert model.built and model.compiled
