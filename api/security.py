"""Who may use the API: the bearer token, the bind address, the Host header, the browser origins.

- With `LOGVIZ_API_TOKEN` set, every endpoint needs `Authorization: Bearer <token>` (the app
  adds `require_token` to every route then); without it none does, and `api.serve` binds to
  loopback only.
- `RequestGuard` answers 400 to a Host header that names neither a loopback address nor a
  configured host: a DNS-rebinding page reaches 127.0.0.1 under its own name, and is refused.
- It answers 403 to a POST from a page of another origin: without a token, a "simple" form or
  text/plain POST needs no CORS preflight, and would start a run.
"""

from __future__ import annotations

import ipaddress
import json
import re
import secrets
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

# Pages served from this machine may call the API from a browser unless origins are configured.
LOOPBACK_ORIGINS = r"https?://(localhost|127\.0\.0\.1|\[::1\])(:\d+)?"
# Methods a browser page may send cross-site without asking first; only these may change nothing.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

bearer = HTTPBearer(auto_error=False, description="The value of LOGVIZ_API_TOKEN.")


def require_token(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
) -> None:
    expected = request.app.state.settings.api_token
    if not expected:  # an empty token is no token, as for the bind check
        return
    if credentials is None or not secrets.compare_digest(credentials.credentials.encode(), expected.encode()):
        raise HTTPException(
            status_code=status.HTTP_401_UNAUTHORIZED,
            detail="a valid 'Authorization: Bearer <token>' header is required",
            headers={"WWW-Authenticate": "Bearer"},
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
            "is not set. Set LOGVIZ_API_TOKEN (every request then needs 'Authorization: Bearer <token>') "
            "or bind to 127.0.0.1."
        )


def host_name(header: str) -> str | None:
    """The host of a Host header without its port, lower case ("[::1]:8000" → "::1"); None if malformed."""
    header = header.strip().lower()
    if header.startswith("["):
        end = header.find("]")
        name, rest = header[1:end], header[end + 1 :]
        if end < 0 or (rest and not re.fullmatch(r":\d*", rest)):
            return None
    else:
        name, _, port = header.partition(":")
        if port and not port.isdigit():
            return None
    name = name.removesuffix(".")  # "localhost." is the same name, fully qualified
    return name or None


def host_allowed(name: str, allowed: tuple[str, ...]) -> bool:
    """A loopback name or address, or a configured host: a name, "*.domain" (its subdomains), or "*"."""
    if is_loopback(name):
        return True
    for pattern in allowed:
        pattern = pattern.strip().lower()
        if pattern == "*" or name == pattern or (pattern.startswith("*.") and name.endswith(pattern[1:])):
            return True
    return False


class RequestGuard:
    """ASGI middleware, outermost: the Host check, then the cross-site POST check (module docstring).

    `origins` are the CORS origins configured; none means the loopback pages (`LOOPBACK_ORIGINS`),
    as for CORS.
    """

    def __init__(self, app: ASGIApp, allowed_hosts: tuple[str, ...] = (), origins: tuple[str, ...] = ()) -> None:
        self.app = app
        self.allowed_hosts = tuple(h for h in (h.strip().lower() for h in allowed_hosts) if h)
        self.origins = origins

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        refusal = self._refusal(scope, headers)
        if refusal is None:
            await self.app(scope, receive, send)
            return
        code, detail = refusal
        if scope["type"] == "websocket":  # closed before it is accepted: the server answers 403
            await send({"type": "websocket.close", "code": 1008, "reason": detail[:120]})
            return
        body = json.dumps({"detail": detail}).encode()
        await send(
            {
                "type": "http.response.start",
                "status": code,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
            }
        )
        await send({"type": "http.response.body", "body": body})

    def _refusal(self, scope: Scope, headers: Headers) -> tuple[int, str] | None:
        host = headers.get("host")
        name = host_name(host) if host else None
        if name is None or not host_allowed(name, self.allowed_hosts):
            return (
                status.HTTP_400_BAD_REQUEST,
                f"Host {host!r} is not allowed: use a loopback address or a host listed in LOGVIZ_ALLOWED_HOSTS",
            )
        if scope["type"] != "http" or scope["method"] in SAFE_METHODS:
            return None
        origin = headers.get("origin")
        if origin is not None:
            # The Origin decides when a browser sends one (every browser does on a POST): an allowed
            # page may be another site by Fetch's rules (localhost:5173 calling 127.0.0.1:8000).
            if self.origin_allowed(origin, scope.get("scheme", "http"), host):
                return None
            return status.HTTP_403_FORBIDDEN, (
                f"cross-site {scope['method']} refused: origin {origin!r} is not allowed "
                "(allowed: pages on this machine, or those listed in LOGVIZ_CORS_ORIGINS)"
            )
        if headers.get("sec-fetch-site") == "cross-site":
            return status.HTTP_403_FORBIDDEN, (
                f"cross-site {scope['method']} refused: the browser says it comes from another site"
            )
        return None  # not from a browser page (curl, scripts, the tests' clients): nothing to forge

    def origin_allowed(self, origin: str, scheme: str, host: str | None) -> bool:
        if host is not None and origin.lower() == f"{scheme}://{host}".lower():
            return True  # same origin: the API's own pages (/docs)
        if self.origins:
            return "*" in self.origins or origin in self.origins
        return re.fullmatch(LOOPBACK_ORIGINS, origin) is not None
