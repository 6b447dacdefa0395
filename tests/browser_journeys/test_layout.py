"""No page is wider than the window, on a desktop (1,280 px) or a phone (390 px); the main
actions are primary buttons; the icon and the host's identity are on every page."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from consult_app.accounts.models import User
from consult_app.extensions import db
from tests.browser_journeys.journey import Journey
from tests.browser_journeys.worlds import World, busy_world
from tests.conftest import PASSWORD, make_user

pytestmark = pytest.mark.browser

WIDTHS = (1280, 390)
PRIMARY = "rgb(0, 70, 127)"  # --primary in static/css/app.css


def _public(w: World) -> list[str]:
    c, a = w.id, w.articles[0].id
    return [
        "/",
        "/consultations/",
        f"/consultations/{c}",
        f"/consultations/{c}/provisions/{a}",
        f"/consultations/{c}/dashboard",
        f"/consultations/{c}/figures/{a}",
        f"/consultations/{c}/summary",
        f"/dispositions/{c}",
        "/texts/",
        f"/exports/{c}",
        "/account/register",
    ]


def _contributor(w: World) -> list[str]:
    return [
        "/submissions/",
        f"/submissions/{w.draft.id}",
        f"/submissions/{w.draft.id}/provisions/{w.articles[0].id}/comment",
    ]


def _ngo(w: World) -> list[str]:
    return [f"/submissions/{w.submitted.id}", f"/submissions/{w.submitted.id}/receipt"]


def _secretariat(w: World) -> list[str]:
    c = w.id
    return [
        "/review/",
        f"/consultations/{c}/dashboard",
        f"/review/{c}/queue",
        f"/review/comments/{w.comment.id}",
        f"/dispositions/comments/{w.comment.id}",
        f"/review/{c}/assignments",
        "/audit/",
        "/verification/",
        "/admin/organisations",
    ]


ROLES: dict[str, tuple[Callable[[World], User | None], Callable[[World], list[str]]]] = {
    "anonymous": (lambda w: None, _public),
    "contributor": (lambda w: w.contributor, _contributor),
    "ngo": (lambda w: w.ngo_author, _ngo),
    "secretariat": (lambda w: w.secretariat, _secretariat),
}


def _overflow(page: Page) -> tuple[int, int, list[str]]:
    """The page's width, the window's, and the elements that stick out of the window."""
    return tuple(
        page.evaluate(
            """() => {
                const width = window.innerWidth;
                const out = [];
                for (const el of document.querySelectorAll('body *')) {
                    const box = el.getBoundingClientRect();
                    if (box.width && box.right > width + 1) {
                        const name = el.tagName.toLowerCase() + '.' + el.getAttribute('class');
                        out.push(`${name} ${Math.round(box.left)}..${Math.round(box.right)}`);
                    }
                }
                return [document.documentElement.scrollWidth, width, out.slice(0, 8)];
            }"""
        )
    )


@pytest.mark.parametrize("role", list(ROLES))
def test_no_page_is_wider_than_the_window(new_journey: Callable[..., Journey], role: str) -> None:
    world = busy_world()
    who, pages = ROLES[role]
    user = who(world)
    journey = new_journey()
    if user is not None:
        journey.sign_in(user.email, PASSWORD, user.totp_secret)
    wide = []
    for path in pages(world):
        for width in WIDTHS:
            journey.page.set_viewport_size({"width": width, "height": 900})
            page = journey.goto(path)
            scroll_width, window_width, culprits = _overflow(page)
            if scroll_width > window_width:
                wide.append(f"{path} at {width}px: {scroll_width}px wide; {culprits}")
    assert not wide, "\n".join(wide)


def _background(page: Page, name: str) -> str:
    button = page.get_by_role("button", name=name, exact=True).first
    expect(button).to_be_visible()
    return str(button.evaluate("b => getComputedStyle(b).backgroundColor"))


def test_main_actions_are_primary_buttons(new_journey: Callable[..., Journey]) -> None:
    world = busy_world()
    newcomer = make_user(email="newcomer@example.org")
    db.session.commit()
    article = world.articles[0].id

    journey = new_journey()
    journey.sign_in(newcomer.email, PASSWORD)
    page = journey.goto(f"/submissions/participate/{world.id}")
    assert _background(page, "Start our submission") == PRIMARY

    journey = new_journey()
    journey.sign_in(world.contributor.email, PASSWORD)
    page = journey.goto(f"/submissions/{world.draft.id}/provisions/{article}/comment")
    assert _background(page, "Save the comment") == PRIMARY
    page = journey.goto(f"/submissions/{world.draft.id}")
    assert _background(page, "Submit") == PRIMARY
    # A secondary action looks different.
    assert _background(page, "Attach") != PRIMARY

    journey = new_journey()
    journey.sign_in(world.secretariat.email, PASSWORD, world.secretariat.totp_secret)
    page = journey.goto(f"/review/comments/{world.comment.id}")
    assert _background(page, "Withhold") == PRIMARY
    page = journey.goto(f"/dispositions/comments/{world.comment.id}")
    assert _background(page, "Save the disposition") == PRIMARY


def test_every_page_has_the_icon(journey: Journey, live_server) -> None:
    page = journey.goto("/")
    icon = page.locator("link[rel=icon]")
    assert icon.get_attribute("type") == "image/svg+xml"
    for address in (icon.get_attribute("href"), "/favicon.ico"):
        response = page.request.get(f"{live_server.url}{address}")
        assert response.status == 200
        assert response.headers["content-type"].startswith("image/svg+xml")
        assert b"<svg" in response.body()
