"""A placement's life, from the coordinator's proposal to the guest's check-out (the diagram is
in docs/placements.md). Every step is atomic and audited on the case, moves the case only along
its own transition rules, and is refused on a closed or shredded case. A live placement holds its
beds for its stay's dates; every ending frees them."""

import json
from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from haven.accounts.models import Member, Organisation
from haven.accounts.unlock import Keyring
from haven.cases.lifecycle import case_follow_placement, case_triage
from haven.cases.models import Case, Status
from haven.crypto.keys import seal_to
from haven.matching.cache import bump
from haven.notifications.models import Topic
from haven.notifications.services import notify, ping_requester
from haven.volunteers.access import require_coordinator_of
from haven.volunteers.endings import placement_audit, placement_end
from haven.volunteers.models import LIVE, BedOffer, Decision, Placement
from haven.volunteers.offering import bed_offer_read_own

# How often the worker looks for proposals nobody answered.
EXPIRY_BATCH = 500


def _now() -> datetime:
    return timezone.now()


def overlapping(stay_from: date, stay_until: date) -> Q:
    """Live placements whose stay shares at least one night with these dates."""
    return Q(decision__in=LIVE, stay_from__lte=stay_until, stay_until__gte=stay_from)


def beds_taken(
    offer: BedOffer, stay_from: date | None = None, stay_until: date | None = None
) -> int:
    """People a live placement holds in this offer on any night of these dates (by default from
    today to the offer's last day)."""
    start = stay_from or timezone.localdate()
    end = stay_until or offer.available_until
    taken = offer.placements.filter(overlapping(start, end)).aggregate(total=Sum("people"))
    return int(taken["total"] or 0)


def stay_of(case: Case, offer: BedOffer) -> tuple[date, date]:
    """The nights a group would stay: from its first day (not before today or the offer's first
    day) to its last day, or the offer's last day when it gave none."""
    start = max(case.date_from, offer.available_from, timezone.localdate())
    end = min(case.date_until or offer.available_until, offer.available_until)
    return start, end


def _refuse_if_ended(case: Case) -> None:
    if case.shredded:
        raise ValidationError(_("This case was shredded: nobody can be placed."), code="shredded")
    if case.status == Status.CLOSED:
        raise ValidationError(_("This case is closed: nobody can be placed for it."), code="ended")
    if case.status == Status.RESOLVED:
        raise ValidationError(
            _("This case is resolved: reopen it before placing anyone."), code="ended"
        )


def _locked(placement: Placement) -> Placement:
    return (
        Placement.objects.select_for_update()
        .select_related("offer__organisation", "case__organisation")
        .get(pk=placement.pk)
    )


def _back_to_pool(actor: Member | None, placement: Placement) -> None:
    """A placement that ended without a stay puts its case back among the ones to match."""
    case = Case.objects.get(pk=placement.case_id)
    if case.status == Status.IN_PROGRESS and not case.shredded:
        case_follow_placement(actor=actor, case=case, status=Status.TRIAGED)


@transaction.atomic
def placement_confirm(*, actor: Member, case: Case, offer: BedOffer) -> Placement:
    """A coordinator proposes a case to a bed offer for the group's dates; the host is asked to
    accept. A new request is accepted by the same act; the case moves to "in progress"."""
    require_coordinator_of(actor, case.organisation_id)
    if offer.organisation_id != case.organisation_id:
        raise PermissionError("offers and cases of one organisation only")
    case = Case.objects.select_for_update().select_related("organisation").get(pk=case.pk)
    _refuse_if_ended(case)
    offer = BedOffer.objects.select_for_update().select_related("member").get(pk=offer.pk)
    if offer.paused or not offer.member.is_active:
        raise ValidationError(_("This offer is paused; choose another."), code="paused")
    stay_from, stay_until = stay_of(case, offer)
    if stay_until < stay_from:
        raise ValidationError(_("This offer ends before the group can arrive."), code="dates")
    if beds_taken(offer, stay_from, stay_until) + case.group_size > offer.capacity:
        raise ValidationError(_("Not enough free beds in this offer for the group."), code="full")
    if Placement.objects.filter(case=case, decision__in=LIVE).exists():
        raise ValidationError(_("This case already has a place proposed or agreed."), code="twice")
    if case.status == Status.NEW:
        case_triage(actor=actor, case=case, decision="accept")
        case.refresh_from_db()
    placement = Placement.objects.create(
        case=case,
        offer=offer,
        people=case.group_size,
        confirmed_by=actor,
        confirmed_at=_now(),
        stay_from=stay_from,
        stay_until=stay_until,
    )
    if case.status == Status.TRIAGED:
        case_follow_placement(actor=actor, case=case, status=Status.IN_PROGRESS)
    bump(offer.organisation_id, offer.country)
    notify(member_ids=[offer.member_id], topic=Topic.PROPOSAL)
    ping_requester(case_id=case.pk)
    placement_audit(
        actor, placement, "placement.confirm", stay_from=str(stay_from), until=str(stay_until)
    )
    return placement


