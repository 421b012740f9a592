"""Reading the audit chain: verification."""

from dataclasses import dataclass

from haven.audit.models import ChainHead, Event
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
