"""Every page a person uses, checked by axe-core in Chromium and for id references that lead
nowhere (aria-describedby, aria-labelledby, label for, links to #id): a help text or error a
screen reader cannot find is never read out. Requester pages at 360 px with JavaScript off, in
both languages; the volunteers' pages as a coordinator."""

from collections.abc import Callable, Iterator

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.test import Client
from playwright.sync_api import Browser, Page, ViewportSize

from haven.accounts.models import Organisation
from haven.intake.services import Accepted
from tests.browser.conftest import PHONE
from tests.conftest import Persona, login

pytestmark = pytest.mark.browser

# Lists, for one page, each id reference whose target is missing.
DANGLING = """() => {
  const missing = [];
  const has = (id) => id && document.getElementById(id) !== null;
  const attrs = ["aria-describedby", "aria-labelledby", "aria-controls", "aria-errormessage"];
  for (const attr of attrs) {
    for (const element of document.querySelectorAll(`[${attr}]`)) {
      for (const id of element.getAttribute(attr).split(/\\s+/).filter(Boolean)) {
        if (!has(id)) missing.push(`${element.tagName.toLowerCase()} ${attr}=${id}`);
      }
    }
  }
  for (const label of document.querySelectorAll("label[for]")) {
    if (!has(label.htmlFor)) missing.push(`label for=${label.htmlFor}`);
  }
  for (const link of document.querySelectorAll('a[href^="#"]')) {
    const id = decodeURIComponent(link.getAttribute("href").slice(1));
    if (id && !has(id)) missing.push(`a href=#${id}`);
  }
  return missing;
}"""

_AXE = Axe()


class Inspector:
    """axe-core is a script, and the pages are seen with script off: each page, as the visitor's
    browser has it at that moment, is shown again in a tab of its own that runs script, at the
    same address and size (so the same style sheet applies), and checked there."""

    def __init__(self, browser: Browser, viewport: ViewportSize | None) -> None:
        self.context = browser.new_context(viewport=viewport)
        self.page = self.context.new_page()
        self.page.set_default_timeout(10_000)
        self.found: dict[str, list[str]] = {}
        self.checked = 0

    def check(self, seen: Page, where: str) -> None:
        html, url = seen.content(), seen.url.split("#")[0]
        self.page.route(
            url, lambda route: route.fulfill(status=200, content_type="text/html", body=html)
        )
        self.page.goto(url)
        self.page.unroute(url)
        results = _AXE.run(self.page)
        faults = [
            f"{violation['id']}: {[node['target'] for node in violation['nodes']]}"
            for violation in results.response["violations"]
        ]
        faults += self.page.evaluate(DANGLING)
        self.checked += 1
        if faults:
            self.found[where] = faults


@pytest.fixture
def inspector(browser: Browser) -> Iterator[Callable[..., Inspector]]:
    made: list[Inspector] = []

    def make(*, phone: bool = False) -> Inspector:
        made.append(Inspector(browser, PHONE if phone else None))
        return made[-1]

    yield make
    for one in made:
        one.context.close()


# The knowledge pages a requester reads: situations, sections, a dangerous country for a reader
# who is there, its sources, the danger-first country list.
KNOWLEDGE_PAGES = (
    "/knowledge/now/detained/",
    "/knowledge/topic/leaving_russia/",
    "/knowledge/countries/?status=deserter&here=kz",
    "/knowledge/kz/?status=deserter&here=kz",
    "/knowledge/kz/",
    "/knowledge/kz/sources/",
)
# The border crossings and the network's public figures.
SITUATION_AND_FIGURES = ("/situation/", "/situation/report/", "/figures/network/")


