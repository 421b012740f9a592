"""One install's side of the two-server walk: `python -m tests.referrals.side ACTION JSON` runs
one act against the database of HAVEN_DATA_DIR, through the real services, and prints JSON.

The servers themselves are real `haven serve` processes; this only plays the people at each desk
(and the requester at the status page), whose pages would call the same services.
"""

import json
import os
import secrets
import sys
from typing import Any

PASSPHRASE = "correct horse battery staple"


def _keyring(handle: str) -> Any:
    from haven.accounts.services import member_unlock
    from haven.accounts.unlock import Keyring

    unlocked = member_unlock(handle=handle, passphrase=PASSPHRASE)
    assert unlocked is not None
    return Keyring(member=unlocked.member, _private=unlocked.private_key)


def setup(slug: str, handle: str) -> dict[str, object]:
    from haven.accounts.services import organisation_create
    from haven.referrals.envelopes import b64
    from haven.referrals.services import identity_ensure

    organisation_create(
        slug=slug, name=slug.title(), coordinator_handle=handle, coordinator_passphrase=PASSPHRASE
    )
    identity = identity_ensure(keyring=_keyring(handle))
    return {
        "fingerprint": identity.fingerprint,
        "signing": b64(bytes(identity.signing_public)),
        "box": b64(bytes(identity.box_public)),
    }


def add_partner(
    handle: str, name: str, address: str, signing: str, box: str, fingerprint: str
) -> dict[str, object]:
    from haven.accounts.models import Member
    from haven.referrals.envelopes import unb64
    from haven.referrals.services import partner_add_remote

    partner = partner_add_remote(
        actor=Member.objects.get(handle=handle),
        name=name,
        address=address,
        signing_public=unb64(signing),
        box_public=unb64(box),
        typed_fingerprint=fingerprint,
        needs=["legal"],
        countries=["de"],
        languages=["ru"],
    )
    return {"partner": partner.pk}


def request(handle: str, document_bytes: int = 0) -> dict[str, object]:
    from haven.accounts.models import Member
    from haven.cases.services import case_triage
    from haven.intake.services import request_submit
    from tests.conftest import submission

    member = Member.objects.select_related("organisation").get(handle=handle)
    accepted = request_submit(
        organisation=member.organisation,
        submission=submission(),
        submission_key=secrets.token_urlsafe(24),
    )
    case_triage(actor=member, case=accepted.case, decision="accept")
    return {"case": str(accepted.case.pk), "codename": accepted.codename}


def propose(handle: str, case: str, partner: int, document_bytes: int = 0) -> dict[str, object]:
    from haven.accounts.models import Member
    from haven.cases.models import Case
    from haven.referrals.envelopes import b64
    from haven.referrals.models import Partner
    from haven.referrals.services import referral_propose

    referral = referral_propose(
        actor=Member.objects.get(handle=handle),
        keyring=_keyring(handle),
        case=Case.objects.get(pk=case),
        partner=Partner.objects.get(pk=partner),
        fields=["name", "story"],
        with_thread=False,
        with_documents=bool(document_bytes),
        reason="They need a lawyer where they are going.",
        documents=[secrets.token_bytes(document_bytes)] if document_bytes else [],
    )
    return {
        "referral": str(referral.pk),
        "envelope": b64(bytes(referral.envelope or b"")),
        "signature": b64(bytes(referral.signature or b"")),
    }


def consent(case: str, referral: str) -> dict[str, object]:
    from haven.cases.models import Case
    from haven.referrals.models import Referral
    from haven.referrals.services import referral_consent

    done = referral_consent(
        case=Case.objects.get(pk=case), referral=Referral.objects.get(pk=referral), accept=True
    )
    return {"status": done.status}


def deliver() -> dict[str, object]:
    from haven.referrals.delivery import deliver_due

    return dict(deliver_due())


def due_now() -> dict[str, object]:
    """Move every outbox row's next attempt to now, as if its back-off had passed."""
    from django.utils import timezone

    from haven.referrals.models import Arrival, Referral

    moved = Referral.objects.filter(envelope__isnull=False).update(next_attempt_at=timezone.now())
    moved += Arrival.objects.filter(envelope__isnull=False).update(next_attempt_at=timezone.now())
    return {"moved": moved}


def answer(handle: str, referral: str, accept: bool, note: str) -> dict[str, object]:
    from haven.accounts.models import Member
    from haven.referrals.models import Arrival
    from haven.referrals.services import arrival_answer

    arrival = arrival_answer(
        actor=Member.objects.get(handle=handle),
        keyring=_keyring(handle),
        arrival=Arrival.objects.get(pk=referral),
        accept=accept,
        note=note,
    )
    fields: dict[str, str] = {}
    if arrival.case is not None:
        from haven.cases.services import case_reveal

        opened = case_reveal(
            actor=arrival.answered_by,  # type: ignore[arg-type]
            keyring=_keyring(handle),
            case=arrival.case,
            reason="reading the referred case",
        )
        fields = opened.fields
    return {"status": arrival.status, "case": str(arrival.case_id or ""), "fields": fields}


def state(referral: str, codename: str = "") -> dict[str, object]:
    from haven.audit.models import Event
    from haven.crypto.codenames import requester_key_pair
    from haven.referrals.models import Arrival, Referral
    from haven.referrals.services import answer_for_requester

    sent = Referral.objects.filter(pk=referral).first()
    arrived = Arrival.objects.filter(pk=referral).first()
    private = requester_key_pair(codename).private if codename else None
    return {
        "referral": sent.status if sent else "",
        "attempts": sent.attempts if sent else 0,
        "last_error": sent.last_error if sent else "",
        "arrival": arrived.status if arrived else "",
        "note": answer_for_requester(sent, private) if sent else "",
        "events": [
            {"action": event.action, "data": event.data}
            for event in Event.objects.filter(action__startswith="referral.").order_by("id")
        ],
    }


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "haven.settings")
    import django

    django.setup()
    action, arguments = sys.argv[1], json.loads(sys.argv[2] if len(sys.argv) > 2 else "{}")
    result = globals()[action](**arguments)
    sys.stdout.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
