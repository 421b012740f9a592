"""Every route, for every persona: the table in haven.core.authz is what the server does.

A route missing from the table, or a table entry with no route, fails here. Object-level rules
(another organisation's case, another member's token) are checked on the same walk.
"""

import json
from collections.abc import Callable

import pytest
from django.test import Client

from haven.accounts.models import ApiToken
from haven.accounts.services import member_deactivate
from haven.core.authz import ROUTES, Who
from haven.intake.services import Accepted
from tests.conftest import Persona, login
from tests.security.routes import Route, all_routes, concrete

POST_ONLY = {
    "intake:leave",
    "accounts:logout",
    "accounts:token-create",
    "accounts:token-revoke",
    "accounts:invite",
    "desk:reveal",
    "api:intake",
    "api:status",
    "api:case-reveal",
}
OBJECT_ROUTES = {"desk:case", "desk:reveal", "api:case", "api:case-reveal", "accounts:token-revoke"}
PERSONAS = ["anonymous", "requester", "counselor", "coordinator", "outsider", "deactivated"]
ALLOWED = {200, 201, 302, 303, 400, 409, 422}


def test_every_route_has_a_rule_and_every_rule_a_route() -> None:
    names = {route.name for route in all_routes()}
    assert names - set(ROUTES) == set(), "routes with no rule in haven.core.authz.ROUTES"
    assert set(ROUTES) - names == set(), "rules for routes that do not exist"


# Django Ninja's root: with the browsable docs off (they load script from a CDN) it answers 404.
NOTHING_HERE = {"api:api-root"}
# The token walked is the coordinator's own; anyone else revoking it finds nothing.
OWNED_BY_COORDINATOR = {"accounts:token-revoke"}


def _expected(rule: Who, persona: str, name: str) -> str:
    member = persona in {"counselor", "coordinator", "outsider"}
    if name in NOTHING_HERE:
        return "not-found"
    if rule in (Who.ANYONE, Who.API_ANYONE):
        return "allowed"
    if rule in (Who.MEMBER, Who.COORDINATOR):
        if not member:
            return "login"
        if rule == Who.COORDINATOR and persona == "counselor":
            return "forbidden"
    else:
        if not member:
            return "unauthenticated"
        if rule == Who.API_COORDINATOR and persona == "counselor":
            return "forbidden"
    if persona == "outsider" and name in OBJECT_ROUTES:
        return "not-found"
    if name in OWNED_BY_COORDINATOR and persona != "coordinator":
        return "not-found"
    return "allowed"


def _outcome(response: object) -> str:
    status = response.status_code  # type: ignore[attr-defined]
    location = response.get("Location", "")  # type: ignore[attr-defined]
    if status == 302 and "/accounts/login/" in location:
        return "login"
    if status == 401:
        return "unauthenticated"
    if status == 403:
        return "forbidden"
    if status == 404:
        return "not-found"
    if status in ALLOWED:
        return "allowed"
    return f"status {status}"


@pytest.fixture
def world(
    coordinator: Persona,
    counselor: Persona,
    outsider: Persona,
    make_request: Callable[..., Accepted],
) -> dict[str, object]:
    accepted = make_request()
    clients: dict[str, Client] = {"anonymous": Client()}
    requester = Client()
    requester.post("/en/status/", {"codename": accepted.codename})
    clients["requester"] = requester
    tokens: dict[str, str] = {}
    for name, persona in (
        ("counselor", counselor),
        ("coordinator", coordinator),
        ("outsider", outsider),
    ):
        client = login(Client(), persona)
        clients[name] = client
        tokens[name] = client.post("/en/accounts/tokens/", {"label": "walk", "days": 1}).context[
            "new_token"
        ]
    from tests.conftest import invite_member

    leaver = invite_member(coordinator, "leaver", "counselor")
    clients["deactivated"] = login(Client(), leaver)
    member_deactivate(actor=coordinator.member, member=leaver.member)
    token_id = ApiToken.objects.filter(member=coordinator.member).first()
    assert token_id is not None
    return {
        "clients": clients,
        "tokens": tokens,
        "values": {
            "case_id": str(accepted.case.pk),
            "slug": "ark",
            "public_id": token_id.public_id,
        },
    }


@pytest.mark.parametrize("route", all_routes(), ids=lambda route: route.name)
def test_route_answers_each_persona_as_the_table_says(
    route: Route, world: dict[str, object]
) -> None:
    rule = ROUTES[route.name]
    path = concrete(route, world["values"])  # type: ignore[arg-type]
    clients: dict[str, Client] = world["clients"]  # type: ignore[assignment]
    tokens: dict[str, str] = world["tokens"]  # type: ignore[assignment]
    results = {}
    for persona in PERSONAS:
        headers = {}
        if route.name.startswith("api:") and persona in tokens:
            headers["Authorization"] = f"Bearer {tokens[persona]}"
        client = clients[persona]
        if route.name in POST_ONLY:
            body = json.dumps({"reason": "walking every route"})
            response = (
                client.post(path, body, content_type="application/json", headers=headers)
                if route.name.startswith("api:")
                else client.post(path, {"reason": "walking every route"}, headers=headers)
            )
        else:
            response = client.get(path, headers=headers)
        results[persona] = (_outcome(response), _expected(rule, persona, route.name))
    wrong = {persona: got for persona, got in results.items() if got[0] != got[1]}
    assert wrong == {}, f"{route.name} ({rule}): persona → (got, expected)"
