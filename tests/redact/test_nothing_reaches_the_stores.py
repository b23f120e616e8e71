"""Issue 13's acceptance: a secret in a log reaches none of the stores, logs or answers.

Logs holding the fake secrets of `tests.helpers.secrets` (written here, and seeded into the
smallest sample of every format when ../shared/samples is there) are loaded, embedded and placed
for real: the Dagster assets on a Dagster instance of their own, the real model, DuckDB and
LanceDB. Then no secret, JSON-escaped or not, may be found in:

- the DuckDB file's bytes, nor in any text column of any table read back (DuckDB compresses
  strings on disk, so the bytes alone could miss one);
- the LanceDB folder's bytes, nor the texts of its table read back;
- the Dagster instance's files (event log, run storage, compute logs);
- any API answer the viewer reads: /points (JSON and Arrow), every /records/{id}, /search in each
  mode, /runs, every run's trajectory, /stats.

The same logs loaded with LOGVIZ_REDACT=off do leave the secrets in the store: the checks can fail.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import lancedb
import pytest
from dagster import DagsterInstance, materialize
from fastapi.testclient import TestClient

from logviz_assets.defs.assets import embeddings, projection, records
from logviz_assets.defs.resources import resources_from
from logviz_assets.redact import Redactor
from logviz_assets.settings import Settings
from tests.conftest import SAMPLES
from tests.helpers.api import local_client, read_arrow
from tests.helpers.secret_logs import write_claude_session, write_conversation, write_seeded_samples
from tests.helpers.secrets import PII_CASES, SECRET_CASES, SecretCase, leaks
from tests.helpers.store import load

pytestmark = pytest.mark.model


@dataclass
class World:
    settings: Settings
    dagster_home: Path
    metadata: dict[str, dict]
    seeded_formats: list[str]

    @property
    def home(self) -> Path:
        return self.settings.home


def write_logs(logs: Path, cases: list[SecretCase]) -> list[str]:
    """The secret-bearing corpus; the sample formats seeded (none without ../shared/samples)."""
    write_claude_session(logs, cases)
    write_conversation(logs, cases)
    if not SAMPLES.is_dir():
        return []
    return write_seeded_samples(logs, SAMPLES, cases)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    root = tmp_path_factory.mktemp("secrets")
    seeded = write_logs(root / "logs", SECRET_CASES)
    settings = Settings(home=root / "home", sources=(root / "logs",), load_workers=1)
    dagster_home = root / "dagster"
    dagster_home.mkdir()
    with DagsterInstance.local_temp(str(dagster_home)) as instance:
        result = materialize([records, embeddings, projection], resources=resources_from(settings), instance=instance)
        assert result.success
        metadata = {
            node: {k: v.value for k, v in result.asset_materializations_for_node(node)[0].metadata.items()}
            for node in ("records", "embeddings", "projection")
        }
    yield World(settings, dagster_home, metadata, seeded)


def assert_no_secret_in(what: str, output: str, cases: list[SecretCase] = SECRET_CASES) -> None:
    found = {case.label: leaked for case in cases if (leaked := leaks(case.secret, output))}
    assert not found, f"{len(found)} secrets found in {what}, e.g. {dict(list(found.items())[:3])}"


def folder_text(folder: Path) -> str:
    """Every file below `folder`, as text (bytes that are not UTF-8 kept as escapes)."""
    return "\n".join(p.read_bytes().decode("utf-8", "backslashreplace") for p in folder.rglob("*") if p.is_file())


def duckdb_texts(db: Path) -> str:
    """Every text column of every table, read back."""
    with duckdb.connect(str(db), read_only=True) as con:
        columns = con.execute(
            "SELECT table_name, column_name FROM information_schema.columns WHERE data_type = 'VARCHAR'"
        ).fetchall()
        parts = []
        for table, column in columns:
            parts += [value for (value,) in con.execute(f'SELECT "{column}" FROM "{table}"').fetchall() if value]
    return "\n".join(parts)


def test_the_corpus_holds_every_secret_and_the_load_redacted_them(world: World) -> None:
    meta = world.metadata["records"]
    assert meta["redaction_mode"] == "secrets"
    by_rule = meta["redactions_by_rule"]
    # Each case was written as a user message, a tool call and a tool result (at least).
    missing = {case.rule for case in SECRET_CASES} - set(by_rule)
    assert not missing, f"rules that never fired: {missing}"
    assert meta["records_redacted"] >= len(SECRET_CASES)
    assert meta["redactions_in_rejects_and_state"] >= 1  # the broken line's excerpt
    texts = duckdb_texts(world.settings.duckdb_path)
    assert "<secret:github-token:" in texts  # typed placeholders, tagged with the local key
    assert (world.home / "redaction.key").stat().st_mode & 0o777 == 0o600


def test_no_secret_in_the_duckdb_file_or_its_tables(world: World) -> None:
    db = world.settings.duckdb_path
    assert_no_secret_in("the DuckDB file's bytes", db.read_bytes().decode("utf-8", "backslashreplace"))
    assert_no_secret_in("DuckDB's text columns", duckdb_texts(db))
    with duckdb.connect(str(db), read_only=True) as con:
        (rejects,) = con.execute("SELECT count(*) FROM rejects WHERE excerpt LIKE '%<secret:%'").fetchone()
    assert rejects >= 1, "the broken line's excerpt should be kept, with its secret replaced"


def test_no_secret_in_the_lancedb_folder_or_its_table(world: World) -> None:
    folder = world.settings.lancedb_path
    assert_no_secret_in("the LanceDB folder", folder_text(folder))
    table = lancedb.connect(str(folder)).open_table("vectors").to_arrow()
    texts = "\n".join(t for t in table.column("text").to_pylist() if t)
    assert texts and "<secret:" in texts
    assert_no_secret_in("LanceDB's texts", texts)


def test_no_secret_in_the_dagster_instance(world: World) -> None:
    assert_no_secret_in("the Dagster instance (event log, runs, compute logs)", folder_text(world.dagster_home))


def api_answers(client: TestClient) -> str:
    """Everything the viewer and a script can read through the API."""
    bodies = []

    def get(url: str, **params: object) -> dict:
        response = client.get(url, params=params)
        assert response.status_code == 200, (url, response.text)
        bodies.append(response.text)
        return response.json()

    points = get("/points")["points"]
    arrow = client.get("/points", params={"format": "arrow"})
    bodies.append(json.dumps(read_arrow(arrow.content).to_pylist(), default=str))
    for point in points:
        get(f"/records/{point['id']}")
    for mode in ("semantic", "text", "hybrid"):
        for query in ("password", "token", "Authorization Bearer", "private key", "api key"):
            get("/search", q=query, mode=mode, k=100)
    runs = get("/runs", limit=1000)["runs"]
    for run in runs:
        get(f"/runs/{run['run_id']}/trajectory")
    get("/stats")
    return "\n".join(bodies)


def test_no_secret_in_any_api_answer(world: World) -> None:
    with local_client(world.settings) as client:
        answers = api_answers(client)
        stats = client.get("/stats").json()
        redacted = [client.get(f"/records/{p['id']}").json() for p in client.get("/points").json()["points"][:400]]
    assert_no_secret_in("the API's answers", answers)
    assert "<secret:" in answers
    # A record says that it was redacted and by which rules, and /stats adds them up.
    flagged = [r for r in redacted if r["redactions"]]
    assert flagged and all(set(r["redactions"]) <= set(stats["redactions_by_rule"]) for r in flagged)
    assert stats["redactions_by_rule"] == world.metadata["records"]["redactions_by_rule"]
    assert stats["records_redacted"] == world.metadata["records"]["records_redacted"]


def test_every_sample_format_met_the_secrets(world: World) -> None:
    if not world.seeded_formats:
        pytest.skip(f"the shared samples folder is absent ({SAMPLES.name} beside the repo): only logs written here")
    with duckdb.connect(str(world.settings.duckdb_path), read_only=True) as con:
        redacted_formats = {
            fmt
            for (fmt,) in con.execute(
                "SELECT DISTINCT source_format FROM records WHERE redactions IS NOT NULL"
            ).fetchall()
        }
    assert len(redacted_formats) >= 8, redacted_formats


# --- the other modes ---------------------------------------------------------------------------


def test_with_redaction_off_the_same_logs_keep_their_secrets(tmp_path: Path) -> None:
    # Proof that the checks above can fail: nothing redacted, the secrets are in the store.
    write_logs(tmp_path / "logs", SECRET_CASES[:10])
    load(tmp_path / "logs", tmp_path / "records.duckdb", redactor=Redactor("off"))
    texts = duckdb_texts(tmp_path / "records.duckdb")
    assert all(leaks(case.secret, texts) for case in SECRET_CASES[:10])
    assert "<secret:" not in texts


def test_personal_data_is_redacted_only_when_asked(tmp_path: Path) -> None:
    write_claude_session(tmp_path / "logs", PII_CASES)
    load(tmp_path / "logs", tmp_path / "secrets.duckdb")  # the default: secrets only
    assert all(leaks(case.secret, duckdb_texts(tmp_path / "secrets.duckdb")) for case in PII_CASES)
    load(tmp_path / "logs", tmp_path / "pii.duckdb", redactor=Redactor("secrets+pii"))
    texts = duckdb_texts(tmp_path / "pii.duckdb")
    assert_no_secret_in("a store loaded with secrets+pii", texts, PII_CASES)
    assert {case.rule for case in PII_CASES} <= set(re.findall(r"<pii:([a-z0-9-]+)", texts))
