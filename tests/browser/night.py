"""The coordinator's surge night, walked in a real browser: clicks and typed entries counted,
time measured from the login page to the last step (docs/placements.md gives the figures)."""

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import Locator, Page

from haven.volunteers.offering import bed_offer_save
from tests.conftest import Persona, totp_code


@dataclass
class Tally:
    """What one person did with the mouse and keyboard."""

    clicks: int = 0
    entries: int = 0
    started: float = field(default_factory=time.monotonic)
    steps: list[str] = field(default_factory=list)

    def click(self, target: Locator) -> None:
        self.clicks += 1
        target.click()

    def fill(self, target: Locator, text: str) -> None:
        self.entries += 1
        target.fill(text)

    def choose(self, target: Locator, value: str) -> None:
        self.clicks += 1
        target.select_option(value=value)

    def check(self, target: Locator) -> None:
        self.clicks += 1
        target.check()

    def seconds(self) -> float:
        return time.monotonic() - self.started


def log_in(page: Page, origin: str, persona: Persona, tally: Tally) -> None:
    page.goto(f"{origin}/en/accounts/login/")
    tally.fill(page.locator("input[name=handle]"), persona.member.handle)
    tally.fill(page.locator("input[name=passphrase]"), persona.passphrase)
    tally.click(page.locator("main button[type=submit]"))
    if persona.totp_secret:
        tally.fill(page.locator("input[name=code]"), totp_code(persona))
        tally.click(page.locator("main button[type=submit]"))


def night(host: Persona, make_request: Callable[..., object]) -> object:
    """A surge night's desk: 40 requests across three countries, beds in Almaty and Astana, and
    the one request the coordinator works through."""
    today = timezone.localdate()
    for place, capacity in (("kz-almaty", 3), ("kz-almaty", 2), ("kz-astana", 4)):
        bed_offer_save(
            actor=host.member,
            offer=None,
            place=place,
            capacity=capacity,
            available_from=today,
            available_until=today + timedelta(days=14),
            languages=["ru"],
            accepts=["families"],
            address="Алматы, ул. Абая 150",
            contact="@hana_host",
            rules="",
        )
    for number in range(39):
        make_request(
            place=("kz-almaty", "ge-tbilisi", "am-yerevan", "kz-astana")[number % 4],
            urgency=1 + number % 4,
            needs=("shelter",) if number % 3 else ("legal", "shelter"),
        )
    return make_request(place="kz-almaty", urgency=5, group_size=2, needs=("shelter", "legal"))
