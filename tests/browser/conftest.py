"""Debian's Chromium, driven by Playwright, against the live test server."""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, ViewportSize, sync_playwright

CHROMIUM = Path(os.environ.get("HAVEN_CHROMIUM", "/usr/bin/chromium"))
ARGS = [
    "--no-sandbox",  # the suite may run as root (CI does)
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing: scripts/test-system installs Debian's chromium"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield launched
        launched.close()


PHONE: ViewportSize = {"width": 360, "height": 640}


class Visit:
    """One browser context with every request it makes recorded."""

    def __init__(self, context: BrowserContext, origin: str) -> None:
        self.context = context
        self.origin = origin
        self.requests: list[str] = []
        self.page: Page = context.new_page()
        self.page.set_default_timeout(10_000)
        self.page.on("request", lambda request: self.requests.append(request.url))
        # Nothing may leave the machine: anything not for the test server is answered here.
        context.route(
            lambda url: not url.startswith(origin),
            lambda route: route.fulfill(status=200, content_type="text/plain", body="elsewhere"),
        )

    def foreign(self) -> list[str]:
        return [url for url in self.requests if not url.startswith(self.origin)]


@pytest.fixture
def visit(browser: Browser, live_server: object) -> Iterator[object]:
    contexts: list[BrowserContext] = []

    def open_visit(*, javascript: bool = True, locale: str = "ru-RU", phone: bool = False) -> Visit:
        # A phone: 360 CSS pixels wide, 640 high, as the smallest common Android screens.
        viewport = PHONE if phone else None
        context = browser.new_context(
            java_script_enabled=javascript, locale=locale, viewport=viewport
        )
        contexts.append(context)
        return Visit(context, live_server.url)  # type: ignore[attr-defined]

    yield open_visit
    for context in contexts:
        context.close()
