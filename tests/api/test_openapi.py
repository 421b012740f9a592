"""The OpenAPI document is a checked contract: fuzzed calls get documented, conforming answers."""

from collections.abc import Iterator

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from haven.accounts.models import Organisation

SPEC_URL = "/api/v1/openapi.json"


def test_openapi_document_lists_every_endpoint(db: None) -> None:
    spec = Client().get(SPEC_URL).json()
    assert set(spec["paths"]) == {
        "/api/v1/intake",
        "/api/v1/status",
        "/api/v1/status/messages",
        "/api/v1/messages",
        "/api/v1/cases",
        "/api/v1/cases/{case_id}",
        "/api/v1/cases/{case_id}/reveal",
        "/api/v1/countries",
        "/api/v1/countries/{iso2}",
        "/api/v1/screener",
        "/api/v1/referrals",
    }
    assert spec["components"]["securitySchemes"]["StaffToken"]["scheme"] == "bearer"


@pytest.fixture(autouse=True)
def _keep_the_test_connection() -> Iterator[None]:
    """Calling the WSGI app directly would close the test's database connection at each answer,
    as a real server does; Django's own test client suspends that the same way."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


def _check(path: str, method: str, examples: int) -> list[int]:
    """Fuzz one operation with bodies generated from the document; return the statuses seen."""
    from haven.wsgi import application

    operation = schemathesis.openapi.from_wsgi(SPEC_URL, application)[path][method]
    seen: list[int] = []

    @given(case=operation.as_strategy())
    @settings(max_examples=examples, deadline=None, suppress_health_check=list(HealthCheck))
    def run(case: schemathesis.Case) -> None:
        response = case.call()
        assert response.status_code < 500, response.text
        # The document gives types; choices, ranges and dates are the form's to check, and it
        # answers them with documented 422s, so schema-valid bodies may rightly be refused.
        case.validate_response(response, excluded_checks=[positive_data_acceptance])
        seen.append(response.status_code)

    run()
    return seen


def test_intake_answers_as_documented_and_never_5xx(organisation: Organisation) -> None:
    seen = _check("/api/v1/intake", "POST", 60)
    assert {422} <= set(seen)


def test_status_answers_as_documented_and_never_5xx(organisation: Organisation) -> None:
    seen = _check("/api/v1/status", "POST", 30)
    assert set(seen) <= {200, 404, 422, 429}


def test_staff_endpoints_refuse_a_bad_token_as_documented(organisation: Organisation) -> None:
    for path, method in [
        ("/api/v1/cases", "GET"),
        ("/api/v1/cases/{case_id}", "GET"),
        ("/api/v1/cases/{case_id}/reveal", "POST"),
    ]:
        from haven.wsgi import application

        operation = schemathesis.openapi.from_wsgi(SPEC_URL, application)[path][method]

        @given(case=operation.as_strategy())
        @settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck))
        def run(case: schemathesis.Case) -> None:
            response = case.call(headers={"Authorization": "Bearer hvn_not_real"})
            assert response.status_code == 401

        run()
