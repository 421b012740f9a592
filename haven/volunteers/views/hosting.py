"""Members' own offers (beds, counseling, transport) and the proposals put to hosts, with the
stay's check-in and check-out. Essential actions work without script."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Model
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from haven.accounts.models import Member
from haven.accounts.unlock import LOCKED_MESSAGE, Keyring
from haven.volunteers import offering, placements
from haven.volunteers.forms import BedOfferForm, CounselingOfferForm, TransportOfferForm
from haven.volunteers.models import BedOffer, CounselingOffer, Placement, TransportOffer
from haven.volunteers.queries import proposals_for


def _member(request: HttpRequest) -> Member:
    return request.user  # type: ignore[return-value]  # AuthorizationMiddleware checked


def _keyring(request: HttpRequest) -> Keyring | None:
    return request.keyring  # type: ignore[attr-defined]


# Offers.

OFFER_KINDS: dict[str, tuple[type[Model], Any]] = {
    "beds": (BedOffer, BedOfferForm),
    "counseling": (CounselingOffer, CounselingOfferForm),
    "transport": (TransportOffer, TransportOfferForm),
}


def offers(request: HttpRequest) -> HttpResponse:
    """The member's own offers, each with a one-click pause."""
    member = _member(request)
    return render(
        request,
        "volunteers/offers.html",
        {
            "beds": member.beds.order_by("available_from"),
            "counseling": member.counseling.all(),
            "transport": member.transport.order_by("date"),
        },
    )


def _own_offer(member: Member, kind: str, offer_id: int | None) -> Model | None:
    if kind not in OFFER_KINDS:
        raise Http404
    if offer_id is None:
        return None
    model = OFFER_KINDS[kind][0]
    offer = model._default_manager.filter(pk=offer_id, member=member).first()
    if offer is None:
        raise Http404
    return offer


def _initial(kind: str, offer: Model | None, keyring: Keyring | None) -> dict[str, Any]:
    if offer is None:
        return {}
    if isinstance(offer, BedOffer):
        own = offering.bed_offer_read_own(keyring=keyring, offer=offer) if keyring else {}
        return {
            "place": offer.place,
            "capacity": offer.capacity,
            "available_from": offer.available_from,
            "available_until": offer.available_until,
            "languages": offer.languages,
            "accepts": offer.accepts,
            **own,
        }
    if isinstance(offer, CounselingOffer):
        return {
            "topics": offer.topics,
            "languages": offer.languages,
            "countries": offer.countries,
            "weekly_capacity": offer.weekly_capacity,
            "mode": offer.mode,
            "place": offer.place,
        }
    if not isinstance(offer, TransportOffer):
        raise TypeError(f"not an offer: {offer!r}")
    return {
        "origin": offer.origin,
        "destination": offer.destination,
        "seats": offer.seats,
        "day": offer.date,
    }


def _save(kind: str, member: Member, offer: Model | None, data: dict[str, Any]) -> None:
    if kind == "beds":
        offering.bed_offer_save(actor=member, offer=offer, **data)  # type: ignore[arg-type]
    elif kind == "counseling":
        offering.counseling_offer_save(actor=member, offer=offer, **data)  # type: ignore[arg-type]
    else:
        offering.transport_offer_save(actor=member, offer=offer, **data)  # type: ignore[arg-type]


@require_http_methods(["GET", "POST"])
def offer_edit(request: HttpRequest, kind: str, offer_id: int | None = None) -> HttpResponse:
    """Create or change one offer."""
    member = _member(request)
    offer = _own_offer(member, kind, offer_id)
    form_class, template = OFFER_KINDS[kind][1], "volunteers/offer.html"
    keyring = _keyring(request)
    if request.method == "GET":
        form = form_class(initial=_initial(kind, offer, keyring))
        return render(request, template, {"form": form, "offer": offer})
    form = form_class(request.POST)
    if form.is_valid():
        if kind == "beds" and offer is not None and keyring is None:
            form.add_error(None, LOCKED_MESSAGE)
        else:
            try:
                _save(kind, member, offer, form.cleaned_data)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                return redirect("network:offers")
    return render(request, template, {"form": form, "offer": offer}, status=400)


@require_POST
def offer_pause(request: HttpRequest, kind: str, offer_id: int) -> HttpResponse:
    """Pause or resume an offer in one click."""
    member = _member(request)
    offer = _own_offer(member, kind, offer_id)
    offering.offer_pause(actor=member, offer=offer, paused=request.POST.get("paused") == "1")  # type: ignore[arg-type]
    return redirect("network:offers")


# Proposals to hosts.


HOST_MESSAGE = "haven.host-message"


def proposals(request: HttpRequest) -> HttpResponse:
    """Groups proposed to this host: their coarse profile only, until the host accepts."""
    return render(
        request,
        "volunteers/proposals.html",
        {
            "placements": proposals_for(_member(request)),
            "message": request.session.pop(HOST_MESSAGE, None),
        },
    )


@require_POST
def decide(request: HttpRequest, placement_id: int) -> HttpResponse:
    """The host accepts or declines a proposed group."""
    member = _member(request)
    placement = Placement.objects.filter(pk=placement_id, offer__member=member).first()
    if placement is None:
        raise Http404
    keyring = _keyring(request)
    if keyring is None:
        return redirect("accounts:login")
    accept = request.POST.get("accept") == "1"
    try:
        placements.placement_decide(keyring=keyring, placement=placement, accept=accept)
    except ValidationError as error:
        request.session[HOST_MESSAGE] = " ".join(error.messages)
    else:
        request.session[HOST_MESSAGE] = str(
            _("You accepted: the group now sees your address and contact.")
            if accept
            else _("You declined: the coordinators look for another place for the group.")
        )
    return redirect("network:proposals")


@require_POST
def stay(request: HttpRequest, placement_id: int) -> HttpResponse:
    """The host records that the guests arrived, or that they left."""
    member = _member(request)
    placement = Placement.objects.filter(pk=placement_id, offer__member=member).first()
    if placement is None:
        raise Http404
    arriving = request.POST.get("step") == "check_in"
    try:
        if arriving:
            placements.placement_check_in(actor=member, placement=placement)
        else:
            placements.placement_check_out(actor=member, placement=placement)
    except ValidationError as error:
        request.session[HOST_MESSAGE] = " ".join(error.messages)
    else:
        request.session[HOST_MESSAGE] = str(
            _("Checked in: the stay has begun.")
            if arriving
            else _("Checked out: your beds are free again from tonight.")
        )
    return redirect("network:proposals")
