"""The three components as Dagster resources, each configured from the settings.

DataSource is `LogSources`; the RecordStore is `RecordStoreResource` (dagster-duckdb's
`DuckDBResource` opens its write connections); the Indexer is `Embedder` (the model),
`VectorStore` (LanceDB) and `Layouts` (fitted reducers). Each resource is a thin typed
wrapper that returns the plain object doing the work.
"""

from __future__ import annotations

from pathlib import Path

from dagster import ConfigurableResource
from dagster_duckdb import DuckDBResource
from pydantic import Field, PrivateAttr

from logviz_assets.index.embedding import DEFAULT_BATCH_SIZE, TextEmbedder
from logviz_assets.index.projection import LayoutStore
from logviz_assets.index.vectors import VectorTable
from logviz_assets.load.source import DataSource
from logviz_assets.redact import Redactor, load_or_create_key, parse_mode
from logviz_assets.settings import Settings
from logviz_assets.store import RecordStore


class LogSources(ConfigurableResource):
    """The DataSource: folders of agent logs, scanned recursively, and what Load redacts in them."""

    paths: list[str] = Field(description="Folders (or single files) holding agent logs.")
    load_workers: int = Field(default=1, description="Processes that parse files in a large load.")
    redact: str = Field(default="secrets", description="What is replaced before storing: secrets, secrets+pii, off.")
    redaction_key: str | None = Field(
        default=None, description="Key file for the tags on placeholders (made on first use); none: untagged."
    )

    def source(self) -> DataSource:
        return DataSource(self.paths)

    def redactor(self) -> Redactor:
        key = load_or_create_key(Path(self.redaction_key)) if self.redaction_key else None
        return Redactor(parse_mode(self.redact), key=key)


class RecordStoreResource(DuckDBResource):
    """The RecordStore's DuckDB file; `store()` is the object every read and write goes through."""

    def store(self) -> RecordStore:
        return RecordStore(Path(self.database), connect=self.get_connection)


class Embedder(ConfigurableResource):
    """The embedding model, loaded once per process and only from disk."""

    model: str = Field(description="A sentence-transformers model name or folder.")
    batch_size: int = Field(default=DEFAULT_BATCH_SIZE, description="Texts per forward pass.")
    chunk_texts: int = Field(default=2048, description="Texts embedded and written per step (bounds memory).")
    precision: str = Field(
        default="fp32", description="fp32; bf16 where the CPU has native bf16 (else fp32); int8 through ONNX Runtime."
    )
    models_dir: str = Field(default=".logviz/models", description="Folder for models derived here (int8 export).")

    _embedder: TextEmbedder | None = PrivateAttr(default=None)

    def embedder(self) -> TextEmbedder:
        if self._embedder is None:
            self._embedder = TextEmbedder(
                self.model, self.batch_size, precision=self.precision, models_dir=Path(self.models_dir)
            )
        return self._embedder


class VectorStore(ConfigurableResource):
    """LanceDB folder holding the `vectors` table."""

    uri: str = Field(description="LanceDB database folder or URI.")

    def table(self) -> VectorTable:
        if "://" not in self.uri:
            Path(self.uri).mkdir(parents=True, exist_ok=True)
        return VectorTable(self.uri)


class Layouts(ConfigurableResource):
    """Fitted 2D reducers, saved in the data folder so later points land on the same map."""

    folder: str = Field(description="Folder for fitted reducers.")
    fit_sample_size: int = Field(
        default=50_000, description="Above this many points, fit on a sample and place the rest."
    )
    random_state: int | None = Field(
        default=None, description="Seed for reproducible layouts (slower: no parallelism)."
    )

    def store(self) -> LayoutStore:
        return LayoutStore(Path(self.folder))


class Viewer(ConfigurableResource):
    """Where the API serves the map, so the Dagster UI can link to it."""

    url: str = Field(description="The viewer's address (the API's root).")


def resources_from(settings: Settings) -> dict[str, ConfigurableResource]:
    """The resources as the settings describe them."""
    return {
        "sources": LogSources(
            paths=[str(p) for p in settings.sources],
            load_workers=settings.load_workers,
            redact=settings.redact,
            redaction_key=str(settings.redaction_key_path) if settings.redact_tags else None,
        ),
        "record_store": RecordStoreResource(database=str(settings.duckdb_path)),
        "vector_store": VectorStore(uri=str(settings.lancedb_path)),
        "embedder": Embedder(
            model=settings.model, precision=settings.embed_precision, models_dir=str(settings.models_path)
        ),
        "layouts": Layouts(folder=str(settings.layouts_path)),
        "viewer": Viewer(url=settings.viewer_url),
    }
