"""Taking a request for help: the only place its plaintext exists outside haven.crypto."""

import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from haven.accounts.models import Organisation
from haven.audit.services import audit_record, pending_event, to_the_hour
from haven.cases.models import SEALED_FIELDS, Case, CaseSeal, GroupNeeds
from haven.core.ratelimit import Budget
from haven.core.rows import insert_together
from haven.crypto.codenames import (
    codename_from_seed,
    lookup_digest,
    requester_key_pair,
)
from haven.crypto.keys import keyed_digest
from haven.crypto.sealing import FieldSealer, new_data_key, seal_data_key, wrap_key
from haven.intake.forms import country_of
from haven.notifications.models import Ping
from haven.notifications.services import sealed_ping


@dataclass(frozen=True)
class Submission:
    """A validated request. Coarse fields first; the sealed ones have repr=False."""

    needs: tuple[str, ...]
    place: str
    group_size: int
    languages: tuple[str, ...]
    urgency: int
    date_from: date
    date_until: date | None
    contact: str = field(default="", repr=False)
    name: str = field(default="", repr=False)
    military_status: str = field(default="", repr=False)
    location_detail: str = field(default="", repr=False)
    story: str = field(default="", repr=False)
    for_counselor: str = field(default="", repr=False)
    group_needs: tuple[str, ...] = ()
    # No contact at all: volunteers answer only through the sealed messages.
    messages_only: bool = False
    # Where to ping "there is an answer for you"; sealed to the install's ping key, never shown.
    ping_address: str = field(default="", repr=False)

    @classmethod
    def from_cleaned(cls, data: Mapping[str, Any]) -> "Submission":
        """Build from a valid RequestForm's cleaned_data."""
        return cls(
            needs=tuple(sorted(data["needs"])),
            place=str(data["place"]),
            group_size=int(data["group_size"]),
            languages=tuple(data["languages"]),
            urgency=int(data["urgency"]),
            date_from=data["date_from"],
            date_until=data.get("date_until") or None,
            contact=str(data.get("contact") or ""),
            name=str(data.get("name") or ""),
            military_status=str(data.get("military_status") or ""),
            location_detail=str(data.get("location_detail") or ""),
            story=str(data.get("story") or ""),
            for_counselor=str(data.get("for_counselor") or ""),
            group_needs=tuple(sorted(data.get("group_needs") or ())),
            messages_only=bool(data.get("messages_only")),
            ping_address=str(data.get("ping") or ""),
        )


class SubmissionConflict(Exception):
    """The same form was sent twice with different contents."""


@dataclass(frozen=True)
class Accepted:
    """A stored request and the codename that finds it (shown once, never stored)."""

    case: Case
    codename: str = field(repr=False)
    repeated: bool = False


def _pepper() -> bytes:
    return settings.HAVEN_PEPPER.encode()


def _content_digest(submission: Submission) -> bytes:
    body = json.dumps(asdict(submission), sort_keys=True, default=str, ensure_ascii=False)
    return keyed_digest(body.encode("utf-8"), key=_pepper(), purpose="submission-body")


def _codename_for(submission_key: str, content: bytes, language: str) -> str:
    # Derived, not random, so a retried submission is answered with the same codename without the
    # codename ever being stored. Without the pepper nobody can compute it.
    seed = keyed_digest(submission_key.encode() + content, key=_pepper(), purpose="codename-seed")
    return codename_from_seed(seed, language=language)


def intake_within_budget() -> bool:
    """Spend one unit of the install's intake budget; False once this minute's is used up.

    Every Tor client is 127.0.0.1, so the budget is global, not per address. It is spent before
    anything is sealed, so a refused request costs one statement.
    """
    budget = Budget("intake", settings.HAVEN_INTAKE_PER_MINUTE, timedelta(minutes=1))
    return budget.take(b"all")


def request_submit(
    *,
    organisation: Organisation,
    submission: Submission,
    submission_key: str,
    codename_language: str = "en",
    now: datetime | None = None,
) -> Accepted:
    """Seal and store a request for help; a retry with the same key returns the first result.
    The codename's words are from `codename_language`'s list (the page's language)."""
    sealed = sealed_case(
        organisation=organisation,
        submission=submission,
        submission_key=submission_key,
        codename_language=codename_language,
        now=now,
    )
    case, codename = sealed.case, sealed.codename
    try:
        # Insert first and look only on a conflict: a retry is rare, a first submission is not,
        # so the common case saves a round trip.
        _store(sealed)
    except IntegrityError:
        # This form was stored before (a retry, or a concurrent copy that won the race).
        existing = Case.objects.filter(submission_digest=case.submission_digest).first()
        if existing is None:
            raise
        return _repeat(existing, bytes(case.content_digest), codename)
    return Accepted(case=case, codename=codename)


