"""The admin page at /admin/: static HTML, CSS and JS shipped in the package
(chalicelib/admin/site/) and served by the app itself, so it needs no other
host and fetches nothing from outside. It talks to /api/admin/ like any client.
"""

from functools import cache
from pathlib import Path

from chalice import Response

from chalicelib.errors import NotFound
from chalicelib.web.blueprint import ApiBlueprint

SITE_DIR = Path(__file__).with_name("site")
PAGE = "index.html"
PAGE_CONTENT_TYPE = "text/html; charset=utf-8"
SCRIPT = "text/javascript; charset=utf-8"
# What the page links to as static/<name>, and the ES modules admin.js imports
# (loaded by the browser itself, no build step); nothing else in the folder is served.
STATIC_FILES = {
    "admin.css": "text/css; charset=utf-8",
    "favicon.svg": "image/svg+xml",
    "admin.js": SCRIPT,
    "api.js": SCRIPT,
    "widgets.js": SCRIPT,
    "users.js": SCRIPT,
    "orders.js": SCRIPT,
    "audit.js": SCRIPT,
    "integrators.js": SCRIPT,
}
# The page's own files and API only: no inline script or style, no other origin.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    # A deployment replaces the files under the same names: always revalidate.
    "Cache-Control": "no-cache",
}

admin_site = ApiBlueprint(__name__)


@cache
def _read(name: str) -> str:
    # On first request rather than at import: most invocations never serve the page.
    return (SITE_DIR / name).read_text(encoding="utf-8")


def _file(name: str, content_type: str) -> Response:
    return Response(body=_read(name), status_code=200, headers={"Content-Type": content_type, **SECURITY_HEADERS})


@admin_site.route("/admin", methods=["GET"])
def index() -> Response:
    path = admin_site.current_request.context.get("path", "/admin/")
    if not path.endswith("/"):
        # The page's links are relative (static/..., ../api/...), so it must be
        # seen at .../admin/, whatever stage prefix the URL carries: Django's APPEND_SLASH.
        return Response(body="", status_code=301, headers={"Location": path.rsplit("/", 1)[-1] + "/"})
    return _file(PAGE, PAGE_CONTENT_TYPE)


@admin_site.route("/admin/static/{name}", methods=["GET"])
def static_file(name: str) -> Response:
    if name not in STATIC_FILES:
        raise NotFound("No such file.")
    return _file(name, STATIC_FILES[name])
