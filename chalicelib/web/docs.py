"""The API's description: /api/openapi.json (OpenAPI 3.1) and a readable
page at /api/docs/, whose assets ship in the package (no CDN)."""

from functools import cache
from pathlib import Path
from typing import Any

from chalice import Response

from chalicelib.errors import NotFound
from chalicelib.web.blueprint import ApiBlueprint
from chalicelib.web.openapi import build_spec

docs_api = ApiBlueprint(__name__)

SITE_DIR = Path(__file__).with_name("docs_site")
CONTENT_TYPES = {"docs.js": "text/javascript; charset=utf-8", "docs.css": "text/css; charset=utf-8"}
PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "base-uri 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-cache",
}


@cache
def _spec(routes: tuple[tuple[str, str], ...]) -> dict[str, Any]:
    return build_spec(routes)


@cache
def _read(name: str) -> str:
    return (SITE_DIR / name).read_text(encoding="utf-8")


@docs_api.route("/api/openapi.json", methods=["GET"])
def openapi_json() -> dict[str, Any]:
    routes = docs_api.current_app.routes
    return _spec(tuple(sorted((path, method) for path, methods in routes.items() for method in methods)))


@docs_api.route("/api/docs", methods=["GET"])
def docs_page() -> Response:
    path = docs_api.current_request.context.get("path", "/api/docs/")
    if not path.endswith("/"):
        # The page's links are relative, so it must be seen at .../docs/.
        return Response(body="", status_code=301, headers={"Location": path.rsplit("/", 1)[-1] + "/"})
    return Response(body=_read("index.html"), headers={"Content-Type": "text/html; charset=utf-8", **PAGE_HEADERS})


@docs_api.route("/api/docs/{name}", methods=["GET"])
def docs_asset(name: str) -> Response:
    if name not in CONTENT_TYPES:
        raise NotFound("No such file.")
    return Response(body=_read(name), headers={"Content-Type": CONTENT_TYPES[name], **PAGE_HEADERS})
