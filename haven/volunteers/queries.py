"""Reading the volunteer network."""

import json
from dataclasses import dataclass, field
from datetime import date, timedelta
from uuid import UUID

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from haven.accounts.models import Invite, Member, Organisation
from haven.crypto import WrongKey
from haven.crypto.keys import open_sealed
from haven.volunteers.models import (
    LIVE,
    Application,
    ApplicationStatus,
    Decision,
    Placement,
    Vouch,
)
from haven.volunteers.sealed import application_code_digest


def _counting(organisation: Organisation, prefix: str = "") -> Q:
    """The vetting rule's test of a vouch: live, from an active member vetted long enough ago."""
    cutoff = timezone.now() - timedelta(days=organisation.voucher_min_days)
    return Q(
        **{
            f"{prefix}withdrawn_at__isnull": True,
            f"{prefix}voucher__is_active": True,
            f"{prefix}voucher__vetted_at__lte": cutoff,
        }
    )


def qualifying_vouches(application: Application) -> QuerySet[Vouch]:
    """Live vouches from active members vetted long enough ago to count under the rule."""
    return Vouch.objects.filter(_counting(application.organisation), application=application)


def pending_applications(member: Member) -> QuerySet[Application]:
    """Applications waiting in the member's organisation, oldest first, each with its count of
    qualifying vouches (`qualifying`) in the same query."""
    return (
        Application.objects.filter(
            organisation_id=member.organisation_id, status=ApplicationStatus.PENDING
        )
        .annotate(qualifying=Count("vouches", filter=_counting(member.organisation, "vouches__")))
        .order_by("created_hour", "id")
    )


def application_for(member: Member, application_id: int) -> Application | None:
    """One application of the member's organisation."""
    return (
        Application.objects.select_related("organisation")
        .filter(organisation_id=member.organisation_id, pk=application_id)
        .first()
    )


def proposals_for(host: Member) -> QuerySet[Placement]:
    """Placements put to this host, newest first, with the coarse case profile."""
    return (
        Placement.objects.filter(offer__member=host)
        .select_related("case", "offer")
        .order_by("-confirmed_at")
    )


def vouchers_of(member: Member) -> list[Member]:
    """Who vouched for the application this member joined on."""
    invite = Invite.objects.filter(used_by=member, application__isnull=False).first()
    if invite is None or invite.application_id is None:
        return []
    return list(
        Member.objects.filter(vouches_given__application_id=invite.application_id).order_by(
            "handle"
        )
    )


def application_by_code(member: Member, code: str) -> Application | None:
    """The pending application of the member's organisation that this code names."""
    return (
        Application.objects.select_related("organisation")
        .filter(
            organisation_id=member.organisation_id,
            code_digest=application_code_digest(code),
            status=ApplicationStatus.PENDING,
        )
        .first()
    )


@dataclass(frozen=True)
class RequesterPlace:
    """What a requester may see of the place proposed to them, and where its placement stands."""

    place: str
    available_from: date
    available_until: date
    accepted: bool
    state: str = Decision.PROPOSED
    address: str = field(default="", repr=False)
    contact: str = field(default="", repr=False)
    rules: str = field(default="", repr=False)

    @property
    def live(self) -> bool:
        return self.state in LIVE


def place_for_requester(
    case_id: UUID, requester_private_key: bytes | None
) -> RequesterPlace | None:
    """The newest placement of a case as its requester sees it: city and nights until the host
    accepts; then also the escrowed address, opened with the requester's own key. A placement
    that ended shows only how it ended (the escrowed address is destroyed when it ends)."""
    placement = (
        Placement.objects.filter(case_id=case_id)
        .select_related("offer")
        .order_by("-confirmed_at", "-pk")
        .first()
    )
    if placement is None:
        return None
    offer = placement.offer
    shown = RequesterPlace(
        place=offer.place,
        available_from=placement.stay_from,
        available_until=placement.stay_until,
        accepted=placement.decision in (Decision.ACCEPTED, Decision.CHECKED_IN),
        state=placement.decision,
    )
    if not (shown.accepted and placement.address_for_requester and requester_private_key):
        return shown
    try:
        opened = json.loads(
            open_sealed(requester_private_key, bytes(placement.address_for_requester))
        )
    except WrongKey:
        return shown
    return RequesterPlace(
        place=shown.place,
        available_from=shown.available_from,
        available_until=shown.available_until,
        accepted=True,
        state=shown.state,
        address=opened["address"],
        contact=opened["contact"],
        rules=opened.get("rules", ""),
    )
