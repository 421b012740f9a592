"""Security keys (WebAuthn) as a second factor beside the authenticator app's codes.

A member who has turned on the app's codes may add security keys from their account page; at
login either a code or a key completes the second step. Each ceremony's challenge is made here,
kept in the member's session for CEREMONY_SECONDS, and used once. The relying party is this
install: `HAVEN_ADDRESS` when it is set (its host is the rp id, its origin the only one
accepted), otherwise the host the request came to (already checked against ALLOWED_HOSTS).

The credential id and the key's name are sealed to the member's own public key, so they open only
with a login; the id is looked up by a keyed digest under the pepper. A key pair recovered by two
coordinators cannot open them, so recovery removes the member's security keys (haven.accounts
.recovery), as it removes the app's secret.
"""

import json
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.http.request import split_domain_port
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import bytes_to_base64url, parse_authentication_credential_json
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from haven.accounts.models import Member, SecurityKey
from haven.accounts.totp import totp_check
from haven.audit.services import audit_record
from haven.crypto import WrongKey, WrongPassphrase
from haven.crypto.keys import keyed_digest, open_sealed, seal_to, unwrap_with_passphrase
from haven.crypto.sealing import pad, unpad

CEREMONY_SECONDS = 300
CEREMONY_FIELD = "haven.security-key-ceremony"
MAX_KEYS = 10
MAX_NAME = 60
# The most a browser's answer may hold; a real one is a few kilobytes.
MAX_ANSWER = 20_000
RP_NAME = "Haven"
# What the key and the browser are told the account is called. A key that keeps its credential
# shows this name to whoever holds it, so it names no member.
USER_NAME = "Haven"


class KeyRefused(Exception):
    """A security key's answer that completes nothing; `str()` is what the member is told."""

    def __init__(self, message: object, code: str) -> None:
        super().__init__(str(message))
        self.code = code


EXPIRED = gettext_lazy(
    "The security key's turn has expired or was already used. Press the button again."
)
NOT_CHECKED = gettext_lazy(
    "The security key's answer did not check out. Try again, or type the code from your "
    "authenticator app."
)
UNKNOWN = gettext_lazy(
    "This security key is not one you added. Use one you added, or type the code from your "
    "authenticator app."
)
COPIED = gettext_lazy(
    "This security key's counter went backwards, so it may have been copied. It was not accepted: "
    "type the code from your authenticator app and tell a coordinator."
)


@dataclass(frozen=True)
class RelyingParty:
    """Who the keys are made for: the rp id (a host name) and the one origin accepted."""

    rp_id: str
    origin: str


def relying_party(request: HttpRequest) -> RelyingParty:
    """This install as the relying party: HAVEN_ADDRESS if set, else the request's host."""
    if settings.HAVEN_ADDRESS:
        parts = urlsplit(settings.HAVEN_ADDRESS)
        return RelyingParty(rp_id=parts.hostname or "", origin=f"{parts.scheme}://{parts.netloc}")
    host = request.get_host()
    domain, _port = split_domain_port(host)
    scheme = "https" if request.is_secure() else "http"
    return RelyingParty(rp_id=domain, origin=f"{scheme}://{host}")


def _digest(credential_id: bytes) -> bytes:
    return keyed_digest(credential_id, key=settings.HAVEN_PEPPER.encode(), purpose="security-key")


def _user_id(member: Member) -> bytes:
    # The same for every key of a member, so a key asked twice replaces its own credential, and
    # it tells nothing about the member without the pepper.
    return keyed_digest(
        str(member.pk).encode(), key=settings.HAVEN_PEPPER.encode(), purpose="security-user"
    )


def _seal(member: Member, kind: bytes, value: bytes) -> bytes:
    return seal_to(bytes(member.public_key), pad(kind + b":" + value))


def _open(private_key: bytes, kind: bytes, sealed: bytes) -> bytes:
    plaintext = unpad(open_sealed(private_key, bytes(sealed)))
    found, _sep, value = plaintext.partition(b":")
    if found != kind:
        raise WrongKey("a sealed value of another kind")
    return value


def ceremony_begin(
    session: SessionBase, *, purpose: str, member_id: int | None, challenge: bytes
) -> None:
    """Keep a ceremony's challenge in the session, for one use within CEREMONY_SECONDS."""
    session[CEREMONY_FIELD] = {
        "purpose": purpose,
        "member": member_id,
        "challenge": bytes_to_base64url(challenge),
        "until": time.time() + CEREMONY_SECONDS,
    }


