"""Schemathesis over the app's own OpenAPI schema: no server errors, and every answer as documented.

Each operation gets a bounded, derandomized set of generated requests, valid and invalid ones
(schemathesis' coverage, positive and negative generation), sent to the app in process over the
store `built_store` built with the real model. Dagster is a closed loopback port, so no POST
starts a run: POST /load, POST /index, GET /jobs/{id} and GET /health answer the documented 503,
the only 5xx allowed, and only from those. Every answer goes through schemathesis' checks: status
code, content type, headers and body against the schema, and a 4xx for invalid input.

The app with a token is fuzzed too, more briefly: its schema declares the bearer scheme, and
every answer without the token must be the documented 401.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from api.main import create_app
from logviz_assets.settings import Settings
from tests.helpers.api import LOCAL_URL
from tests.helpers.pipeline import BuiltStore

# Operations whose answer depends on the Dagster webserver, unreachable here.
NEEDS_DAGSTER = {"POST /load", "POST /index", "GET /jobs/{run_id}", "GET /health"}
EXAMPLES = 100
SECURED_EXAMPLES = 10
TOKEN = "fuzz-token-" + "x" * 16


def schema_of(settings: Settings, examples: int) -> schemathesis.BaseSchema:
    # The schema does not depend on the store, so it is read at import from an app over none (which
    # starts nothing). schemathesis' lazy `from_fixture` would wait for the store, but it sets a
    # pytest node attribute that pytest 9.2 no longer has.
    schema = schemathesis.openapi.from_dict(create_app(settings).openapi())
    schema.config.generation.update(max_examples=examples, deterministic=True)
    return schema


open_schema = schema_of(Settings(), EXAMPLES)
secured_schema = schema_of(Settings(api_token=TOKEN), SECURED_EXAMPLES)
bounded = settings(
    deadline=timedelta(seconds=10),  # a semantic search of 2,000 characters on a busy 2-core machine
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.filter_too_much],
)


@pytest.fixture(scope="module")
def app(store: BuiltStore, dead_dagster: str) -> FastAPI:
    return create_app(Settings(home=store.home, dagster_url=dead_dagster))


@pytest.fixture(scope="module")
def secured_app(store: BuiltStore, dead_dagster: str) -> FastAPI:
    return create_app(Settings(home=store.home, dagster_url=dead_dagster, api_token=TOKEN))


def call_and_check(app: FastAPI, case: schemathesis.Case) -> int:
    # Sent in process, with a loopback Host as a client on this machine sends (the app refuses others).
    response = case.call(base_url=LOCAL_URL, app=app)
    operation = f"{case.method.upper()} {case.path}"
    if response.status_code >= 500:
        assert response.status_code == 503 and operation in NEEDS_DAGSTER, (
            f"{operation} answered {response.status_code}: {response.text[:1000]}"
        )
    case.validate_response(response, excluded_checks=[not_a_server_error])
    return response.status_code


@open_schema.parametrize()
@settings(bounded, max_examples=EXAMPLES)
def test_every_answer_is_documented_and_none_is_a_server_error(app: FastAPI, case: schemathesis.Case) -> None:
    call_and_check(app, case)


@secured_schema.parametrize()
@settings(bounded, max_examples=SECURED_EXAMPLES)
def test_with_a_token_every_answer_is_documented_too(secured_app: FastAPI, case: schemathesis.Case) -> None:
    # schemathesis makes up credentials (never the token): each answer is the documented 401, or a
    # 422 or 405 for a request invalid in its own right (both come before the token is checked).
    assert call_and_check(secured_app, case) in (401, 405, 422)
