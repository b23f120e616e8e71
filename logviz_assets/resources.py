"""The three components as Dagster resources, each configured from the environment.

DataSource is `LogSources`; the RecordStore is dagster-duckdb's `DuckDBResource`; the
Indexer is `Embedder` (the model), `VectorStore` (LanceDB) and `Layouts` (fitted reducers).
Each resource is a thin typed wrapper: the work is done by the plain modules it returns.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import duckdb
from dagster import ConfigurableResource
from dagster_duckdb import DuckDBResource
from pydantic import Field, PrivateAttr

from logviz_assets import config, store
from logviz_assets.embedding import DEFAULT_BATCH_SIZE, TextEmbedder
from logviz_assets.projection import LayoutStore
from logviz_assets.sources import FoundFile, scan
from logviz_assets.vectors import VectorTable


class LogSources(ConfigurableResource):
    """The DataSource: folders of agent logs, scanned recursively."""

    paths: list[str] = Field(description="Folders (or single files) holding agent logs.")

    def roots(self) -> list[Path]:
        return [Path(p) for p in self.paths]

    def scan(self) -> list[FoundFile]:
        return list(scan(self.roots()))


class Embedder(ConfigurableResource):
    """The embedding model, loaded once per process and only from disk."""

    model: str = Field(description="A sentence-transformers model name or folder.")
    batch_size: int = Field(default=DEFAULT_BATCH_SIZE, description="Texts per forward pass.")
    chunk_texts: int = Field(default=2048, description="Texts embedded and written per step (bounds memory).")
    precision: str = Field(
        default="fp32", description="fp32; bf16 where the CPU has native bf16 (else fp32); int8 through ONNX Runtime."
    )

    _embedder: TextEmbedder | None = PrivateAttr(default=None)

    def embedder(self) -> TextEmbedder:
        if self._embedder is None:
            self._embedder = TextEmbedder(self.model, self.batch_size, precision=self.precision)
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


def record_store(database: Path) -> DuckDBResource:
    return DuckDBResource(database=str(database))


@contextlib.contextmanager
def writer(resource: DuckDBResource) -> Iterator[duckdb.DuckDBPyConnection]:
    """A write connection with the schema in place."""
    if resource.database != ":memory:":
        Path(resource.database).parent.mkdir(parents=True, exist_ok=True)
    with resource.get_connection() as con:
        store.ensure_schema(con)
        yield con


def reader(resource: DuckDBResource) -> contextlib.AbstractContextManager[duckdb.DuckDBPyConnection | None]:
    """A short read-only connection that waits out a writer's lock."""
    return store.read_connection(Path(resource.database))


def from_environment() -> dict[str, ConfigurableResource]:
    """Resources as `LOGVIZ_HOME`, `LOGVIZ_SOURCES` and `LOGVIZ_MODEL` describe them."""
    return {
        "sources": LogSources(paths=[str(p) for p in config.sources()]),
        "record_store": record_store(config.duckdb_path()),
        "vector_store": VectorStore(uri=str(config.lancedb_path())),
        "embedder": Embedder(model=config.model(), precision=config.embed_precision()),
        "layouts": Layouts(folder=str(config.layouts_path())),
    }
