"""GET /search and GET /neighbors/{record_id} (api/routes/search.py): text, semantic and hybrid search.

A distinctive command from the samples is found by each mode; filters narrow the hits, filtered
vector search still fills k, neighbours leave out the step itself and exact copies of its text,
and odd query text never fails.

The app runs in process (FastAPI's TestClient) over the store `built_store` built with the real
model, with Dagster pointed at a closed loopback port (fixtures in tests/api/conftest.py).
Expected values come from the sample JSON or from DuckDB and LanceDB read directly.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi.testclient import TestClient

from tests.helpers.api import SUBAGENT_RUN, get_ok
from tests.helpers.pipeline import BuiltStore
from tests.helpers.samples import DIALYZER_COMMAND, DOV_SESSION_ID, ToolCall
from tests.helpers.store import duck, duck_count


def search(client: TestClient, q: str, mode: str, k: int = 10, **params: object) -> list[dict]:
    body = get_ok(client, "/search", q=q, mode=mode, k=k, **params)
    assert body["query"] == q and body["mode"] == mode
    hits = body["hits"]
    assert len(hits) <= k
    scores = [hit["score"] for hit in hits]
    assert scores == sorted(scores, reverse=True), f"{mode} hits are not best first: {scores}"
    return hits


def test_text_search_finds_the_command_first(client: TestClient, dialyzer: ToolCall) -> None:
    hits = search(client, DIALYZER_COMMAND, "text")
    assert hits, "no hits"
    assert hits[0]["point"]["id"] == dialyzer.record_id
    assert "mix dialyzer --format short" in hits[0]["text"]
    assert hits[0]["point"]["x"] is not None


def test_semantic_search_finds_the_command_in_the_top_ten(client: TestClient, dialyzer: ToolCall) -> None:
    hits = search(client, DIALYZER_COMMAND, "semantic", k=10)
    assert dialyzer.record_id in [hit["point"]["id"] for hit in hits]
    assert all(-1.0 <= hit["score"] <= 1.0 + 1e-6 for hit in hits)


def test_hybrid_search_finds_the_command_in_the_top_ten(client: TestClient, dialyzer: ToolCall) -> None:
    hits = search(client, DIALYZER_COMMAND, "hybrid", k=10)
    assert dialyzer.record_id in [hit["point"]["id"] for hit in hits]


@pytest.mark.parametrize("mode", ["text", "semantic", "hybrid"])
def test_search_honours_the_point_filters(client: TestClient, mode: str) -> None:
    hits = search(client, "mix test failures", mode, k=20, kind="tool_result", run_id=DOV_SESSION_ID)
    assert hits
    assert {hit["point"]["kind"] for hit in hits} == {"tool_result"}
    assert {hit["point"]["run_id"] for hit in hits} == {DOV_SESSION_ID}


@pytest.mark.parametrize("endpoint", ["search", "neighbors"])
def test_filtered_vector_search_fills_k_when_enough_records_match(
    client: TestClient, store: BuiltStore, dialyzer: ToolCall, endpoint: str
) -> None:
    assert duck_count(store.db, "run_id = ?", [SUBAGENT_RUN]) >= 20
    if endpoint == "search":
        hits = search(client, "mix test failures", "semantic", k=20, run_id=SUBAGENT_RUN)
    else:
        hits = get_ok(client, f"/neighbors/{dialyzer.record_id}", k=20, run_id=SUBAGENT_RUN)["hits"]
    assert len(hits) == 20


def test_neighbors_are_k_other_steps(client: TestClient, store: BuiltStore, dialyzer: ToolCall) -> None:
    body = get_ok(client, f"/neighbors/{dialyzer.record_id}", k=5)
    hits = body["hits"]

    assert body["mode"] == "neighbors"
    assert len(hits) == 5
    ids = [hit["point"]["id"] for hit in hits]
    assert dialyzer.record_id not in ids and len(set(ids)) == 5
    scores = [hit["score"] for hit in hits]
    assert scores == sorted(scores, reverse=True)


def test_neighbors_leave_out_exact_copies_of_the_text(client: TestClient, store: BuiltStore) -> None:
    shared_hash, copies = duck(
        store.db,
        "SELECT text_hash, list(record_id ORDER BY record_id) FROM records GROUP BY text_hash "
        "HAVING count(*) > 1 ORDER BY count(*) DESC, text_hash LIMIT 1",
    )[0]
    hits = get_ok(client, f"/neighbors/{copies[0]}", k=10)["hits"]
    assert len(hits) == 10
    assert not {hit["point"]["id"] for hit in hits} & set(copies)
    hashes = dict(duck(store.db, "SELECT record_id, text_hash FROM records"))
    assert shared_hash not in {hashes[hit["point"]["id"]] for hit in hits}


ODD_QUERIES = [
    '"unbalanced',
    "foo AND (",
    "a:b",
    "*",
    "'",
    '""',
    " a ",
    "[x",
    "x^2",
    "foo~",
    "-",
    "+",
    "x OR",
    "NOT",
    "\\",
    "%",
    "ünïcode 中文 🙂",
    "title:(a b",
    "x" * 2000,
]


@pytest.mark.parametrize("mode", ["text", "semantic", "hybrid"])
@pytest.mark.parametrize("q", ODD_QUERIES, ids=range(len(ODD_QUERIES)))
def test_odd_search_text_never_fails(client: TestClient, q: str, mode: str) -> None:
    response = client.get("/search", params={"q": q, "mode": mode, "k": 5})
    assert response.status_code == 200, response.text
    assert isinstance(response.json()["hits"], list)


def test_concurrent_search_and_neighbors_never_fail(client: TestClient, dialyzer: ToolCall) -> None:
    """Several clients at once: every answer 200 (the searcher once failed ~7% of these with
    DuckDB's `python_arrow_scan` CatalogException, from registering an Arrow table per request)."""
    requests = [
        ("/search", {"q": DIALYZER_COMMAND, "mode": "text", "k": 20}),
        ("/search", {"q": "mix test failures", "mode": "semantic", "k": 20}),
        ("/search", {"q": "compile error", "mode": "hybrid", "k": 50, "kind": "tool_result"}),
        (f"/neighbors/{dialyzer.record_id}", {"k": 20}),
        (f"/neighbors/{dialyzer.record_id}", {"k": 5, "run_id": SUBAGENT_RUN}),
    ]
    rounds, clients = 40, 4

    def one_client(offset: int) -> list[tuple[str, int, str]]:
        answers = []
        for i in range(rounds):
            url, params = requests[(offset + i) % len(requests)]
            response = client.get(url, params=params)
            answers.append((url, response.status_code, "" if response.status_code == 200 else response.text[:300]))
        return answers

    with ThreadPoolExecutor(max_workers=clients) as pool:
        answers = [answer for batch in pool.map(one_client, range(clients)) for answer in batch]

    assert len(answers) == rounds * clients
    failed = [answer for answer in answers if answer[1] != 200]
    assert not failed, f"{len(failed)} of {len(answers)} concurrent searches failed: {failed[:3]}"
