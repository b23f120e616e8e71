"""The DataSource: which log files exist, and which of them a load must read.

Telling files apart costs one `stat` per file; only files whose size or mtime moved get
their first bytes hashed, to tell an append-only log that grew from one rewritten in
place. Unchanged files are never opened.
"""

from __future__ import annotations

import hashlib
import os
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import NamedTuple

from logviz_assets.formats import CANDIDATE_SUFFIXES

HEAD_CHECK_BYTES = 4096


class DataSource:
    """Folders (or single files) of agent logs, scanned recursively."""

    def __init__(self, roots: Iterable[Path | str]) -> None:
        self.roots = [Path(root) for root in roots]

    def scan(self, problems: list[tuple[str, str]] | None = None) -> Iterator[FoundFile]:
        return scan(self.roots, problems)

    def plan(self, known: dict[str, KnownFile]) -> LoadPlan:
        """What a load must read, given the manifest the last load left."""
        problems: list[tuple[str, str]] = []
        plan = classify(self.scan(problems), known)
        plan.unreadable = problems
        # Listed but not stat-able is not gone: its records stay without the vanished mark.
        present = {path for path, _ in problems}
        plan.vanished = [path for path in plan.vanished if path not in present]
        return plan

    def fingerprint(self) -> dict[str, int]:
        return fingerprint(self.scan())


# Tuples rather than frozen dataclasses: a load builds one of each per file on disk.
class FoundFile(NamedTuple):
    path: str
    size: int
    mtime_ns: int


class KnownFile(NamedTuple):
    """A file as the last load left it (a row of the `files` manifest)."""

    path: str
    size: int
    mtime_ns: int
    offset: int
    head_len: int
    head_hash: str
    append_only: bool
    vanished: bool = False


class Change(StrEnum):
    NEW = "new"
    GROWN = "grown"
    REWRITTEN = "rewritten"
    VANISHED = "vanished"
    UNCHANGED = "unchanged"


@dataclass
class LoadPlan:
    new: list[FoundFile] = field(default_factory=list)
    grown: list[FoundFile] = field(default_factory=list)
    rewritten: list[FoundFile] = field(default_factory=list)
    vanished: list[str] = field(default_factory=list)
    unchanged: int = 0
    unreadable: list[tuple[str, str]] = field(default_factory=list)  # (path, why): listed but not stat-able

    @property
    def to_read(self) -> list[tuple[Change, FoundFile]]:
        return (
            [(Change.NEW, f) for f in self.new]
            + [(Change.GROWN, f) for f in self.grown]
            + [(Change.REWRITTEN, f) for f in self.rewritten]
        )

    def counts(self) -> dict[str, int]:
        return {
            "new": len(self.new),
            "grown": len(self.grown),
            "rewritten": len(self.rewritten),
            "vanished": len(self.vanished),
            "unchanged": self.unchanged,
            "unreadable": len(self.unreadable),
        }


def scan(roots: Iterable[Path], problems: list[tuple[str, str]] | None = None) -> Iterator[FoundFile]:
    """Every candidate log file below `roots`, recursively; hidden folders are skipped.

    Overlapping roots (a folder and one inside it) yield each file once. A file that is
    listed but cannot be looked at (a symlink loop, no permission) is added to `problems`.
    """
    seen: set[str] = set()
    for root in roots:
        for file in [_found(str(root), problems)] if root.is_file() else _walk(str(root), problems):
            if file is not None and file.path not in seen:
                seen.add(file.path)
                yield file


def _walk(folder: str, problems: list[tuple[str, str]] | None) -> Iterator[FoundFile | None]:
    """Candidate files of `folder` in name order, then those of its subfolders, as os.walk would.

    Symlinked folders are not followed, so a link loop cannot trap the scan.
    """
    try:
        with os.scandir(folder) as listing:
            entries = sorted(listing, key=lambda entry: entry.name)
    except OSError:  # unreadable, or removed since it was listed
        return
    subfolders = []
    for entry in entries:
        if entry.name.startswith("."):
            continue
        if _is_folder(entry):
            if not entry.is_symlink():
                subfolders.append(entry.path)
        elif entry.name.endswith(CANDIDATE_SUFFIXES):
            yield _found(entry.path, problems)
    for subfolder in subfolders:
        yield from _walk(subfolder, problems)


def _is_folder(entry: os.DirEntry) -> bool:
    try:
        return entry.is_dir()
    except OSError:  # a symlink loop: not a folder; `_found` reports it if it is a candidate file
        return False


def _found(path: str, problems: list[tuple[str, str]] | None = None) -> FoundFile | None:
    try:
        stat = os.stat(path)
    except FileNotFoundError:  # removed between listing and stat (or a dangling link)
        return None
    except OSError as err:  # a symlink loop, a permission: say so rather than stop the scan
        if problems is not None:
            problems.append((path, f"{type(err).__name__}: {err.strerror or err}"))
        return None
    return FoundFile(path, stat.st_size, stat.st_mtime_ns)


def head_hash(path: str, length: int) -> str:
    with open(path, "rb") as handle:
        return hashlib.sha256(handle.read(length)).hexdigest()


def classify(found: Iterable[FoundFile], known: dict[str, KnownFile]) -> LoadPlan:
    """Sort found files into new, grown, rewritten and unchanged; the rest vanished."""
    plan = LoadPlan()
    seen: set[str] = set()
    for file in found:
        seen.add(file.path)
        before = known.get(file.path)
        if before is None:
            plan.new.append(file)
        elif file.size == before.size and file.mtime_ns == before.mtime_ns and not before.vanished:
            plan.unchanged += 1
        elif before.append_only and file.size >= before.offset and _same_head(file, before):
            plan.grown.append(file)
        else:
            plan.rewritten.append(file)
    plan.vanished = sorted(path for path, k in known.items() if path not in seen and not k.vanished)
    return plan


def _same_head(file: FoundFile, before: KnownFile) -> bool:
    try:
        return head_hash(file.path, before.head_len) == before.head_hash
    except OSError:
        return False


def fingerprint(found: Iterable[FoundFile]) -> dict[str, int]:
    """A small summary that moves whenever a file arrives, grows, changes or goes."""
    count = total = newest = 0
    mix = 0
    for file in found:
        count += 1
        total += file.size
        newest = max(newest, file.mtime_ns)
        mix ^= zlib.crc32(f"{file.path}\0{file.size}\0{file.mtime_ns}".encode())
    return {"files": count, "bytes": total, "newest_mtime_ns": newest, "mix": mix}
