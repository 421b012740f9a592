"""Every route's answer carries the security headers; no page loads script or another origin."""

import json
import os
import re
import secrets
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from haven.intake.services import Accepted
from tests.conftest import Persona, login
from tests.knowledge.factories import edit_kazakh_stay
from tests.security.routes import all_routes, concrete
from tests.security.test_authorisation import POST_ONLY

ROOT = Path(__file__).resolve().parents[2]
REQUESTER_PREFIXES = (
    "intake:",
    "referral-status:",
    "quick-exit",
    "situation:board",
    "situation:report",
)


def _csp(header: str) -> dict[str, str]:
    return {
        part.strip().split(" ", 1)[0]: part.strip().partition(" ")[2]
        for part in header.split(";")
        if part.strip()
    }


@pytest.fixture
def answers(
    coordinator: Persona, make_request: Callable[..., Accepted]
) -> list[tuple[str, object]]:
    case = make_request().case
    values = {
        "case_id": str(case.pk),
        "slug": "ark",
        "public_id": "none",
        "iso2": "kz",
        "field": "visa_free_days",
        "situation": "detained",
        "topic": "leaving_russia",
        "revision_id": str(edit_kazakh_stay(coordinator.member).pk),
        "kind": "beds",
        "offer_id": "1",
        "placement_id": "1",
        "vouch_id": "1",
        "application_id": "1",
        "member_id": str(coordinator.member.pk),
        "message_id": "00000000-0000-4000-8000-000000000000",
        "note_id": "00000000-0000-4000-8000-000000000000",
        "hold_id": "1",
        "approval_id": "1",
        "key_id": "1",
        "report_id": "00000000-0000-4000-8000-000000000000",
        "partner_id": "1",
        "referral_id": "00000000-0000-4000-8000-000000000000",
        "arrival_id": "00000000-0000-4000-8000-000000000000",
        "document_id": "00000000-0000-4000-8000-000000000000",
    }
    collected: list[tuple[str, Any]] = []
    for client in (Client(), login(Client(), coordinator)):
        for route in all_routes():
            path = concrete(route, values)
            if route.name in POST_ONLY:
                if route.name.startswith("api:"):
                    response = client.post(path, json.dumps({}), content_type="application/json")
                else:
                    response = client.post(path, {})
            else:
                response = client.get(path)
            collected.append((route.name, response))
    return collected


def test_every_answer_carries_the_security_headers(answers: list[tuple[str, object]]) -> None:
    for name, response in answers:
        headers = response.headers  # type: ignore[attr-defined]
        assert headers["X-Content-Type-Options"] == "nosniff", name
        assert headers["Referrer-Policy"] == "same-origin", name
        assert headers["X-Frame-Options"] == "DENY", name
        assert headers["Cache-Control"] == "no-store", name
        assert headers["Cross-Origin-Opener-Policy"] == "same-origin", name
        assert "camera=()" in headers["Permissions-Policy"], name
        policy = _csp(headers["Content-Security-Policy"])
        assert policy["default-src"] == "'self'", name
        assert policy["frame-ancestors"] == "'none'", name
        assert policy["object-src"] == "'none'", name
        assert policy["base-uri"] == "'none'", name
        for directive, sources in policy.items():
            assert "http" not in sources and "*" not in sources, (name, directive)
        if name.startswith(REQUESTER_PREFIXES):
            assert policy["script-src"] == "'none'", name


# The volunteer pages that run a security key, and the one script they may load.
SCRIPT_PAGES = {"accounts:login", "accounts:login-code", "accounts:security-keys"}
SCRIPT_TAG = '<script src="/static/haven/security-keys.js" defer></script>'


def test_no_page_has_inline_script_inline_style_or_another_origin(
    answers: list[tuple[str, object]],
) -> None:
    pages = 0
    for name, response in answers:
        if "text/html" not in response.headers.get("Content-Type", ""):  # type: ignore[attr-defined]
            continue
        pages += 1
        html = response.content.decode()  # type: ignore[attr-defined]
        policy = _csp(response.headers["Content-Security-Policy"])  # type: ignore[attr-defined]
        scripts = re.findall(r"<script[^>]*>.*?</script>", html, flags=re.S | re.I)
        assert html.lower().count("<script") == len(scripts), name
        for script in scripts:
            # Only the app's own file, on a volunteer page whose policy allows it alone.
            assert script == SCRIPT_TAG, (name, script)
            assert name in SCRIPT_PAGES, name
            assert policy["script-src"] == "'self'", name
        if name not in SCRIPT_PAGES:
            assert policy["script-src"] == "'none'", name
        assert " style=" not in html.lower(), name
        assert re.search(r" on[a-z]+=", html) is None, name
        for url in re.findall(r'(?:src|href|action)="([^"]*)"', html):
            assert not re.match(r"^(https?:)?//", url), (name, url)
    assert pages > 10


