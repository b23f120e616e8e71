"""A model that cannot load says which model, where, and which setting chose it.

Each case is the bundled model folder with one file damaged (the weights linked, not copied),
or a name that is neither a folder nor in the Hugging Face cache. Nothing here loads a
working model.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from logviz_assets.index.embedding import ModelLoadError, TextEmbedder
from logviz_assets.settings import DEFAULT_MODEL_NAME, resolve_model_path

CASES = {
    "config": ("config.json", b"{broken", "OSError"),  # transformers re-raises the JSON error as OSError
    "modules": ("modules.json", b"[{", "JSONDecodeError"),
    "weights": ("model.safetensors", b"\0" * 64, "SafetensorError"),
}


def damaged_copy(folder: Path, name: str, content: bytes) -> Path:
    source = Path(resolve_model_path(DEFAULT_MODEL_NAME))
    shutil.copytree(source, folder, ignore=shutil.ignore_patterns("model.safetensors"))
    os.symlink(source / "model.safetensors", folder / "model.safetensors")
    (folder / name).unlink()
    (folder / name).write_bytes(content)
    return folder


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_damaged_model_folder_names_the_model_the_path_and_the_setting(tmp_path: Path, case: str) -> None:
    name, content, error_type = CASES[case]
    folder = damaged_copy(tmp_path / "model", name, content)
    embedder = TextEmbedder(str(folder))

    with pytest.raises(ModelLoadError) as raised:
        embedder.encode(["a step"])

    message = str(raised.value)
    assert f"from {folder}:" in message and "LOGVIZ_MODEL" in message and f"{error_type}:" in message
    assert raised.value.model == str(folder) and raised.value.path == str(folder)
    assert type(raised.value.__cause__).__name__ == error_type
    # Permanent: a second try gives the same answer, not a half-loaded model.
    with pytest.raises(ModelLoadError):
        _ = embedder.dimension


def test_a_model_that_is_nowhere_says_so() -> None:
    with pytest.raises(ModelLoadError) as raised:
        TextEmbedder("no-such-org/no-such-model").encode(["a step"])
    message = str(raised.value)
    assert "'no-such-org/no-such-model'" in message and "no such folder" in message and "LOGVIZ_MODEL" in message
