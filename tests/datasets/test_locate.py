import pytest

from trainlab.datasets import DatasetNotFoundError, _download, _locate
from trainlab.datasets._idx import read_idx
from trainlab.datasets._locate import locate

NAME = "fashion-mnist"


def marker(paths):
    """Which fixture directory the located train images came from."""
    return int(read_idx(paths[0])[0, 0, 0])


@pytest.fixture
def everywhere(tmp_path, monkeypatch, dataset_dir):
    """The dataset in $TRAINLAB_DATA (marker 1), the cache (2) and the system dir (3)."""
    dataset_dir(tmp_path / "env" / NAME, marker=1)
    dataset_dir(_locate.cache_dir(NAME), marker=2)
    dataset_dir(_locate.SYSTEM_DIRS[NAME], marker=3)
    monkeypatch.setenv(_locate.ENV_VAR, str(tmp_path / "env"))
    return tmp_path


def test_env_wins_over_cache_and_system(everywhere):
    paths = locate(NAME)
    assert marker(paths) == 1
    assert [p.name for p in paths] == [stem + ".gz" for stem in _locate.FILE_STEMS]


def test_env_may_point_at_the_dataset_directory_itself(tmp_path, monkeypatch, dataset_dir):
    dataset_dir(tmp_path / "flat", marker=4)
    monkeypatch.setenv(_locate.ENV_VAR, str(tmp_path / "flat"))
    assert marker(locate(NAME)) == 4


def test_env_subdirectory_wins_over_env_directory(tmp_path, monkeypatch, dataset_dir):
    dataset_dir(tmp_path / "env", marker=4)
    dataset_dir(tmp_path / "env" / NAME, marker=5)
    monkeypatch.setenv(_locate.ENV_VAR, str(tmp_path / "env"))
    assert marker(locate(NAME)) == 5


def test_cache_is_used_when_env_is_unset(everywhere, monkeypatch):
    monkeypatch.delenv(_locate.ENV_VAR)
    assert marker(locate(NAME)) == 2


def test_system_location_is_used_when_env_and_cache_lack_it(dataset_dir):
    dataset_dir(_locate.SYSTEM_DIRS[NAME], marker=3)
    assert marker(locate(NAME)) == 3


def test_raw_uncompressed_files_count(dataset_dir):
    dataset_dir(_locate.cache_dir(NAME), marker=6, gz=False)
    paths = locate(NAME)
    assert marker(paths) == 6 and all(p.suffix != ".gz" for p in paths)


def test_partial_directory_is_skipped_not_mixed(tmp_path, monkeypatch, dataset_dir):
    env = dataset_dir(tmp_path / "env" / NAME, marker=1)
    (env / "t10k-labels-idx1-ubyte.gz").unlink()
    dataset_dir(_locate.SYSTEM_DIRS[NAME], marker=3)
    monkeypatch.setenv(_locate.ENV_VAR, str(tmp_path / "env"))
    paths = locate(NAME)
    assert all(p.parent == _locate.SYSTEM_DIRS[NAME] for p in paths)


def test_download_goes_into_the_cache_when_nothing_is_local(monkeypatch, dataset_dir):
    def fake_fetch_dataset(name, directory):
        dataset_dir(directory, marker=7)

    monkeypatch.setattr(_download, "fetch_dataset", fake_fetch_dataset)
    paths = locate(NAME)
    assert marker(paths) == 7 and paths[0].parent == _locate.cache_dir(NAME)


def test_not_found_offline_names_every_place_and_every_fix(tmp_path, monkeypatch, dataset_dir):
    env = dataset_dir(tmp_path / "env", marker=1)
    (env / "train-images-idx3-ubyte.gz").unlink()
    monkeypatch.setenv(_locate.ENV_VAR, str(env))
    with pytest.raises(DatasetNotFoundError) as info:
        locate(NAME)
    message = str(info.value)
    assert isinstance(info.value, FileNotFoundError)
    for expected in [
        f"$TRAINLAB_DATA/{NAME} {env / NAME}: no such directory",
        f"$TRAINLAB_DATA {env}: missing train-images-idx3-ubyte[.gz]",
        f"user cache {_locate.cache_dir(NAME)}: no such directory",
        f"system location {_locate.SYSTEM_DIRS[NAME]}: no such directory",
        f"download into {_locate.cache_dir(NAME)}: failed:",
        "network disabled in tests",
        "apt-get install dataset-fashion-mnist",
        "set $TRAINLAB_DATA=DIR",
        "--data digits",
    ]:
        assert expected in message, f"{expected!r} missing from:\n{message}"
    assert not _locate.cache_dir(NAME).exists() or not any(_locate.cache_dir(NAME).iterdir())


def test_not_found_says_env_is_unset():
    with pytest.raises(DatasetNotFoundError, match=r"1\. \$TRAINLAB_DATA: not set"):
        locate(NAME)


def test_download_can_be_disabled(monkeypatch):
    def must_not_download(name, directory):
        raise AssertionError("download attempted")

    monkeypatch.setattr(_download, "fetch_dataset", must_not_download)
    with pytest.raises(DatasetNotFoundError, match="download into .*: disabled"):
        locate(NAME, download=False)


def test_mnist_has_no_debian_package_to_suggest():
    with pytest.raises(DatasetNotFoundError) as info:
        locate("mnist")
    message = str(info.value)
    assert "apt-get" not in message
    assert str(_locate.SYSTEM_DIRS["mnist"]) in message and "--data digits" in message
