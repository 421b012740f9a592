"""Taking a request for help: the only place its plaintext exists outside haven.crypto."""

import json
import uuid
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from haven.accounts.models import Organisation
from haven.audit.services import audit_record, to_the_hour
from haven.cases.models import SEALED_FIELDS, Case
from haven.crypto.codenames import (
    codename_from_seed,
    lookup_digest,
    requester_key_pair,
)
from haven.crypto.keys import keyed_digest
from haven.crypto.sealing import FieldSealer, new_data_key, seal_data_key
from haven.intake.forms import country_of


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
    contact: str = field(repr=False)
    name: str = field(default="", repr=False)
    military_status: str = field(default="", repr=False)
    location_detail: str = field(default="", repr=False)
    story: str = field(default="", repr=False)
    for_counselor: str = field(default="", repr=False)

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
            contact=str(data["contact"]),
            name=str(data.get("name") or ""),
            military_status=str(data.get("military_status") or ""),
            location_detail=str(data.get("location_detail") or ""),
            story=str(data.get("story") or ""),
            for_counselor=str(data.get("for_counselor") or ""),
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


def _codename_for(submission_key: str, content: bytes) -> str:
    # Derived, not random, so a retried submission is answered with the same codename without the
    # codename ever being stored. Without the pepper nobody can compute it.
    seed = keyed_digest(submission_key.encode() + content, key=_pepper(), purpose="codename-seed")
    return codename_from_seed(seed)


def request_submit(
    *,
    organisation: Organisation,
    submission: Submission,
    submission_key: str,
    now: datetime | None = None,
) -> Accepted:
    """Seal and store a request for help; a retry with the same key returns the first result."""
    submission_digest = keyed_digest(submission_key.encode(), key=_pepper(), purpose="submission")
    content = _content_digest(submission)
    codename = _codename_for(submission_key, content)
    existing = Case.objects.filter(submission_digest=submission_digest).first()
    if existing is not None:
        return _repeat(existing, content, codename)
    try:
        case = _store(organisation, submission, submission_digest, content, codename, now)
    except IntegrityError:
        # A concurrent retry of the same form won the race.
        return _repeat(Case.objects.get(submission_digest=submission_digest), content, codename)
    return Accepted(case=case, codename=codename)


def _repeat(existing: Case, content: bytes, codename: str) -> Accepted:
    if bytes(existing.content_digest) != content:
        raise SubmissionConflict("this form was already sent with other answers")
    return Accepted(case=existing, codename=codename, repeated=True)


@transaction.atomic
def _store(
    organisation: Organisation,
    submission: Submission,
    submission_digest: bytes,
    content: bytes,
    codename: str,
    now: datetime | None,
) -> Case:
    hour = to_the_hour(now or timezone.now())
    case_id = uuid.uuid4()
    data_key = new_data_key()
    sealer = FieldSealer(data_key, str(case_id))
    sealed = {
        f"{name}_sealed": sealer.seal(name, value) if (value := getattr(submission, name)) else None
        for name in SEALED_FIELDS
    }
    case = Case(
        id=case_id,
        organisation=organisation,
        country=country_of(submission.place),
        place=submission.place,
        group_size=submission.group_size,
        languages=list(submission.languages),
        urgency=submission.urgency,
        date_from=submission.date_from,
        date_until=submission.date_until,
        created_hour=hour,
        updated_hour=hour,
        sealed_key=seal_data_key(data_key, to_public=bytes(organisation.public_key)),
        requester_public_key=requester_key_pair(codename).public,
        codename_digest=lookup_digest(codename, pepper=_pepper()),
        submission_digest=submission_digest,
        content_digest=content,
        **{f"need_{need}": True for need in submission.needs},
        **sealed,
    )
    case.save(force_insert=True)
    audit_record(
        actor=None,
        action="request.submit",
        organisation=organisation,
        target_type="case",
        target_id=str(case.pk),
        data={"country": case.country, "urgency": case.urgency, "group_size": case.group_size},
    )
    return case
