"""API settings from the environment (the stores' own settings live in logviz_assets.config)."""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass, field

LOOPBACK_ORIGINS = r"https?://(localhost|127\.0\.0\.1|\[::1\])(:\d+)?"


@dataclass(frozen=True)
class ApiSettings:
    """`LOGVIZ_API_TOKEN`: bearer token the POST endpoints require (unset: no auth, loopback only).
    `LOGVIZ_CORS_ORIGINS`: comma-separated origins allowed to call the API from a browser
    (default: any page served from localhost). `LOGVIZ_DAGSTER_URL`: the Dagster webserver.
    """

    token: str | None = None
    cors_origins: list[str] = field(default_factory=list)
    dagster_url: str = "http://127.0.0.1:3000"
    location_name: str = "logviz"

    @classmethod
    def from_environment(cls) -> ApiSettings:
        origins = [o.strip() for o in os.environ.get("LOGVIZ_CORS_ORIGINS", "").split(",") if o.strip()]
        return cls(
            token=os.environ.get("LOGVIZ_API_TOKEN") or None,
            cors_origins=origins,
            dagster_url=os.environ.get("LOGVIZ_DAGSTER_URL", "http://127.0.0.1:3000").rstrip("/"),
        )


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_bind(host: str, token: str | None) -> None:
    """Refuse to serve beyond this machine without a token: anyone could start runs."""
    if not is_loopback(host) and not token:
        raise SystemExit(
            f"refusing to bind the logviz API to {host}: it is not a loopback address and LOGVIZ_API_TOKEN "
            "is not set. Set LOGVIZ_API_TOKEN (POST requests then need 'Authorization: Bearer <token>') "
            "or bind to 127.0.0.1."
        )
