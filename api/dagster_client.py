"""Talking to the Dagster webserver: submit `load` / `index` runs and read their state.

Runs are submitted through the webserver's GraphQL API with dagster-graphql's client, so
a run started over REST is an ordinary queued Dagster run: it shows in the UI and waits
for its turn in the run queue and the store pools like any other.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlparse

import httpx
from dagster_graphql import DagsterGraphQLClient, DagsterGraphQLClientError

from logviz_assets.run_status import IN_FLIGHT_STATUSES

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
    def __init__(self, url: str, location_name: str, timeout: float = 10.0) -> None:
        self.url = url
        self.location_name = location_name
        self.timeout = timeout
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
            response = httpx.post(
                f"{self.url}/graphql", json={"query": query, "variables": variables or {}}, timeout=self.timeout
            )
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
        with self._submit_lock:
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
        }

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


def _entry_value(entry: dict[str, Any]) -> Any:
    for key in ("intValue", "floatValue", "boolValue", "text", "jsonString"):
        if key in entry:
            return entry[key]
    return None


def _time(value: float | None) -> datetime | None:
    return datetime.fromtimestamp(value, tz=UTC) if value else None
