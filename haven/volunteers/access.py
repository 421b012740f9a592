"""Who may act on the volunteer network: one check, shared by vetting, suspension and placements."""

from haven.accounts.models import Member


def require_coordinator_of(actor: Member, organisation_id: int) -> None:
    """Refuse anyone but an active coordinator of the organisation."""
    if not (actor.is_active and actor.is_coordinator and actor.organisation_id == organisation_id):
        raise PermissionError("only the organisation's coordinators may do this")
