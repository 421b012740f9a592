"""Security keys beside the authenticator app: adding, listing and removing them, the login's
second step with one, and every answer that must be refused (clearly, never with a 500)."""

import re
import time

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from haven.accounts.models import SecurityKey
from haven.accounts.security_keys import (
    CEREMONY_FIELD,
    KeyRefused,
    RelyingParty,
    ceremony_begin,
    ceremony_take,
    login_options,
    registration_options,
    security_key_check,
    security_key_names,
    security_key_register,
    security_key_remove,
)
from haven.audit.models import Event
from tests.accounts.authenticator import SoftKey
from tests.conftest import Persona, enrol_second_factor, keyring_of, login, totp_code

PARTY = RelyingParty(rp_id="testserver", origin="http://testserver")
LOGIN = "/en/accounts/login/"
CODE = "/en/accounts/login/code/"
KEYS = "/en/accounts/security-keys/"


def _register(persona: Persona, device: SoftKey, name: str = "blue key") -> SecurityKey:
    private = keyring_of(persona).member_private_key()
    options, challenge = registration_options(
        member=persona.member, private_key=private, party=PARTY
    )
    return security_key_register(
        member=persona.member,
        private_key=private,
        party=PARTY,
        challenge=challenge,
        name=name,
        credential=device.create(options, origin=PARTY.origin),
    )


def _login_options(persona: Persona) -> tuple[str, bytes]:
    private = keyring_of(persona).member_private_key()
    return login_options(member=persona.member, private_key=private, party=PARTY)


def test_a_key_is_added_listed_by_its_sealed_name_and_checked_at_login(
    coordinator: Persona,
) -> None:
    device = SoftKey()
    key = _register(coordinator, device, name="синий ключ")
    stored = SecurityKey.objects.get(pk=key.pk)
    # Neither the credential id nor the name is in the row as it is.
    for column in (stored.credential_digest, stored.credential_sealed, stored.name_sealed):
        assert device.credential_id not in bytes(column)
        assert "синий".encode() not in bytes(column)
    private = keyring_of(coordinator).member_private_key()
    assert [
        name for _key, name in security_key_names(member=coordinator.member, private_key=private)
    ] == ["синий ключ"]
    options, challenge = _login_options(coordinator)
    assert device.credential_id not in options.encode()  # base64url in the options, for the key
    checked = security_key_check(
        member=coordinator.member,
        party=PARTY,
        challenge=challenge,
        credential=device.get(options, origin=PARTY.origin),
    )
    assert checked.pk == key.pk
    assert SecurityKey.objects.get(pk=key.pk).sign_count == device.counter == 1
    assert Event.objects.filter(action="member.security_key_add").count() == 1


def test_a_key_needs_the_authenticator_app_first(counselor: Persona) -> None:
    assert not counselor.member.has_second_factor
    with pytest.raises(ValidationError, match="authenticator app first"):
        _register(counselor, SoftKey())


def test_a_registration_for_another_challenge_or_origin_is_refused(coordinator: Persona) -> None:
    private = keyring_of(coordinator).member_private_key()
    options, challenge = registration_options(
        member=coordinator.member, private_key=private, party=PARTY
    )
    other_options, _other = registration_options(
        member=coordinator.member, private_key=private, party=PARTY
    )
    for answer in (
        SoftKey().create(other_options, origin=PARTY.origin),
        SoftKey().create(options, origin="http://elsewhere.example"),
        "not json",
        "[]",
        '{"id": "x"}',
    ):
        with pytest.raises(KeyRefused, match="did not check out"):
            security_key_register(
                member=coordinator.member,
                private_key=private,
                party=PARTY,
                challenge=challenge,
                name="key",
                credential=answer,
            )
    assert not SecurityKey.objects.exists()


def test_the_same_key_is_not_added_twice(coordinator: Persona) -> None:
    device = SoftKey()
    _register(coordinator, device)
    with pytest.raises(ValidationError, match="already added"):
        _register(coordinator, device, name="again")


