"""How a placement ends, and the audit record each of its steps makes. This sits below both the
placement steps (haven.volunteers.placements, which move cases through haven.cases.lifecycle)
and the case services that close or shred a case (which end its placements), so that neither
has to import the other."""

from django.utils import timezone

from haven.accounts.models import Member
from haven.audit.services import audit_record
from haven.cases.models import Case
from haven.matching.cache import bump
from haven.volunteers.models import LIVE, Decision, Placement


def placement_audit(
    actor: Member | None, placement: Placement, action: str, **data: object
) -> None:
    audit_record(
        actor=actor,
        action=action,
        organisation=placement.offer.organisation,
        target_type="case",
        target_id=str(placement.case_id),
        data={"placement": placement.pk, "offer": placement.offer_id, **data},
    )


def placement_end(actor: Member | None, placement: Placement, decision: str) -> None:
    placement.decision = decision
    placement.ended_at = timezone.now()
    placement.address_for_requester = None
    placement.save(update_fields=["decision", "ended_at", "address_for_requester"])
    bump(placement.offer.organisation_id, placement.offer.country)


def placements_end_for_case(*, actor: Member | None, case: Case) -> int:
    """Inside the transaction that closes or shreds a case: withdraw what waits, check out who
    stays, so no bed stays held for a case that has ended. Returns how many ended."""
    ended = 0
    for placement in (
        Placement.objects.select_for_update()
        .select_related("offer__organisation")
        .filter(case_id=case.pk, decision__in=LIVE)
    ):
        checked_in = placement.decision == Decision.CHECKED_IN
        placement_end(actor, placement, Decision.CHECKED_OUT if checked_in else Decision.WITHDRAWN)
        placement_audit(
            actor,
            placement,
            "placement.check_out" if checked_in else "placement.withdraw",
            because="case-ended",
        )
        ended += 1
    return ended
