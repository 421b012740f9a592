"""The knowledge base in the JSON API: countries with every field's sources and date, the
screener with field-by-field 422s, and answers that keep to the OpenAPI document."""

import json
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from haven.knowledge.content import COUNTRY_FIELDS, DANGER_KEYS, Document, Status
from haven.knowledge.queries import knowledge
from haven.knowledge.screener import screen
from haven.knowledge.screening import Answers
from tests.conftest import Persona
from tests.knowledge.factories import NEW_SOURCE, edit_kazakh_stay

AGES = {"fresh", "ageing", "old"}

SPEC_URL = "/api/v1/openapi.json"


def _screen(body: object, **headers: str) -> Any:
    return Client().post(
        "/api/v1/screener", json.dumps(body), content_type="application/json", headers=headers
    )


def test_the_country_list_names_every_country_in_both_languages(db: None) -> None:
    response = Client().get("/api/v1/countries")
    assert response.status_code == 200
    countries = {country["iso2"]: country for country in response.json()}
    assert len(countries) >= 18
    assert countries["KZ"]["name"] == {"en": "Kazakhstan", "ru": "Казахстан"}
    # The 2023 visa rule has no newer source: it is old, and says so.
    assert "visa_free_days" in countries["KZ"]["old_fields"]
    assert countries["KZ"]["danger"]["deserter"] == "high"
    order = ["high", "medium", "unknown", "low"].index
    levels = [min(c["danger"].values(), key=order) for c in response.json()]
    assert levels == sorted(levels, key=order)  # the most dangerous first


def test_a_country_gives_every_field_with_sources_and_last_verified_date(db: None) -> None:
    body = Client().get("/api/v1/countries/kz").json()
    assert body["iso2"] == "KZ"
    assert body["stale_after_days"] == 90
    for name in COUNTRY_FIELDS:
        field = body[name]
        assert field["id"] == f"KZ.{name}"
        assert field["value"]["en"] and field["value"]["ru"]
        assert field["sources"] and all(s["url"].startswith("http") for s in field["sources"])
        assert "verified" in field and "stale" in field and field["age"] in AGES
    assert body["visa_free_days"]["days"] == 90
    # Nobody has checked it on this install: no day is claimed for a check.
    assert body["visa_free_days"]["verified"] is None
    assert body["visa_free_days"]["age"] == "old"
    assert set(body["danger"]) == set(DANGER_KEYS)
    assert body["danger"]["deserter"]["level"] == "high"
    assert body["danger"]["deserter"]["id"] == "KZ.danger_deserter"
    assert body["entry_documents"]["internal_passport_ok"] is True
    assert body["asylum_practice"]["outlook"]["deserter"] == "poor"


def test_a_person_at_risk_where_they_are_is_told_first(db: None) -> None:
    body = _screen(
        {"status": "deserter", "documents": ["internal_passport"], "current_country": "kz"}
    ).json()
    assert body["at_risk_here"] is not None
    assert "KZ.danger_deserter" in body["at_risk_here"]["facts"]
    first = body["options"][0]
    assert (first["country"], first["at_risk_here"]) == ("KZ", True)


def test_an_unknown_country_is_404(db: None) -> None:
    for code in ("xx", "kaz", "Казахстан"):
        response = Client().get(f"/api/v1/countries/{code}")
        assert response.status_code == 404, code
        assert "detail" in response.json()


def test_the_api_shows_a_fact_as_edited(coordinator: Persona) -> None:
    edit_kazakh_stay(coordinator.member, days=30)
    stay = Client().get("/api/v1/countries/KZ").json()["visa_free_days"]
    assert stay["days"] == 30
    assert stay["sources"] == [
        {
            "url": NEW_SOURCE.url,
            "title": NEW_SOURCE.title,
            "date": "2026-11-20",
            "approximate": False,
        }
    ]
    # An edit without the editor's word that they read it in its sources is no check.
    assert stay["verified"] is None
    assert stay["age"] == "fresh"


def test_the_screener_answers_as_the_pure_function_does(db: None) -> None:
    response = _screen(
        {"status": "deserter", "documents": ["internal_passport"], "current_country": "ru"}
    )
    assert response.status_code == 200
    body = response.json()
    expected = screen(
        Answers(Status.DESERTER, frozenset({Document.INTERNAL_PASSPORT}), "RU"),
        knowledge(),
        today=timezone.localdate(),
    )
    assert {o["country"]: o["verdict"] for o in body["options"]} == expected.verdicts()
    kazakhstan = next(o for o in body["options"] if o["country"] == "KZ")
    assert kazakhstan["verdict"] == "risky"
    assert any("KZ.return_risk" in line["facts"] for line in kazakhstan["risks"])
    assert kazakhstan["danger"] == "high" and kazakhstan["danger_fact"] == "KZ.danger_deserter"
    assert kazakhstan["risks"][0]["facts"][0] == "KZ.danger_deserter"  # the danger leads
    assert kazakhstan["plain"]["ru"].startswith("Казахстан: опасно для вас")
    assert body["at_risk_here"] is None  # still in Russia
    used = {
        fact
        for o in body["options"]
        for key in ("reasons", "risks", "grounds", "unknowns")
        for line in o[key]
        for fact in line["facts"]
    }
    assert used <= set(body["facts"])
    assert body["facts"]["KZ.danger_deserter"]["age"] in AGES
    assert body["facts"]["unhcr_gip_10"]["sources"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"status": "hiding", "current_country": "RU"}, "status"),
        ({"documents": [], "current_country": "RU"}, "status"),
        ({"status": "deserter", "current_country": "Russia"}, "current_country"),
        ({"status": "deserter", "documents": ["passport"], "current_country": "RU"}, "documents"),
        (
            {"status": "deserter", "documents": ["none", "military_id"], "current_country": "RU"},
            "documents",
        ),
        ({"status": "deserter", "current_country": "RU", "constraints": ["tired"]}, "constraints"),
    ],
)
def test_bad_screener_answers_are_refused_field_by_field(
    db: None, body: dict[str, object], field: str
) -> None:
    response = _screen(body, **{"Accept-Language": "en"})
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert list(errors) == [field]
    assert errors[field] and all(isinstance(message, str) for message in errors[field])


@pytest.fixture
def _keep_the_test_connection() -> Iterator[None]:
    """As in tests/api/test_openapi.py: the WSGI app must not close the test's connection."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@pytest.mark.usefixtures("_keep_the_test_connection")
@pytest.mark.parametrize(
    ("path", "method", "examples"),
    [
        ("/api/v1/screener", "POST", 40),
        ("/api/v1/countries/{iso2}", "GET", 15),
        ("/api/v1/countries", "GET", 2),
    ],
)
def test_knowledge_endpoints_answer_as_documented_and_never_5xx(
    db: None, path: str, method: str, examples: int
) -> None:
    from haven.wsgi import application

    operation = schemathesis.openapi.from_wsgi(SPEC_URL, application)[path][method]
    seen: list[int] = []

    @given(case=operation.as_strategy())
    @settings(max_examples=examples, deadline=None, suppress_health_check=list(HealthCheck))
    def run(case: schemathesis.Case) -> None:
        response = case.call()
        assert response.status_code < 500, response.text
        # "none" with other documents is schema-valid and rightly refused with a documented 422.
        case.validate_response(response, excluded_checks=[positive_data_acceptance])
        seen.append(response.status_code)

    run()
    assert set(seen) <= {200, 404, 422}