@pytest.mark.parametrize(
    "spoil",
    ["challenge", "origin", "rp", "unknown", "counter", "garbage"],
)
def test_a_login_answer_that_does_not_hold_is_refused_and_says_why(
    coordinator: Persona, spoil: str
) -> None:
    device = SoftKey()
    _register(coordinator, device)
    options, challenge = _login_options(coordinator)
    other_options, _other = _login_options(coordinator)
    expected = "did not check out"
    if spoil == "challenge":
        answer = device.get(other_options, origin=PARTY.origin)
    elif spoil == "origin":
        answer = device.get(options, origin="http://elsewhere.example")
    elif spoil == "rp":
        answer = device.get(options, origin=PARTY.origin, rp_id="elsewhere.example")
    elif spoil == "unknown":
        answer = SoftKey().get(options, origin=PARTY.origin)
        expected = "not one you added"
    elif spoil == "counter":
        # A copy of the key that has not moved its counter on as the original did.
        SecurityKey.objects.update(sign_count=5)
        answer = device.get(options, origin=PARTY.origin)
        expected = "counter went backwards"
    else:
        answer = '{"id": "AAAA", "rawId": "AAAA", "response": {}, "type": "public-key"}'
    with pytest.raises(KeyRefused, match=expected):
        security_key_check(
            member=coordinator.member, party=PARTY, challenge=challenge, credential=answer
        )
    if spoil == "counter":
        assert Event.objects.filter(action="member.security_key_copied").count() == 1


def test_another_members_key_does_not_complete_this_members_login(
    coordinator: Persona, outsider: Persona
) -> None:
    enrol_second_factor(outsider)
    theirs = SoftKey()
    _register(outsider, theirs)
    _register(coordinator, SoftKey())
    options, challenge = _login_options(coordinator)
    with pytest.raises(KeyRefused, match="not one you added"):
        security_key_check(
            member=coordinator.member,
            party=PARTY,
            challenge=challenge,
            credential=theirs.get(options, origin=PARTY.origin),
        )


def test_a_ceremony_is_used_once_and_expires(client: Client, db: None) -> None:
    session = client.session
    ceremony_begin(session, purpose="login", member_id=1, challenge=b"c" * 32)
    assert ceremony_take(session, purpose="login", member_id=1) == b"c" * 32
    with pytest.raises(KeyRefused, match="expired or was already used"):
        ceremony_take(session, purpose="login", member_id=1)
    ceremony_begin(session, purpose="login", member_id=1, challenge=b"c" * 32)
    with pytest.raises(KeyRefused):
        ceremony_take(session, purpose="register", member_id=1)
    ceremony_begin(session, purpose="login", member_id=1, challenge=b"c" * 32)
    session[CEREMONY_FIELD]["until"] = time.time() - 1
    with pytest.raises(KeyRefused, match="expired"):
        ceremony_take(session, purpose="login", member_id=1)


def test_removing_a_key_needs_the_passphrase_or_a_current_code(coordinator: Persona) -> None:
    first = _register(coordinator, SoftKey(), name="first")
    second = _register(coordinator, SoftKey(), name="second")
    private = keyring_of(coordinator).member_private_key()
    for wrong in ("", "000000", "not the passphrase at all"):
        with pytest.raises(ValidationError, match="neither your passphrase"):
            security_key_remove(
                member=coordinator.member, private_key=private, key=first, confirmation=wrong
            )
    security_key_remove(
        member=coordinator.member,
        private_key=private,
        key=first,
        confirmation=coordinator.passphrase,
    )
    security_key_remove(
        member=coordinator.member,
        private_key=private,
        key=second,
        confirmation=totp_code(coordinator),
    )
    assert not SecurityKey.objects.exists()


def _options_in(page: str) -> str:
    found = re.search(r'data-options="([^"]*)"', page)
    assert found, page[:2000]
    return found.group(1).replace("&quot;", '"').replace("&amp;", "&")


def _add_through_the_page(client: Client, device: SoftKey, name: str) -> object:
    page = client.get(KEYS).content.decode()
    return client.post(
        KEYS, {"name": name, "credential": device.create(_options_in(page), origin=PARTY.origin)}
    )


