"""The README's Python example runs as written (with one epoch, in a temporary directory)."""
import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[2] / "README.md"
FASHION = Path("/usr/share/datasets/fashion-mnist")


@pytest.mark.integration
@pytest.mark.skipif(not FASHION.exists(), reason="Fashion-MNIST not installed (apt-get install dataset-fashion-mnist)")
def test_readme_python_example_runs(tmp_path, monkeypatch):
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    assert blocks, "the README has no Python example"
    code = blocks[0].replace("epochs=5", "epochs=1")
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    exec(compile(code, "README.md", "exec"), namespace)
    assert namespace["history"].history["val_accuracy"][-1] > 0.8
    assert (tmp_path / "model.zip").is_file()
