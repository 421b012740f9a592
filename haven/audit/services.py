"""Appending to the audit chain; every write calls `audit_record` inside its own transaction."""

import json
from datetime import datetime
from typing import TYPE_CHECKING

from django.db import connection, transaction
from django.utils import timezone

from haven.audit.models import ChainHead, Event
from haven.crypto.keys import chain_digest, seal_to

if TYPE_CHECKING:
    from haven.accounts.models import Member, Organisation

GENESIS = bytes(32)


def to_the_hour(moment: datetime) -> datetime:
    """Round down to the hour: coarse time that does not single out one submission."""
    return moment.replace(minute=0, second=0, microsecond=0)


def event_payload(event: Event) -> bytes:
    """The canonical bytes an event's hash covers."""
    return json.dumps(
        [
            event.id,
            event.at.isoformat(),
            event.actor_id,
            event.organisation_id,
            event.action,
            event.target_type,
            event.target_id,
            event.data,
            bytes(event.sealed_note).hex() if event.sealed_note else None,
            bytes(event.previous_hash).hex(),
        ],
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    ).encode("utf-8")


def audit_record(
    *,
    actor: "Member | None",
    action: str,
    organisation: "Organisation | None" = None,
    target_type: str = "",
    target_id: str = "",
    data: dict[str, object] | None = None,
    note: str | None = None,
) -> Event:
    """Append one event to the chain, inside the caller's transaction.

    Events without a member (anonymous intake) get the hour only. `note` is free text and is sealed
    to the organisation, so only members holding its key can read it.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("audit_record must run inside the transaction of the write it records")
    now = timezone.now()
    sealed_note = None
    if note is not None:
        if organisation is None:
            raise ValueError("a sealed note needs an organisation to seal it to")
        sealed_note = seal_to(bytes(organisation.public_key), note.encode("utf-8"))
    with transaction.atomic():
        head = ChainHead.objects.select_for_update().get(pk=1)
        event = Event(
            id=head.last_event_id + 1,
            at=now if actor is not None else to_the_hour(now),
            actor=actor,
            organisation=organisation,
            action=action,
            target_type=target_type,
            target_id=target_id,
            data=data or {},
            sealed_note=sealed_note,
            previous_hash=bytes(head.last_hash),
        )
        event.hash = chain_digest(bytes(head.last_hash), event_payload(event))
        event.save(force_insert=True)
        ChainHead.objects.filter(pk=1).update(last_event_id=event.id, last_hash=event.hash)
    return event