def test_the_page_adds_lists_and_removes_a_key_and_the_login_takes_it(
    coordinator: Persona,
) -> None:
    client = login(Client(), coordinator)
    device = SoftKey()
    added = _add_through_the_page(client, device, "blue key")
    assert added.status_code == 302  # type: ignore[attr-defined]
    page = client.get(KEYS).content.decode()
    assert "blue key" in page and "haven/security-keys.js" in page
    again = _add_through_the_page(client, device, "again")
    assert "already added" in again.content.decode()  # type: ignore[attr-defined]

    browser = Client()
    first = browser.post(
        LOGIN, {"handle": coordinator.member.handle, "passphrase": coordinator.passphrase}
    )
    assert first.status_code == 302 and CODE in first["Location"]
    step = browser.get(CODE).content.decode()
    assert "Use my security key" in step
    options = _options_in(step)
    answer = device.get(options, origin=PARTY.origin)
    done = browser.post(CODE, {"credential": answer})
    assert done.status_code == 302 and "/login/" not in done["Location"]
    assert browser.get("/en/desk/").status_code == 200


def test_a_replayed_or_stale_login_answer_is_refused_with_words_not_a_500(
    coordinator: Persona,
) -> None:
    client = login(Client(), coordinator)
    device = SoftKey()
    _add_through_the_page(client, device, "blue key")
    browser = Client()
    browser.post(LOGIN, {"handle": coordinator.member.handle, "passphrase": coordinator.passphrase})
    options = _options_in(browser.get(CODE).content.decode())
    answer = device.get(options, origin=PARTY.origin)
    # The page was opened again: the first page's challenge is no longer the one kept.
    browser.get(CODE)
    stale = browser.post(CODE, {"credential": answer})
    assert stale.status_code == 400
    assert "did not check out" in stale.content.decode()
    # The refusal's page made a fresh challenge; an answer to it logs in, and once only.
    options = _options_in(stale.content.decode())
    answer = device.get(options, origin=PARTY.origin)
    for garbage in ("", "{", "[1]", "x" * 30_000):
        refused = browser.post(CODE, {"credential": garbage})
        assert refused.status_code == 400, garbage[:10]
        options = _options_in(refused.content.decode())
    answer = device.get(options, origin=PARTY.origin)
    assert browser.post(CODE, {"credential": answer}).status_code == 302
    again = Client()
    again.post(LOGIN, {"handle": coordinator.member.handle, "passphrase": coordinator.passphrase})
    again.get(CODE)
    replayed = again.post(CODE, {"credential": answer})
    assert replayed.status_code == 400
    # Without a page for it, the answer had no challenge at all.
    fresh = Client()
    fresh.post(LOGIN, {"handle": coordinator.member.handle, "passphrase": coordinator.passphrase})
    assert (
        "expired or was already used" in fresh.post(CODE, {"credential": answer}).content.decode()
    )


def test_the_code_still_works_beside_a_key(coordinator: Persona) -> None:
    client = login(Client(), coordinator)
    _add_through_the_page(client, SoftKey(), "blue key")
    login(Client(), coordinator)


def test_adding_a_key_without_script_says_what_to_do(coordinator: Persona) -> None:
    client = login(Client(), coordinator)
    client.get(KEYS)
    page = client.post(KEYS, {"name": "blue key", "credential": ""})
    assert page.status_code == 400
    assert "needs JavaScript" in page.content.decode()
    assert 'value="blue key"' in page.content.decode()


def test_another_members_key_cannot_be_removed_through_the_page(
    coordinator: Persona, outsider: Persona
) -> None:
    enrol_second_factor(outsider)
    key = _register(outsider, SoftKey())
    client = login(Client(), coordinator)
    path = f"{KEYS}{key.pk}/remove/"
    response = client.post(path, {f"key-{key.pk}-confirmation": coordinator.passphrase})
    assert response.status_code == 404
    assert SecurityKey.objects.filter(pk=key.pk).exists()


def test_the_page_removes_a_key_only_with_the_passphrase(coordinator: Persona) -> None:
    client = login(Client(), coordinator)
    _add_through_the_page(client, SoftKey(), "blue key")
    key = SecurityKey.objects.get()
    path = f"{KEYS}{key.pk}/remove/"
    wrong = client.post(path, {f"key-{key.pk}-confirmation": "not the passphrase at all"})
    assert wrong.status_code == 400 and "neither your passphrase" in wrong.content.decode()
    right = client.post(path, {f"key-{key.pk}-confirmation": coordinator.passphrase})
    assert right.status_code == 302
    assert not SecurityKey.objects.exists()


