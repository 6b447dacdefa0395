"""A journey through the site in a real browser, checking every page it lands on.

Each navigation (``goto``, ``click``, ``press``, ``submit``) waits for the new page and runs
axe-core on it with the WCAG 2.1 A and AA rules; a journey fails on the first violation. At
the end, the ``journey`` fixture checks that no page was left unchecked (a page reached by an
action that did not go through these methods must call :meth:`Journey.check`).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from datetime import UTC, datetime
from functools import cache
from importlib import resources
from typing import Any, cast
from urllib.parse import urldefrag

import pyotp
from playwright.sync_api import Locator, Page

WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

_last_step: dict[str, int] = {}


def totp_code(secret: str) -> str:
    """A code of the authenticator app, never one already given: each code works once, so
    a second sign-in in the same 30 s uses the next step's code (accepted one step either
    side), and waits for the clock when that one is used too."""
    totp = pyotp.TOTP(secret)
    now = totp.timecode(datetime.now(UTC))
    step = max(now, _last_step.get(secret, now - 1) + 1)
    while step > totp.timecode(datetime.now(UTC)) + 1:
        time.sleep(1)
    _last_step[secret] = step
    return totp.generate_otp(step)


@cache
def axe_source() -> str:
    """axe-core, as shipped in the ``axe-playwright-python`` package (dev extra)."""
    return (resources.files("axe_playwright_python") / "axe.min.js").read_text(encoding="utf-8")


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """The WCAG 2.1 AA violations axe-core finds on the page as it is now."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(axe_source())  # evaluated by the browser's debugger: no CSP applies
    result = page.evaluate(
        "(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_21_AA
    )
    return list(result["violations"])


def describe(violations: list[dict[str, Any]]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"][:5]:
            lines.append(f"    {node['target']}: {node['html'][:200]}")
            summary = node.get("failureSummary") or ""
            lines.extend(f"      {line}" for line in summary.splitlines()[:4])
    return "\n".join(lines)


def assert_accessible(page: Page) -> None:
    violations = axe_violations(page)
    assert not violations, f"axe-core on {page.url}:\n{describe(violations)}"


class Journey:
    """A page whose every navigation is followed by an accessibility check.

    axe-core needs JavaScript: a journey with JavaScript switched off is given an
    ``auditor``, a page of another context with JavaScript on, which opens the same
    address with the same cookies (the same session) and is checked instead.
    """

    def __init__(self, page: Page, auditor: Page | None = None) -> None:
        self.page = page
        self.auditor = auditor
        self.visited: list[str] = []
        self.checked: set[str] = set()
        self.broken: list[str] = []
        page.on("framenavigated", self._navigated)
        page.on("response", self._answered)

    def _answered(self, response: Any) -> None:
        # A page's own answer may be an error on purpose (a refused form); its stylesheet,
        # images and icon never.
        if response.status >= 400 and response.request.resource_type != "document":
            self.broken.append(f"{response.status} {response.url}")

    def _navigated(self, frame: Any) -> None:
        if frame == self.page.main_frame and frame.url != "about:blank":
            self.visited.append(urldefrag(frame.url).url)

    # --- moving around -------------------------------------------------------------------

    def goto(self, path: str) -> Page:
        self.page.goto(path)
        return self.check()

    def click(self, target: Locator | str) -> Page:
        """Click a link or a button that leads to another page (or the same one, posted)."""
        locator = self.page.locator(target) if isinstance(target, str) else target
        return self._navigate(locator.click)

    def link(self, name: str, exact: bool = False) -> Page:
        return self.click(self.page.get_by_role("link", name=name, exact=exact).first)

    def button(self, name: str, exact: bool = False) -> Page:
        return self.click(self.page.get_by_role("button", name=name, exact=exact).first)

    def press(self, key: str) -> Page:
        """Press a key that submits a form or follows a link (keyboard journeys)."""
        return self._navigate(lambda: self.page.keyboard.press(key))

    def _navigate(self, action: Callable[[], Any]) -> Page:
        with self.page.expect_navigation():
            action()
        return self.check()

    def sign_in(self, email: str, password: str, totp_secret: str | None = None) -> Page:
        """Sign in through the sign-in page, as a person would: the password, then the
        authenticator app's code when the page asks for it (secretariat and admin)."""
        self.goto("/account/login")
        self.page.get_by_label("E-mail address").fill(email)
        self.page.get_by_label("Password").fill(password)
        page = self.click(self.page.locator("main").get_by_role("button", name="Sign in"))
        if "/account/two-step/code" in page.url:
            assert totp_secret, f"{email} is asked for a code but has no TOTP secret"
            page.get_by_label("Code").fill(totp_code(totp_secret))
            page = self.click(self.page.locator("main").get_by_role("button", name="Sign in"))
        return page

    # --- checking ------------------------------------------------------------------------

    def check(self) -> Page:
        """Run axe-core on the page now shown (once per address and content)."""
        self.page.wait_for_load_state("load")
        url = urldefrag(self.page.url).url
        text = self.page.evaluate("() => document.body.innerText")
        key = f"{url}#{hashlib.sha1(text.encode()).hexdigest()}"
        if key not in self.checked:
            if self.auditor is None:
                assert_accessible(self.page)
            else:
                self.auditor.context.add_cookies(cast(Any, self.page.context.cookies()))
                self.auditor.goto(url)
                assert_accessible(self.auditor)
            self.checked.add(key)
        self.checked.add(url)
        return self.page

    def assert_every_page_checked(self) -> None:
        """Every page visited was checked, and every resource they asked for came."""
        missed = [url for url in self.visited if url not in self.checked]
        assert not missed, f"pages visited without an accessibility check: {missed}"
        assert not self.broken, f"resources of the pages failed: {self.broken}"