def test_the_security_key_pages_load_their_script_from_this_install(
    coordinator: Persona,
) -> None:
    client = login(Client(), coordinator)
    page = client.get("/en/accounts/security-keys/")
    assert SCRIPT_TAG in page.content.decode()
    assert _csp(page.headers["Content-Security-Policy"])["script-src"] == "'self'"
    script = client.get("/static/haven/security-keys.js")
    assert script.status_code == 200
    # Requester pages still carry no script and forbid it.
    for path in ("/ru/", "/ru/status/"):
        answer = Client().get(path)
        assert "<script" not in answer.content.decode().lower()
        assert _csp(answer.headers["Content-Security-Policy"])["script-src"] == "'none'"


def test_every_post_form_carries_a_csrf_token(answers: list[tuple[str, object]]) -> None:
    for name, response in answers:
        html = response.content.decode(errors="replace")  # type: ignore[attr-defined]
        for form in re.findall(r"<form[^>]*>.*?</form>", html, flags=re.S | re.I):
            if 'method="post"' in form.lower():
                assert "csrfmiddlewaretoken" in form, name


def test_posts_without_a_csrf_token_are_refused(coordinator: Persona) -> None:
    client = Client(enforce_csrf_checks=True)
    for path in ("/en/status/", "/en/accounts/login/", "/en/help/ark/"):
        assert client.post(path, {}).status_code == 403


def _production_environment(tmp_path: Path) -> dict[str, str]:
    return {
        **{
            key: value
            for key, value in os.environ.items()
            if not key.startswith("HAVEN_") and key != "DJANGO_ALLOW_ASYNC_UNSAFE"
        },
        "HAVEN_ENV": "production",
        "HAVEN_SECRET_KEY": secrets.token_urlsafe(48),
        "HAVEN_PEPPER": secrets.token_hex(32),
        "HAVEN_PING_KEY": secrets.token_hex(32),
        "HAVEN_ALLOWED_HOSTS": "haven.example.org",
        "HAVEN_DATABASE_URL": "postgres://haven@127.0.0.1:5432/haven",
        "HAVEN_DATA_DIR": str(tmp_path),
        "PYTEST_VERSION": "",
    }


def test_production_settings_pass_djangos_deploy_check(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "haven.cli", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=_production_environment(tmp_path),
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_cookies_are_secure_host_only_and_strict(tmp_path: Path) -> None:
    script = (
        "import django, json; django.setup(); from django.conf import settings as s; "
        "print(json.dumps([s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_NAME,"
        " s.CSRF_COOKIE_NAME, s.HAVEN_UNLOCK_COOKIE, s.HAVEN_DEVICE_COOKIE,"
        " s.SESSION_COOKIE_SAMESITE, s.SESSION_COOKIE_HTTPONLY, s.SECURE_SSL_REDIRECT,"
        " s.SECURE_HSTS_SECONDS]))"
    )
    environment = {**_production_environment(tmp_path), "DJANGO_SETTINGS_MODULE": "haven.settings"}
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=environment, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    secure, csrf_secure, session, csrf, unlock, device, samesite, httponly, redirect, hsts = (
        json.loads(result.stdout)
    )
    assert secure and csrf_secure and httponly and redirect and hsts >= 31536000
    assert samesite == "Strict"
    assert all(name.startswith("__Host-") for name in (session, csrf, unlock, device))


@pytest.mark.parametrize(
    "missing", ["HAVEN_SECRET_KEY", "HAVEN_PEPPER", "HAVEN_PING_KEY", "HAVEN_ALLOWED_HOSTS"]
)
def test_production_without_a_secret_stops_and_says_what_to_set(
    tmp_path: Path, missing: str
) -> None:
    environment = {**_production_environment(tmp_path)}
    del environment[missing]
    # The server and the worker stop before they start anything, not only the check.
    for command in (["check"], ["serve", "--port", "8799"], ["worker", "--once"]):
        result = subprocess.run(
            [sys.executable, "-m", "haven.cli", *command],
            cwd=ROOT,
            env=environment,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode != 0, command
        assert f"{missing} is not set" in result.stderr, command
