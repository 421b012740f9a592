"""The desk's matching pages: suggestions on a case, and the surge optimiser over a country."""

from uuid import UUID

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST

from haven.accounts.models import Member
from haven.cases.models import Case
from haven.cases.queries import case_for
from haven.core.geography import country_name
from haven.core.places import COUNTRIES
from haven.core.templatetags.haven import place_label
from haven.matching.queries import unplaced_by_reason
from haven.matching.services import confirm_pairs, plan_rows, propose, propose_network
from haven.volunteers.models import BedOffer, Placement
from haven.volunteers.placements import (
    placement_check_in,
    placement_check_out,
    placement_confirm,
    placement_withdraw,
)


def _member(request: HttpRequest) -> Member:
    return request.user  # type: ignore[return-value]  # AuthorizationMiddleware checked


MESSAGE_SESSION = "haven.desk-message"


@require_POST
def place(request: HttpRequest, case_id: UUID) -> HttpResponse:
    """Confirm one suggested bed for a case; its host is asked to accept."""
    member = _member(request)
    case = case_for(member, case_id)
    offer = BedOffer.objects.filter(
        pk=request.POST.get("offer", "0") if request.POST.get("offer", "").isdigit() else 0,
        organisation_id=member.organisation_id,
    ).first()
    if case is None:
        raise Http404
    if offer is None:
        request.session[MESSAGE_SESSION] = str(_("Choose a bed from the suggestions."))
        return redirect("desk:case", case_id=case.pk)
    try:
        placement = placement_confirm(actor=member, case=case, offer=offer)
    except ValidationError as error:
        request.session[MESSAGE_SESSION] = " ".join(error.messages)
    else:
        request.session[MESSAGE_SESSION] = str(
            _(
                "Proposed to the host in %(city)s for %(start)s – %(end)s; the case is now "
                "“In progress”. The host is asked to accept within %(hours)d hours."
            )
            % {
                "city": place_label(offer.place),
                "start": date_format(placement.stay_from, "j E"),
                "end": date_format(placement.stay_until, "j E Y"),
                "hours": member.organisation.proposal_expiry_hours,
            }
        )
    return redirect("desk:case", case_id=case.pk)


STEPS = {
    "withdraw": (
        placement_withdraw,
        _("Withdrawn: the beds are free and the case is back among those to place."),
    ),
    "check_in": (placement_check_in, _("Checked in: the stay has begun.")),
    "check_out": (
        placement_check_out,
        _("Checked out: the host's beds are free again; resolve the case when help is done."),
    ),
}


@require_POST
def placement_step(request: HttpRequest, case_id: UUID, placement_id: int) -> HttpResponse:
    """A coordinator withdraws a placement, or records the guests' arrival or leaving."""
    member = _member(request)
    case = case_for(member, case_id)
    if case is None:
        raise Http404
    placement = Placement.objects.filter(pk=placement_id, case=case).first()
    if placement is None:
        raise Http404
    step = STEPS.get(request.POST.get("step", ""))
    if step is None:
        request.session[MESSAGE_SESSION] = str(_("Choose what to do with this placement."))
        return redirect("desk:case", case_id=case.pk)
    service, done = step
    try:
        service(actor=member, placement=placement)
    except ValidationError as error:
        request.session[MESSAGE_SESSION] = " ".join(error.messages)
    else:
        request.session[MESSAGE_SESSION] = str(done)
    return redirect("desk:case", case_id=case.pk)


@require_http_methods(["GET", "POST"])
def match(request: HttpRequest) -> HttpResponse:
    """Run the optimiser over one country; confirm all, some or none of what it proposes."""
    member = _member(request)
    country = (request.POST.get("country") or request.GET.get("country") or "").upper()
    countries = sorted(((code, country_name(code)) for code in COUNTRIES), key=lambda c: c[1])
    context: dict[str, object] = {"countries": countries, "country": country}
    if request.method == "POST":
        chosen = [value.split(":", 1) for value in request.POST.getlist("pair") if ":" in value]
        cases = {
            str(case.pk): case
            for case in Case.objects.filter(
                organisation_id=member.organisation_id, pk__in=[c for c, _o in _uuids(chosen)]
            )
        }
        offers = {
            str(offer.pk): offer
            for offer in BedOffer.objects.filter(
                organisation_id=member.organisation_id,
                pk__in=[o for _c, o in chosen if o.isdigit()],
            )
        }
        pairs = [(cases[c], offers[o]) for c, o in chosen if c in cases and o in offers]
        context["confirmed"] = confirm_pairs(actor=member, pairs=pairs)
        return render(request, "matching/match.html", context)
    if country in COUNTRIES or country == "ALL":
        proposal = (
            propose_network(member.organisation_id)
            if country == "ALL"
            else propose(member.organisation_id, country)
        )
        context["proposal"] = proposal
        context["rows"] = plan_rows(proposal)
        context["unplaced"] = unplaced_by_reason(dict(proposal.urgent_unplaced))
    return render(request, "matching/match.html", context)


def _uuids(pairs: list[list[str]]) -> list[tuple[str, str]]:
    valid = []
    for case_id, offer_id in pairs:
        try:
            valid.append((str(UUID(case_id)), offer_id))
        except ValueError:
            continue
    return valid