def ceremony_take(session: SessionBase, *, purpose: str, member_id: int | None) -> bytes:
    """The challenge of the ceremony under way, taken out of the session (each is used once);
    raise KeyRefused when there is none, it expired, or it was for something else."""
    from webauthn import base64url_to_bytes

    held = session.pop(CEREMONY_FIELD, None)
    if (
        not isinstance(held, dict)
        or held.get("purpose") != purpose
        or held.get("member") != member_id
        or float(held.get("until", 0)) < time.time()
    ):
        raise KeyRefused(EXPIRED, "expired")
    return base64url_to_bytes(str(held["challenge"]))


def security_key_names(*, member: Member, private_key: bytes) -> list[tuple[SecurityKey, str]]:
    """The member's security keys with the names they gave them, opened with their key."""
    keys = []
    for key in SecurityKey.objects.filter(member=member).order_by("created_at", "pk"):
        try:
            name = _open(private_key, b"name", bytes(key.name_sealed)).decode("utf-8")
        except WrongKey:
            name = "?"
        keys.append((key, name))
    return keys


def _descriptors(member: Member, private_key: bytes) -> list[PublicKeyCredentialDescriptor]:
    descriptors = []
    for key in SecurityKey.objects.filter(member=member).order_by("pk"):
        try:
            credential_id = _open(private_key, b"credential", bytes(key.credential_sealed))
        except WrongKey:
            continue
        descriptors.append(PublicKeyCredentialDescriptor(id=credential_id))
    return descriptors


def registration_options(
    *, member: Member, private_key: bytes, party: RelyingParty
) -> tuple[str, bytes]:
    """Options for the browser's navigator.credentials.create(), as JSON, and their challenge."""
    options = generate_registration_options(
        rp_id=party.rp_id,
        rp_name=RP_NAME,
        user_name=USER_NAME,
        user_id=_user_id(member),
        user_display_name=USER_NAME,
        timeout=CEREMONY_SECONDS * 1000,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.PREFERRED,
            user_verification=UserVerificationRequirement.PREFERRED,
        ),
        exclude_credentials=_descriptors(member, private_key),
    )
    document = json.loads(options_to_json(options))
    # Asks the browser to say whether the key keeps the credential itself (see `discoverable`).
    document["extensions"] = {"credProps": True}
    return json.dumps(document), options.challenge


def _answer(credential: str) -> dict[str, Any]:
    if not credential or len(credential) > MAX_ANSWER:
        raise KeyRefused(NOT_CHECKED, "answer")
    try:
        document = json.loads(credential)
    except ValueError:
        raise KeyRefused(NOT_CHECKED, "answer") from None
    if not isinstance(document, dict):
        raise KeyRefused(NOT_CHECKED, "answer")
    return document


@transaction.atomic
def security_key_register(
    *,
    member: Member,
    private_key: bytes,
    party: RelyingParty,
    challenge: bytes,
    name: str,
    credential: str,
) -> SecurityKey:
    """Add a security key from the browser's answer to `registration_options`."""
    name = name.strip()
    if not name or len(name) > MAX_NAME:
        raise ValidationError(
            _("Name the key in at most %(count)d characters.") % {"count": MAX_NAME}, code="name"
        )
    locked = Member.objects.select_for_update().get(pk=member.pk)
    if not locked.is_active or locked.suspended_at is not None:
        raise PermissionError("only active members add security keys")
    if not locked.has_second_factor:
        raise ValidationError(
            _("Turn on the authenticator app first: it is the second factor that works anywhere."),
            code="no-second-factor",
        )
    if SecurityKey.objects.filter(member=member).count() >= MAX_KEYS:
        raise ValidationError(
            _("You have %(count)d security keys, the most there can be. Remove one first.")
            % {"count": MAX_KEYS},
            code="too-many",
        )
    document = _answer(credential)
    try:
        verified = verify_registration_response(
            credential=document,
            expected_challenge=challenge,
            expected_rp_id=party.rp_id,
            expected_origin=party.origin,
        )
    except (WebAuthnException, ValueError, TypeError, KeyError):
        raise KeyRefused(NOT_CHECKED, "not-checked") from None
    digest = _digest(verified.credential_id)
    if SecurityKey.objects.filter(credential_digest=digest).exists():
        raise ValidationError(_("This security key is already added."), code="already")
    properties = document.get("clientExtensionResults", {})
    discoverable = isinstance(properties, dict) and bool(
        (properties.get("credProps") or {}).get("rk")
    )
    key = SecurityKey.objects.create(
        member=member,
        credential_digest=digest,
        credential_sealed=_seal(member, b"credential", verified.credential_id),
        name_sealed=_seal(member, b"name", name.encode("utf-8")),
        public_key=verified.credential_public_key,
        sign_count=verified.sign_count,
        discoverable=discoverable,
        created_at=timezone.now(),
    )
    audit_record(
        actor=member,
        action="member.security_key_add",
        organisation=member.organisation,
        target_type="security_key",
        target_id=str(key.pk),
    )
    return key


