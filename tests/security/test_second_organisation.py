"""Organisations are walled: the coordinator of a second organisation walks every route with the
real ids of the first one's case, application, members, offers, vouches, holds, approvals and
tokens, and finds nothing of it — no object answers, and no page carries a name, contact or
member handle of the first organisation. The shared knowledge base is walked too: its revisions
(one made by the first organisation's editor in the walk's world) show the second organisation
neither the editor's handle nor the note.
"""

import json
import re
from collections import Counter

from django.test import Client

from haven.core.authz import ROUTES
from tests.security.routes import all_routes, concrete
from tests.security.test_authorisation import OBJECT_ROUTES, POST_ONLY, _outcome
from tests.security.test_authorisation import world as world  # the fixture, reused

# What of the first organisation a page could show: the requester's name and contact, the
# applicant's, and its members' handles.
FIRST_ORGANISATION = ("Алексей", "@telegram_handle", "@applicant", "anna", "boris", "hana", "uma")
# Routes that end the session (logging out, the requester's "leave") go last.
LAST = {"accounts:logout", "intake:leave", "quick-exit"}


def test_a_second_organisations_coordinator_finds_nothing_of_the_first(
    world: dict[str, object],
) -> None:
    clients: dict[str, Client] = world["clients"]  # type: ignore[assignment]
    tokens: dict[str, str] = world["tokens"]  # type: ignore[assignment]
    values: dict[str, str] = world["values"]  # type: ignore[assignment]
    client = clients["outsider"]
    headers = {"Authorization": f"Bearer {tokens['outsider']}"}
    routes = sorted(all_routes(), key=lambda route: route.name in LAST)
    outcomes: Counter[str] = Counter()
    leaks: dict[str, list[str]] = {}
    objects_answered: list[str] = []
    for route in routes:
        path = concrete(route, values)
        api = route.name.startswith("api:")
        if route.name in POST_ONLY:
            response = (
                client.post(
                    path,
                    json.dumps({"reason": "walking every route"}),
                    content_type="application/json",
                    headers=headers,
                )
                if api
                else client.post(
                    path, {"reason": "walking every route", "scope": "full", "confirm": "shred"}
                )
            )
        else:
            response = client.get(path, headers=headers if api else {})
        outcome = _outcome(response)
        outcomes[outcome] += 1
        if route.name in OBJECT_ROUTES and outcome != "not-found":
            objects_answered.append(route.name)
        body = response.content.decode(errors="replace")
        found = [text for text in FIRST_ORGANISATION if re.search(rf"(?<!\w){text}(?!\w)", body)]
        if found:
            leaks[route.name] = found
    with_ids = len([route for route in routes if route.name in OBJECT_ROUTES])
    print(
        f"\nsecond-organisation walk: {len(routes)} routes, "
        f"{with_ids} with ids of the first organisation; "
        + ", ".join(f"{name} {count}" for name, count in sorted(outcomes.items()))
        + f"; objects answered {len(objects_answered)}; pages leaking {len(leaks)}"
    )
    assert objects_answered == []
    assert leaks == {}
    assert len(routes) == len(ROUTES)