def test_the_user_id_given_to_keys_is_no_member_number(coordinator: Persona) -> None:
    private = keyring_of(coordinator).member_private_key()
    options, _challenge = registration_options(
        member=coordinator.member, private_key=private, party=PARTY
    )
    assert coordinator.member.handle not in options
    assert '"name": "Haven"' in options
    assert str(coordinator.member.pk) not in re.findall(r'"id": "([^"]*)"', options)


def test_past_the_budget_a_key_with_the_passphrase_logs_in_and_nothing_else_is_told_apart(
    coordinator: Persona, settings: object
) -> None:
    settings.HAVEN_LOGIN_FAILURES_PER_HOUR = 3  # type: ignore[attr-defined]
    client = login(Client(), coordinator)
    device = SoftKey()
    _add_through_the_page(client, device, "blue key")
    handle = coordinator.member.handle
    for _ in range(3):
        Client().post(LOGIN, {"handle": handle, "passphrase": "a wrong passphrase here"})
    browser = Client()
    page = browser.post(LOGIN, {"handle": handle, "passphrase": coordinator.passphrase})
    assert page.status_code == 429
    options = _options_in(page.content.decode())
    # The options name no key: they are the same for anyone, passphrase right or wrong.
    assert '"allowCredentials": []' in options
    answers = []
    for passphrase, key in (
        ("a wrong passphrase here", device),
        (coordinator.passphrase, SoftKey()),
    ):
        answer = key.get(options, origin=PARTY.origin)
        refused = browser.post(
            LOGIN, {"handle": handle, "passphrase": passphrase, "credential": answer}
        )
        answers.append(refused)
        options = _options_in(refused.content.decode())
    assert [answer.status_code for answer in answers] == [400, 400]
    assert (
        answers[0].context["form"].non_field_errors()
        == answers[1].context["form"].non_field_errors()
    )
    assert "security key do not match" in answers[0].content.decode()
    done = browser.post(
        LOGIN,
        {
            "handle": handle,
            "passphrase": coordinator.passphrase,
            "credential": device.get(options, origin=PARTY.origin),
        },
    )
    assert done.status_code == 302 and "/login/" not in done["Location"]


def test_a_key_keeps_working_after_a_passphrase_change_and_suspension_still_stops_the_login(
    coordinator: Persona, counselor: Persona
) -> None:
    from haven.accounts.lifecycle import passphrase_change
    from haven.volunteers.suspension import member_suspend

    enrol_second_factor(counselor)
    device = SoftKey()
    _register(counselor, device)
    passphrase_change(
        member=counselor.member,
        old_passphrase=counselor.passphrase,
        new_passphrase="a brand new passphrase",
        keep_session=None,
    )
    counselor.passphrase = "a brand new passphrase"
    browser = Client()
    browser.post(LOGIN, {"handle": counselor.member.handle, "passphrase": counselor.passphrase})
    options = _options_in(browser.get(CODE).content.decode())
    done = browser.post(CODE, {"credential": device.get(options, origin=PARTY.origin)})
    assert done.status_code == 302 and "/login/" not in done["Location"]
    member_suspend(actor=coordinator.member, member=counselor.member, reason="checking keys")
    # The session it had is gone, and a new login with the key gets no further than before.
    assert browser.get("/en/accounts/").status_code == 302
    again = Client()
    first = again.post(
        LOGIN, {"handle": counselor.member.handle, "passphrase": counselor.passphrase}
    )
    assert CODE not in first.get("Location", "")


def test_a_refused_key_is_not_written_back_into_the_page(coordinator: Persona) -> None:
    client = login(Client(), coordinator)
    page = client.get(KEYS).content.decode()
    answer = SoftKey().create(_options_in(page), origin="http://elsewhere.example")
    refused = client.post(KEYS, {"name": "blue key", "credential": answer})
    assert refused.status_code == 400
    text = refused.content.decode()
    assert "did not check out" in text and 'value="blue key"' in text
    assert "attestationObject" not in text
