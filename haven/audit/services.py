"""Appending to the audit chain; every write calls `audit_record` inside its own transaction.

Anonymous intake may record its event as pending instead (`pending_event`): the row is written
atomically with the request, without the chain's lock, and `link_pending` chains it soon after. In
a surge that lock, held until each commit, was what capped intake.
"""

import json
import logging
from datetime import datetime
from typing import TYPE_CHECKING

from django.db import connection, transaction
from django.utils import timezone

from haven.audit.models import ChainHead, Event, Pending
from haven.crypto.keys import chain_digest, seal_to

if TYPE_CHECKING:
    from haven.accounts.models import Member, Organisation

GENESIS = bytes(32)
# How many pending events a member's audited write links while it holds the chain's lock anyway;
# the worker links the rest.
LINK_ON_WRITE = 200
logger = logging.getLogger(__name__)


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


def _rebuild_head() -> ChainHead:
    """The head row is made by a migration; if it is gone, restart it from the last event, say so,
    and let `haven audit verify` judge the chain."""
    last = Event.objects.order_by("-id").first()
    if last is not None:
        logger.error("the audit chain head was missing; rebuilt from event #%s", last.id)
    head, _ = ChainHead.objects.get_or_create(
        pk=1,
        defaults={
            "last_event_id": last.id if last else 0,
            "last_hash": bytes(last.hash) if last else GENESIS,
        },
    )
    return ChainHead.objects.select_for_update().get(pk=head.pk)


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
    # The caller's transaction is already open (checked above): no savepoint of its own, which
    # would cost two more round trips while the chain's lock is held.
    with transaction.atomic(savepoint=False):
        head = _locked_head()
        _link(head, LINK_ON_WRITE)
        event = _append(
            head,
            at=now if actor is not None else to_the_hour(now),
            actor=actor,
            organisation=organisation,
            action=action,
            target_type=target_type,
            target_id=target_id,
            data=data or {},
            sealed_note=sealed_note,
        )
        _save_head(head)
    return event


def pending_event(
    *,
    action: str,
    organisation: "Organisation | None" = None,
    target_type: str = "",
    target_id: str = "",
    data: dict[str, object] | None = None,
) -> Pending:
    """An anonymous event, to be chained later by `link_pending`. Not saved: the caller inserts it
    with the write it records, atomically (see `haven.core.rows.insert_together`)."""
    return Pending(
        at=to_the_hour(timezone.now()),
        organisation=organisation,
        action=action,
        target_type=target_type,
        target_id=target_id,
        data=data or {},
    )


def link_pending(batch: int = 5000) -> int:
    """Chain every pending event, oldest first, in batches; return how many were linked."""
    linked = 0
    while True:
        with transaction.atomic():
            head = _locked_head()
            count = _link(head, batch)
            _save_head(head)
        linked += count
        if count < batch:
            return linked


def _locked_head() -> ChainHead:
    return ChainHead.objects.select_for_update().filter(pk=1).first() or _rebuild_head()


def _link(head: ChainHead, limit: int) -> int:
    """Move up to `limit` pending events into the chain after `head` (which the caller locked)."""
    pending = list(Pending.objects.order_by("id")[:limit])
    if not pending:
        return 0
    events = [
        _event_after(
            head,
            at=row.at,
            actor=None,
            organisation_id=row.organisation_id,
            action=row.action,
            target_type=row.target_type,
            target_id=row.target_id,
            data=row.data,
            sealed_note=None,
        )
        for row in pending
    ]
    Event.objects.bulk_create(events, batch_size=1000)
    # Exactly the rows read: one that commits meanwhile with an id among them waits its turn.
    Pending.objects.filter(id__in=[row.id for row in pending]).delete()
    return len(events)


def _event_after(head: ChainHead, **fields: object) -> Event:
    """The next event of the chain; moves `head` on (the caller saves it)."""
    event = Event(id=head.last_event_id + 1, previous_hash=bytes(head.last_hash), **fields)
    event.hash = chain_digest(bytes(head.last_hash), event_payload(event))
    head.last_event_id = event.id
    head.last_hash = event.hash
    return event


def _append(head: ChainHead, **fields: object) -> Event:
    event = _event_after(head, **fields)
    event.save(force_insert=True)
    return event


def _save_head(head: ChainHead) -> None:
    ChainHead.objects.filter(pk=1).update(
        last_event_id=head.last_event_id, last_hash=head.last_hash
    )