@pytest.mark.parametrize("language", ["ru", "en"])
def test_requester_pages_have_no_accessibility_faults(
    visit: Callable[..., object],
    organisation: Organisation,
    inspector: Callable[..., Inspector],
    language: str,
) -> None:
    session = visit(javascript=False, locale=f"{language}-{language.upper()}", phone=True)
    page = session.page  # type: ignore[attr-defined]
    origin = f"{session.origin}/{language}"  # type: ignore[attr-defined]
    checker = inspector(phone=True)
    send = "Отправить заявку" if language == "ru" else "Send my request"
    for path in ("/", "/help/ark/", "/status/"):
        page.goto(origin + path)
        checker.check(page, path)
    page.goto(origin + "/help/ark/")
    page.get_by_role("button", name=send).first.click()  # nothing filled in: every error
    checker.check(page, "form with errors")
    page.locator("input[name=needs][value=legal]").check()
    page.locator("select[name=place]").select_option(index=3)
    page.locator("input[name=contact]").fill("@reach_me")
    page.get_by_role("button", name=send).first.click()
    codename = page.locator("#codename").inner_text().strip()
    checker.check(page, "codename")
    page.goto(origin + "/status/")
    page.locator("input[name=codename]").fill("only three words")
    page.locator("form button[type=submit]").first.click()
    checker.check(page, "status login with an error")
    page.locator("input[name=codename]").fill(codename)
    page.locator("form button[type=submit]").first.click()
    checker.check(page, "status")
    page.locator("input[name=address]").fill("not an address")
    page.locator("button[name=do][value=set]").click()
    checker.check(page, "status, a ping address with an error")
    page.locator("input[name=address]").fill("reach.me@example.org")
    page.locator("button[name=do][value=set]").click()
    checker.check(page, "status, pings on")
    for path in ("/status/messages/", "/status/forget/", *KNOWLEDGE_PAGES, *SITUATION_AND_FIGURES):
        page.goto(origin + path)
        checker.check(page, path)
    print(f"\n{language}: {checker.checked} requester pages, faults: {checker.found or 'none'}")
    assert checker.found == {}


STAFF_PAGES = [
    "/en/accounts/",
    "/en/accounts/team/",
    "/en/accounts/approvals/",
    "/en/accounts/rules/",
    "/en/notifications/",
    "/en/accounts/passphrase/",
    "/en/accounts/security-keys/",
    "/en/accounts/rotation/",
    "/en/desk/",
    "/en/desk/mine/",
    "/en/desk/match/",
    "/en/knowledge/",
    "/en/knowledge/counsel/",
    "/en/knowledge/counsel/screener/",
    "/en/knowledge/counsel/kz/",
    "/en/knowledge/review/",
    "/en/knowledge/edit/kz/danger_deserter/",
    "/en/knowledge/revisions/",
    "/en/knowledge/screener/",
    "/en/network/applications/",
    "/en/network/offers/",
    "/en/network/proposals/",
    "/en/network/vouch/",
    "/ru/desk/",
    "/en/situation/desk/",
    "/en/figures/",
]
PUBLIC_STAFF_PAGES = [
    "/en/accounts/login/",
    "/en/accounts/join/",
    "/en/accounts/recover/",
    "/en/volunteer/",
]


def test_volunteer_pages_have_no_accessibility_faults(
    visit: Callable[..., object],
    coordinator: Persona,
    make_request: Callable[..., Accepted],
    inspector: Callable[..., Inspector],
) -> None:
    case = make_request().case
    session = visit(javascript=False, locale="en-GB")
    page = session.page  # type: ignore[attr-defined]
    origin = session.origin  # type: ignore[attr-defined]
    checker = inspector()
    for path in PUBLIC_STAFF_PAGES:
        page.goto(origin + path)
        checker.check(page, path)
        form_button = page.locator("main form button[type=submit]")
        if form_button.count():
            form_button.first.click()  # sent empty: the errors
            checker.check(page, f"{path} with errors")
    client = login(Client(), coordinator)
    session.context.add_cookies(  # type: ignore[attr-defined]
        [
            {"name": name, "value": morsel.value, "url": origin}
            for name, morsel in client.cookies.items()
        ]
    )
    for path in [*STAFF_PAGES, f"/en/desk/{case.pk}/"]:
        response = page.goto(origin + path)
        assert response is not None and response.status == 200, path
        checker.check(page, path)
    print(f"\n{checker.checked} volunteer pages, faults: {checker.found or 'none'}")
    assert checker.found == {}
