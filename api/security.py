"""Who may use the API: the bearer token, the bind address, the browser origins."""

from __future__ import annotations

import ipaddress
import secrets
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

# Pages served from this machine may call the API from a browser unless origins are configured.
LOOPBACK_ORIGINS = r"https?://(localhost|127\.0\.0\.1|\[::1\])(:\d+)?"

bearer = HTTPBearer(auto_error=False, description="Required when LOGVIZ_API_TOKEN is set.")


def require_token(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
) -> None:
    expected = request.app.state.settings.api_token
    if expected is None:
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
            "is not set. Set LOGVIZ_API_TOKEN (POST requests then need 'Authorization: Bearer <token>') "
            "or bind to 127.0.0.1."
        )
