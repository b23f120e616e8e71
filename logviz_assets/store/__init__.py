"""The RecordStore: DuckDB tables of records, files, rejects and points (see `record_store`)."""

from logviz_assets.store.loads import FileWrite
from logviz_assets.store.record_store import RecordStore

__all__ = ["FileWrite", "RecordStore"]
