"""Talking to the Dagster webserver: submit `load` / `index` runs and read their state.

Runs are submitted through the webserver's GraphQL API with dagster-graphql's client, so
a run started over REST is an ordinary queued Dagster run: it shows in the UI and waits
for its turn in the run queue and the store pools like any other.
"""

from __future__ import annotations

import contextlib
import os
import re
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import httpx
from dagster_graphql import DagsterGraphQLClient, DagsterGraphQLClientError

from logviz_assets.run_status import IN_FLIGHT_STATUSES

try:
    import fcntl
except ImportError:  # Windows: one API process is kept from double submits by its thread lock alone
    fcntl = None  # type: ignore[assignment]

IN_FLIGHT = list(IN_FLIGHT_STATUSES)

RUNS_QUERY = """
query InFlight($filter: RunsFilter!) {
  runsOrError(filter: $filter, limit: 1) {
    __typename
    ... on Runs { results { runId status jobName } }
  }
}
"""

RUN_QUERY = """
query Run($runId: ID!) {
  runOrError(runId: $runId) {
    __typename
    ... on Run {
      runId status jobName startTime endTime
      assetMaterializations {
        assetKey { path }
        metadataEntries {
          label
          __typename
          ... on IntMetadataEntry { intValue }
          ... on FloatMetadataEntry { floatValue }
          ... on BoolMetadataEntry { boolValue }
          ... on TextMetadataEntry { text }
          ... on JsonMetadataEntry { jsonString }
        }
      }
    }
  }
}
"""

# The latest observation of each asset that reports progress: while a run of its job is in
# flight, that is the run's progress (the assets send one a second at most).
PROGRESS_ASSETS = ("records", "embeddings", "projection")
PROGRESS_QUERY = (
    "query Progress {\n"
    + "\n".join(f'  {name}: assetOrError(assetKey: {{path: ["{name}"]}}) {{ ...Latest }}' for name in PROGRESS_ASSETS)
    + """
}
fragment Latest on AssetOrError {
  __typename
  ... on Asset {
    assetObservations(limit: 1) {
      runId timestamp
      metadataEntries {
        label
        __typename
        ... on IntMetadataEntry { intValue }
        ... on FloatMetadataEntry { floatValue }
        ... on TextMetadataEntry { text }
      }
    }
  }
}
"""
)

# The failure events of a run, a page at a time: a failed run's log can hold thousands of events.
FAILURES_QUERY = """
query Failures($runId: ID!, $afterCursor: String, $limit: Int) {
  logsForRun(runId: $runId, afterCursor: $afterCursor, limit: $limit) {
    __typename
    ... on EventConnection {
      cursor hasMore
      events {
        __typename
        ... on ExecutionStepFailureEvent { stepKey message error { className message causes { className message } } }
        ... on RunFailureEvent { message error { className message causes { className message } } }
      }
    }
    ... on PythonError { message }
  }
}
"""
EVENTS_PER_PAGE = 1000
MAX_EVENT_PAGES = 50
MAX_ERROR_CHARS = 4000
# Dagster wraps every exception raised in a step in this; its message only says which op raised.
STEP_WRAPPER = "DagsterExecutionStepExecutionError"
# What an asset raises to fail on purpose, with a description (dagster.Failure).
FAILURE = "Failure"
# Dagster writes an error of a class outside builtins with its module: "dagster._core...Failure: ...".
QUALIFIED = re.compile(r"^(?:[A-Za-z_]\w*\.)+([A-Za-z_]\w*): ")

DAEMON_QUERY = """
query Daemons {
  instance { daemonHealth { allDaemonStatuses { daemonType healthy required } } }
}
"""


class DagsterUnavailable(RuntimeError):
    """The Dagster webserver did not answer (or answered with an error)."""


class RunNotFound(LookupError):
    pass


class RunRejected(RuntimeError):
    """Dagster answered, but would not start the run (bad config, unknown job, ...)."""


