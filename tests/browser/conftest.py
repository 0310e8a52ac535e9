"""Browser tests: Debian's chromium, driven by Playwright, against the real
local runner that the integration tests start (their fixtures, reused here).

Chromium is never downloaded by Playwright: `make test` installs Debian's
package (infra/local/install-chromium.sh), and a missing browser fails the
tests rather than skipping them.
"""

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, ConsoleMessage, Page, expect, sync_playwright

from tests.integration.conftest import PROJECT_DIR

# The emulator and the runner, as fixtures of this directory too: the browser
# tests get their own instances, so their users and orders stay apart.
from tests.integration.conftest import emulator as emulator
from tests.integration.conftest import local_stack as local_stack

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS_DIR = PROJECT_DIR / "test-artifacts" / "admin"
TIMEOUT_MS = 15_000

expect.set_options(timeout=TIMEOUT_MS)


@pytest.fixture(scope="session")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BrowserContext]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing; `make test` installs it with infra/local/install-chromium.sh")
    with sync_playwright() as playwright:
        playwright.selectors.set_test_id_attribute("data-test")
        context = playwright.chromium.launch_persistent_context(
            tmp_path_factory.mktemp("chromium-profile"),
            executable_path=str(CHROMIUM),
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1280, "height": 800},
        )
        context.set_default_timeout(TIMEOUT_MS)
        yield context
        context.close()


def _is_page_error(message: ConsoleMessage) -> bool:
    # Answers such as 401 or 403 are logged too; they are expected, unlike a
    # script error or a Content-Security-Policy refusal.
    return message.type == "error" and not message.text.startswith("Failed to load resource")


@pytest.fixture
def page(browser: BrowserContext) -> Iterator[Page]:
    """A new tab, so a new sessionStorage (no token) for each test."""
    tab = browser.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    tab.on("console", lambda message: errors.append(message.text) if _is_page_error(message) else None)
    yield tab
    tab.close()
    assert not errors, f"the page reported errors: {errors}"


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    ARTIFACTS_DIR.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS_DIR
