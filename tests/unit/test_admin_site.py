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


def test_every_file_the_page_links_to_is_served_with_its_type(client: Client) -> None:
    page = client.http.get("/admin/").body.decode()
    linked = set(re.findall(r'(?:href|src)="static/([^"]+)"', page))

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


def test_the_page_script_never_parses_data_as_markup(client: Client) -> None:
    script = client.http.get("/admin/static/admin.js").body.decode()

    assert not re.search(r"innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(", script)