def login_options(*, member: Member, private_key: bytes, party: RelyingParty) -> tuple[str, bytes]:
    """Options for navigator.credentials.get() at the second step of a login, naming the
    member's keys (opened with the key the passphrase just unlocked), and their challenge."""
    options = generate_authentication_options(
        rp_id=party.rp_id,
        timeout=CEREMONY_SECONDS * 1000,
        allow_credentials=_descriptors(member, private_key),
        user_verification=UserVerificationRequirement.PREFERRED,
    )
    return options_to_json(options), options.challenge


def flood_options(*, party: RelyingParty) -> tuple[str, bytes]:
    """Options for a login that gives passphrase and key together (after a flood of wrong
    passphrases): they name no key, so they depend on neither the name nor the passphrase, and
    only a key that keeps its credential can answer."""
    options = generate_authentication_options(
        rp_id=party.rp_id,
        timeout=CEREMONY_SECONDS * 1000,
        user_verification=UserVerificationRequirement.PREFERRED,
    )
    return options_to_json(options), options.challenge


def security_key_check(
    *, member: Member, party: RelyingParty, challenge: bytes, credential: str
) -> SecurityKey:
    """Check a login's answer from one of the member's security keys and move its counter on;
    raise KeyRefused, saying why, for any answer that does not complete the login. A counter
    that went backwards is audited: the key may have been copied."""
    document = _answer(credential)
    try:
        parsed = parse_authentication_credential_json(document)
    except (WebAuthnException, ValueError, TypeError, KeyError):
        raise KeyRefused(NOT_CHECKED, "answer") from None
    with transaction.atomic():
        key = (
            SecurityKey.objects.select_for_update()
            .filter(member=member, credential_digest=_digest(parsed.raw_id))
            .first()
        )
        if key is None:
            raise KeyRefused(UNKNOWN, "unknown")
        try:
            verified = verify_authentication_response(
                credential=parsed,
                expected_challenge=challenge,
                expected_rp_id=party.rp_id,
                expected_origin=party.origin,
                credential_public_key=bytes(key.public_key),
                credential_current_sign_count=key.sign_count,
            )
        except WebAuthnException as error:
            if "sign count" not in str(error).lower():
                raise KeyRefused(NOT_CHECKED, "not-checked") from None
        except (ValueError, TypeError, KeyError):
            raise KeyRefused(NOT_CHECKED, "not-checked") from None
        else:
            SecurityKey.objects.filter(pk=key.pk).update(sign_count=verified.new_sign_count)
            return key
    # Outside the check's transaction, so the refusal does not take the record with it.
    audit_record(
        actor=member,
        action="member.security_key_copied",
        organisation=member.organisation,
        target_type="security_key",
        target_id=str(key.pk),
    )
    raise KeyRefused(COPIED, "counter")


def confirm_member(*, member: Member, private_key: bytes, confirmation: str) -> None:
    """Check that whoever acts holds the passphrase or the app's current code; raise
    ValidationError otherwise."""
    code = "".join(confirmation.split())
    # A passphrase has at least 12 characters, so six digits can only be a code.
    if code.isdigit() and len(code) == 6:
        if member.has_second_factor and totp_check(
            member=member, private_key=private_key, code=code
        ):
            return
    elif confirmation:
        try:
            unwrap_with_passphrase(bytes(member.wrapped_private_key), confirmation)
        except WrongPassphrase:
            pass
        else:
            return
    raise ValidationError(
        _(
            "That is neither your passphrase nor the current code from your authenticator app. "
            "Type one of them again."
        ),
        code="confirm",
    )


@transaction.atomic
def security_key_remove(
    *, member: Member, private_key: bytes, key: SecurityKey, confirmation: str
) -> None:
    """Remove one of the member's security keys once they show their passphrase or a current
    code from the app."""
    if key.member_id != member.pk:
        raise PermissionError("members remove their own security keys")
    confirm_member(member=member, private_key=private_key, confirmation=confirmation)
    SecurityKey.objects.filter(pk=key.pk).delete()
    audit_record(
        actor=member,
        action="member.security_key_remove",
        organisation=member.organisation,
        target_type="security_key",
        target_id=str(key.pk),
    )


def security_keys_forget(*, member: Member) -> int:
    """Remove every security key of a member whose key pair was replaced (inside the caller's
    transaction); returns how many there were."""
    removed, _by_model = SecurityKey.objects.filter(member=member).delete()
    return removed
