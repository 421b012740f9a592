"""Every operation, called as any client may call it, answers only what the document describes.

schemathesis draws calls from the document itself, so an operation added later is fuzzed too.
Each is called without a token, with a counselor's token (a member the staff endpoints refuse)
and with a coordinator's, and every answer is checked: status documented, body of the documented
shape, content type and headers as documented, never a 5xx.
"""

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import CheckFunction
from schemathesis.specs.openapi.checks import ignored_auth, positive_data_acceptance

from haven.accounts.models import Organisation
from tests.conftest import Persona, login, make_token

SPEC_URL = "/api/v1/openapi.json"
# The document gives types and choices; whether a date lies in the past, an Idempotency-Key is
# well formed or a codename exists is the server's to check, with documented 4xx answers, so a
# schema-valid call may rightly be refused.
EXCLUDED: list[CheckFunction] = [positive_data_acceptance]


@contextmanager
def _keep_the_test_connection() -> Iterator[None]:
    """Calling the WSGI app directly closes the database connection at each answer, as a real
    server does; Django's own test client suspends that the same way (and restores it after
    each of its own requests, so this is entered after the last of those)."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


def _operations() -> list[tuple[str, str]]:
    from haven.wsgi import application

    schema = schemathesis.openapi.from_wsgi(SPEC_URL, application)
    operations = [result.ok() for result in schema.get_all_operations()]  # type: ignore[union-attr]  # an invalid document raises here, which fails the test as it should
    return [(operation.path, operation.method.upper()) for operation in operations]


def _fuzz(
    path: str, method: str, headers: dict[str, str], examples: int, mode: GenerationMode
) -> set[int]:
    from haven.wsgi import application

    operation = schemathesis.openapi.from_wsgi(SPEC_URL, application)[path][method]
    seen: set[int] = set()
    excluded: list[CheckFunction] = list(EXCLUDED)
    if mode is GenerationMode.NEGATIVE and headers:
        # A negative call may carry a made-up Authorization header; ours replaces it on purpose,
        # so that it is the body and query that are broken, and the call is rightly let in.
        excluded.append(ignored_auth)

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=examples, deadline=None, suppress_health_check=list(HealthCheck))
    def run(case: schemathesis.Case) -> None:
        # On the case, not the call, so that schemathesis can take the token away again to
        # check that the operation refuses a call without it.
        case.headers.update(headers)
        response = case.call()
        assert response.status_code < 500, response.text
        case.validate_response(response, excluded_checks=excluded)
        seen.add(response.status_code)

    try:
        run()
    except Unsatisfiable:
        # Every value of every input is valid (a free-text path segment, say): no call that
        # breaks the document can be made, which is what a negative run looks for.
        assert mode is GenerationMode.NEGATIVE, (path, method)
        print("nothing to break in", method, path)
    return seen


def _spec(path: str, method: str) -> dict[str, object]:
    from haven.wsgi import application

    spec = schemathesis.openapi.from_wsgi(SPEC_URL, application).raw_schema
    operation: dict[str, object] = spec["paths"][path][method.lower()]
    return operation


def _is_staff(path: str, method: str) -> bool:
    return bool(_spec(path, method).get("security"))


def _takes_input(path: str, method: str) -> bool:
    operation = _spec(path, method)
    return bool(operation.get("parameters") or operation.get("requestBody"))


def test_every_operation_is_fuzzed(db: None) -> None:
    """The operations come from the document: nothing it names goes unfuzzed."""
    with _keep_the_test_connection():
        assert len(_operations()) >= 8


@pytest.mark.parametrize("mode", list(GenerationMode), ids=str)
@pytest.mark.parametrize("caller", ["nobody", "counselor", "coordinator"])
def test_every_operation_answers_as_documented(
    organisation: Organisation,
    coordinator: Persona,
    counselor: Persona,
    caller: str,
    mode: GenerationMode,
) -> None:
    """Calls that follow the document (positive) and calls that break it (negative)."""
    headers: dict[str, str] = {}
    if caller != "nobody":
        persona = coordinator if caller == "coordinator" else counselor
        headers["Authorization"] = f"Bearer {make_token(login(Client(), persona), persona)}"
    with _keep_the_test_connection():
        for path, method in _operations():
            if mode is GenerationMode.NEGATIVE and not _takes_input(path, method):
                continue  # nothing in such a call can be broken
            seen = _fuzz(path, method, headers, 12, mode)
            if _is_staff(path, method) and caller != "coordinator":
                # Never let in; a negative call may also break the Authorization header itself.
                refused = {401 if caller == "nobody" else 403}
                if mode is GenerationMode.NEGATIVE:
                    refused = {401, 403}
                assert seen and seen <= refused, (path, method, seen)


def test_a_client_that_names_no_language_gets_english(organisation: Organisation) -> None:
    body = {"needs": [], "place": "kz-almaty", "contact": "@someone"}
    response = Client().post("/api/v1/intake", body, content_type="application/json")
    assert response.status_code == 422
    assert response.json()["errors"]["needs"] == ["Choose at least one kind of help."]
    assert response["Content-Language"] == "en"
    russian = Client().post(
        "/api/v1/intake", body, content_type="application/json", headers={"Accept-Language": "ru"}
    )
    assert russian.json()["errors"]["needs"] == ["Выберите хотя бы один вид помощи."]
    refused = Client().get("/api/v1/cases")
    assert refused.json()["detail"].startswith("Send a valid API token")


def test_choices_are_published_as_enums(db: None) -> None:
    spec = Client().get(SPEC_URL).json()
    intake = spec["components"]["schemas"]["IntakeIn"]["properties"]
    assert intake["military_status"]["enum"][0] == ""
    assert "deserter" in intake["military_status"]["enum"]
    assert "shelter" in intake["needs"]["items"]["enum"]
    assert "children" in intake["group_needs"]["items"]["enum"]
    assert intake["urgency"]["enum"] == [1, 2, 3, 4, 5]
    assert "kz-almaty" in intake["place"]["enum"]
    assert "kz-other" in intake["place"]["enum"]
