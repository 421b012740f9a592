"""Requester pages are light: on a slow, metered or Tor connection every page a requester can reach
under the intake URLs, in each state it can be in, weighs at most 20 KB with everything it loads,
runs no script and names no other origin."""

import re
from collections.abc import Callable, Mapping
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.test import Client, override_settings

from haven.accounts.models import Organisation
from haven.accounts.organisations import organisation_create
from haven.intake.services import Accepted
from tests.intake.test_ask import FORM, _fresh_form

LIMIT = 20 * 1024


class _Loads(HTMLParser):
    """What a browser would fetch for a page, and anything that could reach another origin."""

    def __init__(self) -> None:
        super().__init__()
        self.loads: list[str] = []
        self.references: list[str] = []
        self.scripts = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "script":
            self.scripts += 1
        if any(name.startswith("on") for name in values):
            self.scripts += 1
        for name in ("src", "href", "action", "poster", "data", "srcset"):
            value = values.get(name)
            if value:
                self.references.append(value)
        if tag in {"img", "iframe", "embed", "object", "audio", "video", "source"}:
            self.loads.append(values.get("src") or values.get("data") or "")
        if tag == "link" and values.get("href"):
            self.loads.append(str(values["href"]))
        if values.get("style"):
            self.references.extend(re.findall(r"url\(([^)]*)\)", str(values["style"])))


def _same_origin(url: str) -> bool:
    parts = urlsplit(url.strip("'\" "))
    return not parts.scheme and not parts.netloc and not url.startswith("//")


def _body(response: object) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)  # type: ignore[attr-defined]  # streamed file
    return bytes(response.content)  # type: ignore[attr-defined]  # plain response


def weigh(client: Client, html: bytes) -> int:
    """The page's bytes plus every stylesheet, image and font it loads, fetched as a browser would;
    fails on a script or a reference to another origin."""
    page = _Loads()
    page.feed(html.decode())
    assert page.scripts == 0, "a requester page must not run script"
    foreign = [url for url in page.references if not _same_origin(url)]
    assert not foreign, f"another origin is referenced: {foreign}"
    total = len(html)
    pending, seen = list(page.loads), set()
    while pending:
        url = pending.pop()
        if url in seen:
            continue
        seen.add(url)
        assert _same_origin(url), url
        response = client.get(url)
        assert response.status_code == 200, url
        body = _body(response)
        total += len(body)
        if url.endswith(".css"):
            text = body.decode()
            assert "@import" not in text or all(
                _same_origin(u) for u in re.findall(r"@import\s+['\"]([^'\"]+)", text)
            )
            for found in re.findall(r"url\(([^)]*)\)", text):
                target = found.strip("'\" ")
                assert _same_origin(target), f"{url} loads {target}"
                if not target.startswith("data:"):
                    pending.append(target)
    return total


Page = tuple[str, bytes, Client]


def _get(pages: list[Page], client: Client, name: str, url: str, expected: int = 200) -> None:
    response = client.get(url)
    assert response.status_code == expected, (name, response.status_code)
    pages.append((name, response.content, client))


def _post(
    pages: list[Page],
    client: Client,
    name: str,
    url: str,
    data: Mapping[str, object],
    expected: int,
) -> None:
    response = client.post(url, data)
    assert response.status_code == expected, (name, response.status_code)
    pages.append((name, response.content, client))