@transaction.atomic
def placement_decide(*, keyring: Keyring, placement: Placement, accept: bool) -> Placement:
    """The host accepts or declines. On acceptance the host's address and contact are re-sealed
    to the requester's public key (the escrow); a decline frees the beds and returns the case to
    the pool."""
    actor = keyring.member
    placement = _locked(placement)
    if placement.offer.member_id != actor.pk:
        raise PermissionError("only the host decides on a placement with them")
    if placement.decision != Decision.PROPOSED:
        raise ValidationError(_("You already answered this one."), code="decided")
    if accept:
        _refuse_if_ended(placement.case)
    placement.decision = Decision.ACCEPTED if accept else Decision.DECLINED
    placement.decided_at = _now()
    if accept:
        own = bed_offer_read_own(keyring=keyring, offer=placement.offer)
        escrowed = json.dumps(
            {"address": own["address"], "contact": own["contact"], "rules": own["rules"]},
            ensure_ascii=False,
        ).encode("utf-8")
        placement.address_for_requester = seal_to(
            bytes(placement.case.requester_public_key), escrowed
        )
    placement.save(update_fields=["decision", "decided_at", "address_for_requester"])
    if not accept:
        _back_to_pool(actor, placement)
    ping_requester(case_id=placement.case_id)
    bump(placement.offer.organisation_id, placement.offer.country)
    placement_audit(actor, placement, "placement.accept" if accept else "placement.decline")
    return placement


def _may_run_stay(actor: Member, placement: Placement) -> None:
    """The host of the offer or a coordinator of the organisation records arrivals and leavings."""
    if placement.offer.member_id == actor.pk and actor.is_active:
        return
    require_coordinator_of(actor, placement.offer.organisation_id)


@transaction.atomic
def placement_check_in(*, actor: Member, placement: Placement) -> Placement:
    """The guests arrived at the host's: the stay begins."""
    placement = _locked(placement)
    _may_run_stay(actor, placement)
    _refuse_if_ended(placement.case)
    if placement.decision != Decision.ACCEPTED:
        raise ValidationError(
            _("Only a placement the host accepted can be checked in."), code="state"
        )
    placement.decision = Decision.CHECKED_IN
    placement.checked_in_at = _now()
    placement.save(update_fields=["decision", "checked_in_at"])
    placement_audit(actor, placement, "placement.check_in")
    return placement


@transaction.atomic
def placement_check_out(*, actor: Member, placement: Placement) -> Placement:
    """The guests left: the stay ends today and its beds are free from tonight."""
    placement = _locked(placement)
    _may_run_stay(actor, placement)
    if placement.decision != Decision.CHECKED_IN:
        raise ValidationError(_("Only guests who checked in can check out."), code="state")
    today = timezone.localdate()
    placement.decision = Decision.CHECKED_OUT
    placement.ended_at = _now()
    placement.stay_until = min(placement.stay_until, today)
    placement.address_for_requester = None
    placement.save(update_fields=["decision", "ended_at", "stay_until", "address_for_requester"])
    bump(placement.offer.organisation_id, placement.offer.country)
    placement_audit(actor, placement, "placement.check_out")
    return placement


@transaction.atomic
def placement_withdraw(*, actor: Member, placement: Placement) -> Placement:
    """A coordinator takes back a proposal or an accepted placement before the guests arrive:
    the escrowed address is destroyed, the beds are freed and the case returns to the pool."""
    placement = _locked(placement)
    require_coordinator_of(actor, placement.offer.organisation_id)
    if placement.decision not in (Decision.PROPOSED, Decision.ACCEPTED):
        raise ValidationError(
            _("Only a placement waiting for the host or accepted can be withdrawn."), code="state"
        )
    placement_end(actor, placement, Decision.WITHDRAWN)
    _back_to_pool(actor, placement)
    placement_audit(actor, placement, "placement.withdraw")
    return placement


def waiting_too_long(organisation: Organisation, now: datetime) -> QuerySet[Placement]:
    """Proposals of this organisation that their host has not answered in time."""
    cutoff = now - timedelta(hours=organisation.proposal_expiry_hours)
    return Placement.objects.filter(
        offer__organisation=organisation, decision=Decision.PROPOSED, confirmed_at__lte=cutoff
    )


def placements_expire(now: datetime | None = None) -> int:
    """Expire every proposal its host left unanswered past the organisation's time, freeing the
    beds and returning the case to the pool (the worker runs it); returns how many."""
    now = now or _now()
    expired = 0
    for organisation in Organisation.objects.all():
        while True:
            with transaction.atomic():
                batch = list(
                    waiting_too_long(organisation, now)
                    .select_for_update()
                    .select_related("offer__organisation")
                    .order_by("confirmed_at")[:EXPIRY_BATCH]
                )
                if not batch:
                    break
                for placement in batch:
                    placement_end(None, placement, Decision.EXPIRED)
                    _back_to_pool(None, placement)
                    # The requester's page now says the place fell through.
                    ping_requester(case_id=placement.case_id)
                    placement_audit(
                        None,
                        placement,
                        "placement.expire",
                        hours=organisation.proposal_expiry_hours,
                    )
                expired += len(batch)
    return expired
