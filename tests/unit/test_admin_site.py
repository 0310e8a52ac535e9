"""The admin page's files, as the app serves them at /admin/."""

import re

import pytest
from chalice.test import Client

from chalicelib.admin.site import CONTENT_SECURITY_POLICY, STATIC_FILES


def test_the_page_is_served_at_admin_with_a_strict_content_security_policy(client: Client) -> None:
    response = client.http.get("/admin/")

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert "'unsafe-inline'" not in CONTENT_SECURITY_POLICY
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "<title>Catalyst administration</title>" in response.body.decode()


def test_admin_without_the_slash_sends_the_browser_to_the_slash(client: Client) -> None:
    response = client.http.get("/admin")

    assert response.status_code == 301
    assert response.headers["Location"] == "admin/"


def _linked_files(client: Client) -> set[str]:
    """What the page links to, and every module those scripts import, transitively."""
    page = client.http.get("/admin/").body.decode()
    linked, waiting = set(), re.findall(r'(?:href|src)="static/([^"]+)"', page)
    while waiting:
        name = waiting.pop()
        if name in linked:
            continue
        linked.add(name)
        if name.endswith(".js"):
            script = client.http.get(f"/admin/static/{name}").body.decode()
            waiting += re.findall(r'from "\./([^"]+)";', script)
    return linked


def test_every_file_the_page_links_to_or_imports_is_served_with_its_type(client: Client) -> None:
    linked = _linked_files(client)

    assert linked == set(STATIC_FILES)
    for name in linked:
        response = client.http.get(f"/admin/static/{name}")
        assert response.status_code == 200, name
        assert response.headers["Content-Type"] == STATIC_FILES[name]
        assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY


@pytest.mark.parametrize("name", ["index.html", "site.py", "..%2Fsite.py", "app.py"])
def test_nothing_but_the_known_files_is_served(client: Client, name: str) -> None:
    response = client.http.get(f"/admin/static/{name}")

    assert response.status_code == 404
    assert response.json_body == {"detail": "No such file."}


@pytest.mark.parametrize("name", [name for name in STATIC_FILES if name.endswith(".js")])
def test_no_page_script_parses_data_as_markup(client: Client, name: str) -> None:
    script = client.http.get(f"/admin/static/{name}").body.decode()

    assert not re.search(r"innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(", script)
