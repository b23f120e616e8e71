"""A store loaded, embedded and placed directly with the real model, as the Dagster assets do."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from logviz_assets.index.embedding import TextEmbedder
from logviz_assets.index.operation import Indexer
from logviz_assets.index.projection import LayoutStore
from logviz_assets.index.vectors import VectorTable
from logviz_assets.load.operation import load
from logviz_assets.load.source import DataSource
from logviz_assets.settings import Settings
from logviz_assets.store import RecordStore


@dataclass(frozen=True)
class BuiltStore:
    home: Path
    sources: Path

    @property
    def db(self) -> Path:
        return self.home / "records.duckdb"

    @property
    def settings(self) -> Settings:
        return Settings(home=self.home, sources=(self.sources,))


def build_store(home: Path, sources: Path) -> None:
    """Load, embed and place `sources` into `home` the way the Dagster assets do."""
    settings = Settings(home=home, sources=(sources,))
    store = RecordStore(settings.duckdb_path)

    def quiet(_: str) -> None:
        pass

    load(DataSource(settings.sources), store, progress=quiet)
    indexer = Indexer(
        store,
        VectorTable(str(settings.lancedb_path)),
        TextEmbedder(settings.model, models_dir=settings.models_path),
        LayoutStore(settings.layouts_path),
    )
    indexer.embed_missing(progress=quiet)
    indexer.place_points(progress=quiet)
