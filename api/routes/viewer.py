"""`GET /`: the map viewer, and its static files under `/viewer/`.

The files are built from `viewer/` (an npm project) into `api/viewer/` by `scripts/setup.sh`
and ship inside the package. They hold no log content: the page reads everything through the
API, with the token when one is set. So, like /docs, they are plain routes that the app-wide
token dependency does not guard; a browser could not send a bearer header for the page itself.

Every response carries a Content-Security-Policy that allows only this origin's script files (no
inline scripts, no event-handler attributes): should a log's text ever reach the page as markup,
nothing in it would run. The page itself inserts log text only as text.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response
from starlette.routing import Route

VIEWER_DIR = Path(__file__).resolve().parents[1] / "viewer"
MEDIA_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
}
CSP = "; ".join(
    (
        "default-src 'self'",
        # regl compiles its draw commands with new Function(); inline scripts and on* attributes stay barred.
        "script-src 'self' 'unsafe-eval'",
        # regl-scatterplot builds its spatial index in a worker it starts from a blob: URL.
        "worker-src 'self' blob:",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    # Rebuilt in place by setup.sh: revalidate (the ETag makes that a 304) rather than cache.
    "Cache-Control": "no-cache",
}
NOT_BUILT = (
    "The logviz viewer is not built. Run scripts/setup.sh (it needs Node.js and npm), "
    "or `npm ci && npm run build` in viewer/. The API itself works: see /docs."
)


def _file(request: Request, name: str) -> Response:
    # Only a plain file directly in the build folder: no subpaths, no dotfiles (the build stamp).
    path = VIEWER_DIR / name
    if "/" in name or "\\" in name or name.startswith(".") or path.suffix not in MEDIA_TYPES or not path.is_file():
        return PlainTextResponse("not found", status_code=404)
    stat = path.stat()
    etag = f'"{stat.st_mtime_ns:x}-{stat.st_size:x}"'
    headers = {**SECURITY_HEADERS, "ETag": etag}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    return FileResponse(path, media_type=MEDIA_TYPES[path.suffix], headers=headers, stat_result=stat)


def page(request: Request) -> Response:
    if not (VIEWER_DIR / "index.html").is_file():
        return PlainTextResponse(NOT_BUILT, status_code=503)
    return _file(request, "index.html")


def asset(request: Request) -> Response:
    return _file(request, request.path_params["name"])


router = APIRouter()
router.routes.extend(
    [
        Route("/", page, methods=["GET", "HEAD"], include_in_schema=False),
        Route("/viewer/{name}", asset, methods=["GET", "HEAD"], include_in_schema=False),
    ]
)