def _repeat(existing: Case, content: bytes, codename: str) -> Accepted:
    if bytes(existing.content_digest) != content:
        raise SubmissionConflict("this form was already sent with other answers")
    return Accepted(case=existing, codename=codename, repeated=True)


@dataclass(frozen=True)
class SealedRequest:
    """A submission made ready to store: the coarse row, its sealed half, and the codename."""

    case: Case
    seal: CaseSeal
    codename: str = field(repr=False)
    ping: Ping | None = None


def sealed_case(
    *,
    organisation: Organisation,
    submission: Submission,
    submission_key: str,
    codename_language: str = "en",
    now: datetime | None = None,
) -> SealedRequest:
    """Build (not save) the rows for a submission, every personal field already sealed, and the
    codename that finds them."""
    content = _content_digest(submission)
    codename = _codename_for(submission_key, content, codename_language)
    hour = to_the_hour(now or timezone.now())
    case_id = uuid.uuid4()
    data_key = new_data_key()
    sealer = FieldSealer(data_key, str(case_id))
    requester_public = requester_key_pair(codename).public
    # Messages on the case are sealed under their own key, which the requester can open too.
    thread_key = new_data_key()
    case = Case(
        id=case_id,
        organisation=organisation,
        country=country_of(submission.place),
        place=submission.place,
        group_size=submission.group_size,
        with_children=GroupNeeds.CHILDREN in submission.group_needs,
        women_only=GroupNeeds.WOMEN_ONLY in submission.group_needs,
        with_pets=GroupNeeds.PETS in submission.group_needs,
        step_free=GroupNeeds.STEP_FREE in submission.group_needs,
        messages_only=submission.messages_only,
        languages=list(submission.languages),
        urgency=submission.urgency,
        date_from=submission.date_from,
        date_until=submission.date_until,
        created_hour=hour,
        updated_hour=hour,
        sealed_key=seal_data_key(data_key, to_public=bytes(organisation.public_key)),
        requester_public_key=requester_public,
        thread_key_requester=seal_data_key(thread_key, to_public=requester_public),
        thread_key_staff=wrap_key(thread_key, under=data_key),
        codename_digest=lookup_digest(codename, pepper=_pepper()),
        submission_digest=keyed_digest(
            submission_key.encode(), key=_pepper(), purpose="submission"
        ),
        content_digest=content,
        **{f"need_{need}": True for need in submission.needs},
    )
    seal = CaseSeal(
        case=case,
        **{
            name: sealer.seal(name, value) if (value := getattr(submission, name)) else None
            for name in SEALED_FIELDS
        },
    )
    ping = None
    if submission.ping_address:
        # Pings are in the page's language, as the codename's words are.
        ping = sealed_ping(
            case_id=case_id, address=submission.ping_address, language=codename_language
        )
    return SealedRequest(case=case, seal=seal, codename=codename, ping=ping)


def _store(sealed: SealedRequest) -> None:
    case = sealed.case
    # Pending, not chained here: thousands of requests an hour must not queue on the chain's lock.
    event = pending_event(
        action="request.submit",
        organisation=case.organisation,
        target_type="case",
        target_id=str(case.pk),
        data={"country": case.country, "urgency": case.urgency, "group_size": case.group_size},
    )
    # On PostgreSQL one statement: in a surge every round trip and every statement counts.
    rows = (case, sealed.seal, sealed.ping) if sealed.ping else (case, sealed.seal)
    insert_together(*rows, event)


@transaction.atomic
def requests_import(
    *, organisation: Organisation, requests: Sequence[SealedRequest], source: str
) -> int:
    """Store many already-sealed requests at once (a spreadsheet moved in, a load test), with one
    audit event for the batch instead of one per row."""
    if any(sealed.case.organisation_id != organisation.pk for sealed in requests):
        raise ValueError("every imported case must belong to the importing organisation")
    Case.objects.bulk_create([sealed.case for sealed in requests], batch_size=1000)
    CaseSeal.objects.bulk_create([sealed.seal for sealed in requests], batch_size=1000)
    Ping.objects.bulk_create([sealed.ping for sealed in requests if sealed.ping], batch_size=1000)
    audit_record(
        actor=None,
        action="request.import",
        organisation=organisation,
        target_type="organisation",
        target_id=str(organisation.pk),
        data={"count": len(requests), "source": source},
    )
    return len(requests)
