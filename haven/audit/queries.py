"""Reading the audit chain: verification, and what the desk shows of who did what."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Min

from haven.audit.models import ChainHead, Event, Pending
from haven.audit.services import GENESIS, event_payload
from haven.crypto.keys import chain_digest


@dataclass(frozen=True)
class ChainReport:
    """What `verify_chain` found: how many events it checked and the first broken link, if any."""

    checked: int
    broken_at: int | None = None
    problem: str = ""

    @property
    def intact(self) -> bool:
        return self.broken_at is None


def verify_chain() -> ChainReport:
    """Walk every event in order and report the first one that was edited, removed or reordered."""
    previous = GENESIS
    expected_id = 1
    checked = 0
    for event in Event.objects.order_by("id").iterator(chunk_size=2000):
        if event.id != expected_id:
            return ChainReport(
                checked,
                expected_id,
                f"event #{expected_id} is missing (deleted) before #{event.id}",
            )
        if bytes(event.previous_hash) != previous:
            return ChainReport(
                checked, event.id, f"event #{event.id} does not link to the event before it"
            )
        if chain_digest(previous, event_payload(event)) != bytes(event.hash):
            return ChainReport(
                checked, event.id, f"event #{event.id} was changed after it was written"
            )
        previous = bytes(event.hash)
        expected_id += 1
        checked += 1
    head = ChainHead.objects.filter(pk=1).first()
    if head is None:
        return ChainReport(checked, 0, "the chain head is missing")
    if head.last_event_id != checked or bytes(head.last_hash) != previous:
        return ChainReport(
            checked,
            checked + 1,
            f"the chain ends at #{checked} but its head records #{head.last_event_id}: "
            "events were removed from the end",
        )
    return ChainReport(checked)


def targets_since(*, actor_id: int, action: str, since: datetime) -> set[str]:
    """The distinct targets one member acted on with one action since a moment."""
    return set(
        Event.objects.filter(actor_id=actor_id, action=action, at__gte=since).values_list(
            "target_id", flat=True
        )
    )


def acted_since(*, actor_id: int, action: str, target_id: str, since: datetime) -> bool:
    """Whether one member did this to this target since a moment."""
    return Event.objects.filter(
        actor_id=actor_id, action=action, target_id=target_id, at__gte=since
    ).exists()


def data_since(*, actor_id: int, action: str, target_id: str, since: datetime) -> list[dict]:
    """What each of one member's events of this action on this target since a moment recorded."""
    return list(
        Event.objects.filter(
            actor_id=actor_id, action=action, target_id=target_id, at__gte=since
        ).values_list("data", flat=True)
    )


def sealed_notes_about(
    target_type: str, target_id: str, action: str, limit: int
) -> list[tuple[int, bytes]]:
    """The sealed notes (reasons) of the newest `limit` events of one action about one target."""
    return [
        (event_id, bytes(sealed))  # type: ignore[arg-type]  # never None: filtered out below
        for event_id, sealed in Event.objects.filter(
            target_type=target_type, target_id=target_id, action=action, sealed_note__isnull=False
        )
        .order_by("-id")
        .values_list("id", "sealed_note")[:limit]
    ]


def events_about(
    target_type: str, target_id: str, actions: tuple[str, ...], limit: int
) -> list[Event]:
    """The newest `limit` events about one target, with their actors."""
    return list(
        Event.objects.filter(target_type=target_type, target_id=target_id, action__in=actions)
        .select_related("actor")
        .order_by("-id")[:limit]
    )


def pending_events() -> tuple[int, datetime | None]:
    """How many anonymous events wait to be linked into the chain, and the hour of the oldest."""
    summary = Pending.objects.aggregate(count=Count("id"), oldest=Min("at"))
    return summary["count"], summary["oldest"]
