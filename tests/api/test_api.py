"""The JSON API: same fields and checks as the form, field-by-field errors, never a 5xx."""

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from haven.accounts.models import Organisation
from haven.cases.models import Case
from haven.intake.services import Accepted
from tests.conftest import Persona, login, make_token

BODY: dict[str, Any] = {
    "needs": ["shelter"],
    "place": "am-yerevan",
    "group_size": 1,
    "languages": ["ru"],
    "urgency": 3,
    "date_from": timezone.localdate().isoformat(),
    "contact": "@api_person",
    "story": "Приехал через Верхний Ларс.",
}


def _post(path: str, body: object, **headers: str) -> Any:
    return Client().post(path, json.dumps(body), content_type="application/json", headers=headers)


def _token(persona: Persona) -> str:
    return make_token(login(Client(), persona), persona)


def test_intake_answers_201_with_a_codename(organisation: Organisation) -> None:
    response = _post("/api/v1/intake", BODY)
    assert response.status_code == 201
    body = response.json()
    assert len(body["codename"].split()) == 7
    assert body["status"] == "new"
    assert Case.objects.get().place == "am-yerevan"


def test_idempotency_key_makes_a_retry_safe(organisation: Organisation) -> None:
    key = "k" * 32
    first = _post("/api/v1/intake", BODY, **{"Idempotency-Key": key})
    again = _post("/api/v1/intake", BODY, **{"Idempotency-Key": key})
    assert first.status_code == 201
    assert again.status_code == 200
    assert again.json()["codename"] == first.json()["codename"]
    assert again.json()["repeated"] is True
    assert Case.objects.count() == 1
    other = _post("/api/v1/intake", {**BODY, "contact": "@x"}, **{"Idempotency-Key": key})
    assert other.status_code == 409


def test_validation_errors_are_field_by_field_in_the_callers_language(
    organisation: Organisation,
) -> None:
    body = {**BODY, "contact": "", "place": "nowhere", "needs": []}
    response = _post("/api/v1/intake", body, **{"Accept-Language": "ru"})
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert set(errors) == {"contact", "place", "needs"}
    assert "способ связи" in errors["contact"][0]


@pytest.mark.parametrize(
    "body",
    [
        {},
        {**BODY, "group_size": "many"},
        {**BODY, "date_from": "yesterday"},
        {**BODY, "needs": "shelter"},
        {**BODY, "story": "x" * 5000},
        [],
        "text",
    ],
)
def test_malformed_bodies_get_4xx_never_5xx(organisation: Organisation, body: object) -> None:
    response = _post("/api/v1/intake", body)
    assert 400 <= response.status_code < 500
    assert "errors" in response.json() or "detail" in response.json()


def test_status_takes_the_codename_in_the_body(make_request: Callable[..., Accepted]) -> None:
    accepted = make_request()
    response = _post("/api/v1/status", {"codename": accepted.codename})
    assert response.status_code == 200
    assert response.json()["status"] == "new"
    missing = _post(
        "/api/v1/status", {"codename": "abacus abdomen abdominal abide abiding ability ablaze"}
    )
    assert missing.status_code == 404
    bad = _post("/api/v1/status", {"codename": "two words"})
    assert bad.status_code == 422
    assert "codename" in bad.json()["errors"]


def test_staff_endpoints_need_a_token(case: Case) -> None:
    assert Client().get("/api/v1/cases").status_code == 401
    assert (
        Client().get("/api/v1/cases", headers={"Authorization": "Bearer hvn_x_y"}).status_code
        == 401
    )


def test_desk_list_over_the_api_is_coarse(case: Case, coordinator: Persona) -> None:
    token = _token(coordinator)
    response = Client().get(
        "/api/v1/cases?country=kz", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    assert body["results"][0]["place"] == "kz-almaty"
    assert "telegram" not in json.dumps(body)


def test_counselor_token_cannot_read_the_desk(case: Case, counselor: Persona) -> None:
    token = _token(counselor)
    response = Client().get("/api/v1/cases", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 403


def test_outsider_token_sees_no_case_of_another_organisation(case: Case, outsider: Persona) -> None:
    token = _token(outsider)
    headers = {"Authorization": f"Bearer {token}"}
    assert Client().get("/api/v1/cases", headers=headers).json()["count"] == 0
    assert Client().get(f"/api/v1/cases/{case.pk}", headers=headers).status_code == 404
    reveal = Client().post(
        f"/api/v1/cases/{case.pk}/reveal",
        json.dumps({"reason": "just curious here"}),
        content_type="application/json",
        headers=headers,
    )
    assert reveal.status_code == 404


def test_revoked_token_stops_working(coordinator: Persona, case: Case) -> None:
    client = login(Client(), coordinator)
    token = make_token(client, coordinator)
    public_id = token.split("_")[1]
    client.post(f"/en/accounts/tokens/{public_id}/revoke/")
    response = Client().get("/api/v1/cases", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401


def test_a_need_or_language_named_twice_is_taken_once(organisation: Organisation) -> None:
    body = {**BODY, "needs": ["shelter", "legal", "shelter"], "languages": ["ru", "en", "ru"]}
    response = _post("/api/v1/intake", body)
    assert response.status_code == 201
    case = Case.objects.get()
    assert sorted(case.needs) == ["legal", "shelter"]
    assert case.languages == ["ru", "en"]
