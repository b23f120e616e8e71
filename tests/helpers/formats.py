"""Checks shared by the format tests."""

from __future__ import annotations

from pathlib import Path

from logviz_assets.formats import HEAD_BYTES, LogFormat


def assert_detects_only_its_folder(
    fmt: LogFormat, samples_dir: Path, folder: str, suffixes: tuple[str, ...] | None = None
) -> None:
    """`fmt.detect` says yes to every sample in `folder` and no to every other sample file."""
    files = sorted(p for p in samples_dir.rglob("*") if p.is_file() and p.suffix != ".md")
    for path in files if suffixes is None else [p for p in files if p.suffix in suffixes]:
        with path.open("rb") as handle:
            head = handle.read(HEAD_BYTES)
        assert fmt.detect(head, str(path)) == (path.parent.name == folder), path
