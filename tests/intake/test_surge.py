"""Intake under pressure: a spent budget and an unreachable database both answer with the form as
it was typed and a plain "try again in a minute", never a 500, and never a second request."""

import re
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager as ContextManager
from html import unescape
from unittest import mock

import pytest
from django.db import OperationalError
from django.test import Client, override_settings
from django.utils import timezone

from haven.accounts.models import Organisation
from haven.cases.models import Case
from haven.core import ratelimit
from tests.intake.test_ask import FORM, _fresh_form


@pytest.fixture(autouse=True)
def _one_minute() -> Iterator[None]:
    """Hold the budgets' clock still, so no test's posts fall into two minutes' budgets."""
    now = timezone.now()
    with mock.patch.object(ratelimit.timezone, "now", lambda: now):
        yield


@pytest.mark.django_db
def test_beyond_the_intake_budget_the_form_comes_back_with_429(organisation: Organisation) -> None:
    client = Client()
    with override_settings(HAVEN_INTAKE_PER_MINUTE=1):
        first = client.post("/en/help/ark/", _fresh_form(client, "en"))
        second = client.post("/en/help/ark/", _fresh_form(client, "en"))
    assert first.status_code == 201
    assert second.status_code == 429
    html = second.content.decode()
    assert "Try again in a minute" in html
    assert "Very many people are asking for help" in html
    assert 'value="@signal_person"' in html  # what they typed is kept
    assert Case.objects.count() == 1
    # Later, one press sends the kept answers: the hidden fields are the form as it was sent.
    kept = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', html)
    resend: dict[str, list[str]] = {}
    for name, value in kept:
        if name != "csrfmiddlewaretoken":
            resend.setdefault(name, []).append(unescape(value))
    again = client.post("/en/help/ark/", resend)
    assert again.status_code == 201
    assert Case.objects.count() == 2
    assert Case.objects.filter(place="ge-tbilisi", group_size=2).count() == 2


@pytest.mark.django_db
def test_once_the_budget_is_spent_a_flood_costs_the_database_nothing(
    organisation: Organisation, django_assert_num_queries: Callable[..., ContextManager[object]]
) -> None:
    client = Client()
    with override_settings(HAVEN_INTAKE_PER_MINUTE=1):
        client.post("/en/help/ark/", _fresh_form(client, "en"))
        client.post("/en/help/ark/", _fresh_form(client, "en"))  # learns the budget is spent
        form = _fresh_form(client, "en")
        with django_assert_num_queries(0):
            assert client.post("/en/help/ark/", form).status_code == 429


@pytest.mark.django_db
def test_each_429_page_keeps_its_own_senders_answers_escaped(organisation: Organisation) -> None:
    # The page around the answers is drawn once; what goes into it differs for every sender.
    typed = {"en": '<b>"Anna" & co</b>', "ru": "Аня <script>x</script>"}
    pages = {}
    with override_settings(HAVEN_INTAKE_PER_MINUTE=1):
        Client().post("/en/help/ark/", _fresh_form(Client(), "en"))
        for language in ("en", "ru", "en"):
            client = Client()
            form = {**_fresh_form(client, language), "name": typed[language]}
            response = client.post(f"/{language}/help/ark/", form)
            assert response.status_code == 429
            pages[language] = response.content.decode()
            hidden = r'<input type="hidden" name="([^"]+)" value="([^"]*)">'
            kept = dict(re.findall(hidden, pages[language]))
            assert unescape(kept["name"]) == typed[language]
            assert unescape(kept["submission"]) == form["submission"]
    assert "<script>" not in pages["ru"] and "<b>" not in pages["en"]
    assert "Попробуйте через минуту" in pages["ru"] and "Try again in a minute" in pages["en"]
    assert 'action="/ru/help/ark/"' in pages["ru"] and 'action="/en/help/ark/"' in pages["en"]


@pytest.mark.django_db
def test_the_429_page_is_translated(organisation: Organisation) -> None:
    client = Client()
    with override_settings(HAVEN_INTAKE_PER_MINUTE=1):
        client.post("/ru/help/ark/", _fresh_form(client))
        response = client.post("/ru/help/ark/", _fresh_form(client))
    assert response.status_code == 429
    assert "Попробуйте через минуту" in response.content.decode()


@pytest.mark.django_db
def test_the_api_answers_429_beyond_the_budget(organisation: Organisation) -> None:
    body = {
        "needs": ["shelter"],
        "place": "kz-almaty",
        "group_size": 1,
        "languages": ["ru"],
        "urgency": 3,
        "date_from": FORM["date_from"],
        "contact": "@api",
    }
    client = Client()
    with override_settings(HAVEN_INTAKE_PER_MINUTE=1):
        first = client.post("/api/v1/intake", body, content_type="application/json")
        second = client.post("/api/v1/intake", body, content_type="application/json")
    assert first.status_code == 201
    assert second.status_code == 429
    assert "Idempotency-Key" in second.json()["detail"]


@pytest.mark.django_db
def test_with_the_database_down_the_form_comes_back_with_503_and_a_retry_is_not_doubled(
    organisation: Organisation,
) -> None:
    client = Client()
    form = _fresh_form(client, "en")
    with mock.patch(
        "haven.intake.views.request_submit", side_effect=OperationalError("server closed")
    ):
        down = client.post("/en/help/ark/", form)
    assert down.status_code == 503
    html = down.content.decode()
    assert "Try again in a minute" in html
    assert "Haven cannot store requests at this moment" in html
    assert 'value="@signal_person"' in html
    assert f'value="{form["submission"]}"' in html  # the same key, so the retry is the same
    again = client.post("/en/help/ark/", form)
    twice = client.post("/en/help/ark/", form)
    assert (again.status_code, twice.status_code) == (201, 201)
    assert Case.objects.count() == 1


@pytest.mark.django_db
def test_a_database_error_elsewhere_is_a_plain_503_not_a_500(organisation: Organisation) -> None:
    client = Client(raise_request_exception=False)
    with mock.patch(
        "haven.intake.views.organisations_taking_requests",
        side_effect=OperationalError("server closed"),
    ):
        page = client.get("/en/")
    assert page.status_code == 503
    assert "Please try again in a minute" in page.content.decode()


@pytest.mark.django_db
def test_a_flood_is_logged_once_not_once_per_refusal(
    organisation: Organisation, caplog: pytest.LogCaptureFixture
) -> None:
    client = Client()
    with override_settings(HAVEN_INTAKE_PER_MINUTE=1), caplog.at_level("WARNING"):
        for _ in range(5):
            client.post("/en/help/ark/", _fresh_form(client, "en"))
    spent = [r for r in caplog.records if r.name == "haven.core.ratelimit"]
    assert len(spent) == 1
    assert "intake budget of 1 per 0:01:00 is spent" in spent[0].getMessage()
    assert not [r for r in caplog.records if r.name == "django.request"]