def _pages(make_request: Callable[..., Accepted]) -> list[Page]:
    """Every requester page in every state, in both languages: (name, html, client)."""
    pages: list[Page] = []
    for lang in ("ru", "en"):
        client = Client()
        _get(pages, client, f"{lang} home", f"/{lang}/")
        _get(pages, client, f"{lang} ask", f"/{lang}/help/ark/")
        _post(
            pages, client, f"{lang} ask, all wrong", f"/{lang}/help/ark/", {"submission": "x"}, 400
        )
        _post(
            pages, client, f"{lang} codename", f"/{lang}/help/ark/", _fresh_form(client, lang), 201
        )
        with override_settings(HAVEN_INTAKE_PER_MINUTE=1):
            busy = _fresh_form(client, lang)
            _post(pages, client, f"{lang} ask, 429", f"/{lang}/help/ark/", busy, 429)
        _get(pages, client, f"{lang} status login", f"/{lang}/status/")
        wrong = {"codename": "one two"}
        _post(pages, client, f"{lang} status login, wrong", f"/{lang}/status/", wrong, 400)
        accepted = make_request(contact=f"@weight-{lang}")
        client.post(f"/{lang}/status/", {"codename": accepted.codename})
        _get(pages, client, f"{lang} status", f"/{lang}/status/")
        _get(pages, client, f"{lang} messages", f"/{lang}/status/messages/")
        _get(pages, client, f"{lang} forget me", f"/{lang}/status/forget/")
        forget = {"codename": "one two"}
        _post(pages, client, f"{lang} forget me, wrong", f"/{lang}/status/forget/", forget, 400)
        with override_settings(HAVEN_CODENAME_BUDGET_PER_HOUR=1):
            other = Client()
            codename = {"codename": accepted.codename}
            other.post(f"/{lang}/status/", codename)
            _post(pages, other, f"{lang} status, 429", f"/{lang}/status/", codename, 429)
        _get(pages, client, f"{lang} not found", f"/{lang}/help/nobody/", 404)
    organisation_create(
        slug="second",
        name="Second group",
        coordinator_handle="second-coordinator",
        coordinator_passphrase="correct horse battery staple",
    )
    client = Client()
    for lang in ("ru", "en"):
        _get(pages, client, f"{lang} choose", f"/{lang}/help/")
    return pages


@pytest.mark.django_db
def test_every_requester_page_is_light_scriptless_and_same_origin(
    organisation: Organisation, make_request: Callable[..., Accepted]
) -> None:
    weights = {name: weigh(client, html) for name, html, client in _pages(make_request)}
    heavy = {name: size for name, size in weights.items() if size > LIMIT}
    assert not heavy, f"over {LIMIT} bytes with what they load: {heavy}"


def test_the_weigher_catches_scripts_other_origins_and_heavy_loads() -> None:
    client = Client()
    with pytest.raises(AssertionError, match="script"):
        weigh(client, b"<p>hi</p><script>1</script>")
    with pytest.raises(AssertionError, match="script"):
        weigh(client, b'<body onload="x()">')
    with pytest.raises(AssertionError, match="another origin"):
        weigh(client, b'<img src="https://example.org/a.png">')
    with pytest.raises(AssertionError, match="another origin"):
        weigh(client, b'<link rel="stylesheet" href="//cdn.example.org/a.css">')
    assert weigh(client, b'<link rel="stylesheet" href="/static/haven/haven.css">') > 2000


@pytest.mark.django_db
def test_the_form_sends_a_place_by_name_or_short_code_and_stores_its_id(
    organisation: Organisation,
) -> None:
    from haven.cases.models import Case

    client = Client()
    page = client.get("/en/help/ark/").content.decode()
    assert "<option>Tbilisi<" in page  # a unique name is its own value: no attribute to send
    other = re.search(
        r'<optgroup label="Georgia">.*?<option value="(\w+)">Another place', page, re.S
    )
    assert other is not None
    sent = [("Tbilisi", 201), (other[1], 201), (FORM["place"], 201), ("zzzz", 400)]
    for value, expected in sent:
        response = client.post("/en/help/ark/", {**_fresh_form(client, "en"), "place": value})
        assert response.status_code == expected, value
    russian = Client()
    response = russian.post("/ru/help/ark/", {**_fresh_form(russian), "place": "Тбилиси"})
    assert response.status_code == 201
    stored = sorted(Case.objects.values_list("place", flat=True))
    assert stored == ["ge-other", "ge-tbilisi", "ge-tbilisi", "ge-tbilisi"]
