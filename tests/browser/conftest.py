"""A real Chromium (Debian's) driven by Playwright against the live test server, with axe-core."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from bordercase.accounts.models import User
from tests.browser.axe import axe_violations
from tests.conftest import World, is_staff, totp_device, totp_ready

# Playwright's sync API runs an event loop in this thread; Django's test server and ORM calls
# from the test itself are still synchronous, so Django's async guard does not apply.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = os.environ.get("BORDERCASE_CHROMIUM", "/usr/bin/chromium")
CODE_PAGE = "/sign-in/code/"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run",
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"No Chromium at {CHROMIUM}: run scripts/ensure-chromium or set BORDERCASE_CHROMIUM.")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def world(per_test_world: World) -> World:
    # The live server reads what the test committed, so nothing here can sit inside a module's transaction.
    return per_test_world


class Pages:
    """A page with what every browser test checks: no console errors and no axe-core violations."""

    def __init__(self, page: Page, base_url: str) -> None:
        self.page, self.base_url = page, base_url
        self.console_errors: list[str] = []
        page.on("console", lambda message: message.type == "error" and self.console_errors.append(message.text))
        page.on("pageerror", lambda error: self.console_errors.append(str(error)))

    def goto(self, path: str) -> Any:
        return self.page.goto(self.base_url + path)

    def assert_accessible(self, name: str) -> None:
        """axe-core (WCAG 2.2 A and AA rules) finds nothing and nothing was written to the console.

        A screenshot of the page is kept in test-artifacts/ when either check fails, and of every page checked
        when BORDERCASE_SCREENSHOTS is set: a full-page PNG costs more than the check itself.
        """
        # A click that navigates returns before the next page is parsed; axe run on a half-made document reports
        # a page with no main landmark and no heading, so wait for the parts every page of ours has.
        self.page.wait_for_load_state()
        expect(self.page.locator("main h1")).to_have_count(1)
        violations = axe_violations(self.page, AXE)
        if violations or self.console_errors or os.environ.get("BORDERCASE_SCREENSHOTS"):
            ARTIFACTS.mkdir(exist_ok=True)
            self.page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
        assert violations == [], f"axe-core found problems on {name}: {violations}"
        assert self.console_errors == [], f"console errors on {name}: {self.console_errors}"

    def sign_in(self, email: str, password: str, *, second_step: bool = True) -> None:
        """Sign in with the password and then, if the page asks, the code from the person's authenticator app.

        Staff without an app are given one first, as if they had set it up before. ``second_step=False`` stops
        after the password, for tests of the second step itself.
        """
        user = User.objects.filter(email=email.strip().lower()).first()
        if second_step and user is not None and is_staff(user):
            totp_device(user)
        self.goto("/sign-in/")
        self.page.get_by_label("Email address").fill(email)
        self.page.get_by_label("Password").fill(password)
        with self.page.expect_navigation():
            self.page.get_by_role("button", name="Sign in").click()
        if second_step and user is not None and urlsplit(self.page.url).path == CODE_PAGE:
            self.give_code(totp_ready(totp_device(user)))

    def give_code(self, code: str) -> None:
        self.page.get_by_label("Security code").fill(code)
        with self.page.expect_navigation():
            self.page.get_by_role("button", name="Continue").click()


@pytest.fixture
def pages(browser: Browser, live_server: Any) -> Iterator[Pages]:
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    yield Pages(context.new_page(), live_server.url)
    context.close()


@pytest.fixture
def pages_without_javascript(browser: Browser, live_server: Any) -> Iterator[Pages]:
    context = browser.new_context(java_script_enabled=False)
    yield Pages(context.new_page(), live_server.url)
    context.close()