class DagsterRuns:
    """Runs of the `logviz` code location, through the webserver's GraphQL API.

    `submit_lock` names a file that every API process over the same data folder locks while it
    checks for a run in flight and submits one, so two processes cannot both submit. `transport`
    replaces the network (tests serve recorded GraphQL answers through it).
    """

    def __init__(
        self,
        url: str,
        location_name: str,
        timeout: float = 10.0,
        submit_lock: Path | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.url = url
        self.location_name = location_name
        self.timeout = timeout
        self.submit_lock = submit_lock
        # One pooled client for every request thread: a connection per GraphQL call would cost a
        # TCP handshake each, and 100 concurrent POSTs would open 100 sockets.
        self._http = httpx.Client(timeout=timeout, transport=transport)
        parsed = urlparse(url)
        self._client = DagsterGraphQLClient(
            parsed.hostname or "127.0.0.1",
            port_number=parsed.port,
            use_https=parsed.scheme == "https",
            timeout=int(timeout),
            path_prefix=parsed.path.rstrip("/"),
        )
        # One API process must not submit the same job twice in a race between two requests.
        self._submit_lock = threading.Lock()

    def _graphql(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        try:
            response = self._http.post(f"{self.url}/graphql", json={"query": query, "variables": variables or {}})
            response.raise_for_status()
            body = response.json()
        except (httpx.HTTPError, ValueError) as err:
            raise DagsterUnavailable(f"Dagster webserver at {self.url} is unreachable: {err}") from err
        if body.get("errors"):
            raise DagsterUnavailable(f"Dagster webserver error: {body['errors'][0].get('message')}")
        return body["data"]

    def in_flight(self, job: str) -> dict[str, Any] | None:
        data = self._graphql(RUNS_QUERY, {"filter": {"pipelineName": job, "statuses": IN_FLIGHT}})
        result = data["runsOrError"]
        if result["__typename"] != "Runs":
            raise DagsterUnavailable(f"could not list runs: {result['__typename']}")
        return result["results"][0] if result["results"] else None

    def submit(
        self, job: str, run_config: dict[str, Any] | None = None, tags: dict[str, str] | None = None
    ) -> tuple[str, str, bool]:
        """(run id, status, started now): the in-flight run of `job` if there is one, else a new run."""
        with self._submit_lock, self._across_processes():
            running = self.in_flight(job)
            if running is not None:
                return running["runId"], running["status"], False
            try:
                run_id = self._client.submit_job_execution(
                    job,
                    repository_location_name=self.location_name,
                    run_config=run_config or {},
                    tags=tags or {},
                )
            except DagsterGraphQLClientError as err:
                if "connecting to url" in str(err).lower():
                    raise DagsterUnavailable(f"Dagster webserver at {self.url} is unreachable: {err}") from err
                raise RunRejected(f"Dagster did not accept the {job} run: {err}") from err
            except Exception as err:  # requests/gql transport errors surface as various types
                raise DagsterUnavailable(f"Dagster webserver at {self.url} is unreachable: {err}") from err
        return run_id, "QUEUED", True

    @contextlib.contextmanager
    def _across_processes(self) -> Iterator[None]:
        """Hold the submit lock file, when there is one and it can be opened (a read-only data
        folder has no runs to start anyway)."""
        fd = -1
        if fcntl is not None and self.submit_lock is not None:
            with contextlib.suppress(OSError):
                self.submit_lock.parent.mkdir(parents=True, exist_ok=True)
                fd = os.open(self.submit_lock, os.O_RDWR | os.O_CREAT, 0o666)
        try:
            if fd >= 0:
                # Blocking is bounded: the holder makes at most two GraphQL calls, each with a timeout.
                fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            if fd >= 0:
                os.close(fd)  # closing the descriptor releases the lock

    def run(self, run_id: str) -> dict[str, Any]:
        data = self._graphql(RUN_QUERY, {"runId": run_id})
        result = data["runOrError"]
        if result["__typename"] == "RunNotFoundError":
            raise RunNotFound(run_id)
        if result["__typename"] != "Run":
            raise DagsterUnavailable(f"could not read run {run_id}: {result['__typename']}")
        counts: dict[str, dict[str, Any]] = {}
        for materialization in result["assetMaterializations"]:
            asset = "/".join(materialization["assetKey"]["path"])
            counts[asset] = {
                entry["label"]: _entry_value(entry)
                for entry in materialization["metadataEntries"]
                if entry["__typename"] != "MarkdownMetadataEntry"
            }
        return {
            "run_id": result["runId"],
            "job": result["jobName"],
            "status": result["status"],
            "started_at": _time(result.get("startTime")),
            "ended_at": _time(result.get("endTime")),
            "counts": counts,
            "error": self.failure(run_id) if result["status"] == "FAILURE" else None,
            "progress": self.progress(run_id) if result["status"] in IN_FLIGHT_STATUSES else None,
        }

    def progress(self, run_id: str) -> dict[str, Any] | None:
        """The last counted progress the run reported, from the newest observation of its assets."""
        data = self._graphql(PROGRESS_QUERY)
        latest: dict[str, Any] | None = None
        for asset in PROGRESS_ASSETS:
            found = data.get(asset) or {}
            for observation in found.get("assetObservations") or []:
                if observation["runId"] != run_id:
                    continue
                values = {entry["label"]: _entry_value(entry) for entry in observation["metadataEntries"]}
                at = float(observation["timestamp"]) / 1000
                if {"done", "total", "stage"} <= values.keys() and (latest is None or at >= latest["at"]):
                    latest = {"asset": asset, "at": at, **values}
        if latest is None:
            return None
        latest["reported_at"] = _time(latest.pop("at"))
        return latest

    def failure(self, run_id: str) -> dict[str, Any] | None:
        """What failed in a run: its first failed step and that step's error, else the run's own
        failure (a worker that died, a run ended from outside); None when Dagster recorded neither."""
        run_failure: dict[str, Any] | None = None
        cursor = None
        for _ in range(MAX_EVENT_PAGES):
            data = self._graphql(FAILURES_QUERY, {"runId": run_id, "afterCursor": cursor, "limit": EVENTS_PER_PAGE})
            page = data["logsForRun"]
            if page["__typename"] != "EventConnection":
                raise DagsterUnavailable(f"could not read the events of run {run_id}: {page.get('message')}")
            for event in page["events"]:
                if event["__typename"] == "ExecutionStepFailureEvent":
                    # The first failed step is the cause; steps failing after it failed because of it.
                    return run_error(event.get("stepKey"), event)
                if event["__typename"] == "RunFailureEvent" and run_failure is None:
                    run_failure = run_error(None, event)
            if not page["hasMore"]:
                break
            cursor = page["cursor"]
        return run_failure

    def health(self) -> tuple[bool, str, bool, str]:
        """(webserver ok, detail, daemon ok, detail)."""
        try:
            data = self._graphql(DAEMON_QUERY)
        except DagsterUnavailable as err:
            return False, str(err), False, "unknown: the webserver did not answer"
        statuses = data["instance"]["daemonHealth"]["allDaemonStatuses"]
        unhealthy = [s["daemonType"] for s in statuses if s["required"] and not s["healthy"]]
        daemon_detail = "all required daemons healthy" if not unhealthy else f"not running: {', '.join(unhealthy)}"
        return True, f"reachable at {self.url}", not unhealthy, daemon_detail


def run_error(step: str | None, event: dict[str, Any]) -> dict[str, Any]:
    """A failure event as the API's RunError: the error's class and its message with its causes.

    Dagster's own wrappers are unwrapped: the step wrapper only names the op, and a `Failure`
    raised by an asset carries its description (the message meant for people) and, as its cause,
    the error behind it, whose class is the more telling type.
    """
    error = event.get("error")
    if not error:
        return {"step": step, "error_type": None, "message": _cut(event.get("message") or "the run failed")}
    chain = [error, *error.get("causes", [])]
    told = [link for link in chain if link.get("className") != STEP_WRAPPER] or chain
    messages = [_link_text(link) for link in told]
    message = "; caused by ".join(m for m in messages if m) or event.get("message") or "the step failed"
    typed = [link for link in told if link.get("className") != FAILURE] or told
    return {"step": step, "error_type": typed[0].get("className"), "message": _cut(message)}


def _link_text(link: dict[str, Any]) -> str:
    """One error's message: "ValueError: ..." as Python prints it, a Failure's description alone."""
    text = QUALIFIED.sub(r"\1: ", (link.get("message") or "").strip(), count=1)
    return text.removeprefix(f"{FAILURE}: ") if link.get("className") == FAILURE else text


def _cut(text: str) -> str:
    # A message can quote a whole input line (megabytes); a job status needs only its start.
    if len(text) <= MAX_ERROR_CHARS:
        return text
    return text[:MAX_ERROR_CHARS] + f"... [cut: {len(text)} characters in all]"


def _entry_value(entry: dict[str, Any]) -> Any:
    for key in ("intValue", "floatValue", "boolValue", "text", "jsonString"):
        if key in entry:
            return entry[key]
    return None


def _time(value: float | None) -> datetime | None:
    return datetime.fromtimestamp(value, tz=UTC) if value else None
