"""Writes of what members offer: beds (their address sealed to the organisation and the host),
counseling and transport, and pausing any of them. Each is atomic and audited."""

from collections.abc import Sequence
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from haven.accounts.models import Member
from haven.accounts.unlock import Keyring
from haven.audit.services import audit_record
from haven.crypto.sealing import open_data_key
from haven.intake.forms import country_of
from haven.matching.cache import bump
from haven.volunteers.models import BedOffer, CounselingOffer, TransportOffer
from haven.volunteers.sealed import open_row, seal_into


@transaction.atomic
def bed_offer_save(
    *,
    actor: Member,
    offer: BedOffer | None,
    place: str,
    capacity: int,
    available_from: date,
    available_until: date,
    languages: Sequence[str],
    accepts: Sequence[str],
    address: str,
    contact: str,
    rules: str,
) -> BedOffer:
    """Create or change a host's bed offer. The address, contact and rules are sealed to the
    organisation and to the host, who can read them back and escrow them to a requester."""
    if not actor.is_active:
        raise PermissionError("only active members offer beds")
    if offer is not None and offer.member_id != actor.pk:
        raise PermissionError("hosts change their own offers")
    if available_until < available_from:
        raise ValidationError(_("The last day cannot come before the first."), code="dates")
    previous_country = offer.country if offer is not None else ""
    if offer is None:
        offer = BedOffer(
            member=actor,
            organisation=actor.organisation,
            created_at=timezone.now(),
            sealed_key=b"",
            host_sealed_key=b"",
        )
    offer.country, offer.place, offer.capacity = country_of(place), place, capacity
    offer.available_from, offer.available_until = available_from, available_until
    offer.languages, offer.accepts = list(languages), sorted(accepts)
    offer.save()
    keys = seal_into(
        offer,
        "bed",
        {"address": address, "contact": contact, "rules": rules},
        [bytes(actor.organisation.public_key), bytes(actor.public_key)],
    )
    BedOffer.objects.filter(pk=offer.pk).update(host_sealed_key=keys[1])
    bump(actor.organisation_id, offer.country)
    if previous_country and previous_country != offer.country:
        bump(actor.organisation_id, previous_country)
    audit_record(
        actor=actor,
        action="offer.beds.save",
        organisation=actor.organisation,
        target_type="bed_offer",
        target_id=str(offer.pk),
        data={"place": place, "capacity": capacity},
    )
    offer.refresh_from_db()
    return offer


def bed_offer_read_own(*, keyring: Keyring, offer: BedOffer) -> dict[str, str]:
    """The host reads back their own sealed address, contact and rules."""
    if offer.member_id != keyring.member.pk:
        raise PermissionError("hosts read their own offers")
    data_key = open_data_key(
        bytes(offer.host_sealed_key), with_private=keyring.member_private_key()
    )
    return open_row(
        data_key=data_key, row=offer, prefix="bed", fields=("address", "contact", "rules")
    )


@transaction.atomic
def counseling_offer_save(
    *,
    actor: Member,
    offer: CounselingOffer | None,
    topics: Sequence[str],
    languages: Sequence[str],
    countries: Sequence[str],
    weekly_capacity: int,
    mode: str,
    place: str,
) -> CounselingOffer:
    """Create or change what a counselor offers."""
    if not actor.is_active:
        raise PermissionError("only active members offer counseling")
    if offer is not None and offer.member_id != actor.pk:
        raise PermissionError("counselors change their own offers")
    offer = offer or CounselingOffer(
        member=actor, organisation=actor.organisation, created_at=timezone.now()
    )
    offer.topics, offer.languages = sorted(topics), list(languages)
    offer.countries, offer.weekly_capacity = sorted(countries), weekly_capacity
    offer.mode, offer.place = mode, place
    offer.save()
    audit_record(
        actor=actor,
        action="offer.counseling.save",
        organisation=actor.organisation,
        target_type="counseling_offer",
        target_id=str(offer.pk),
    )
    return offer


@transaction.atomic
def transport_offer_save(
    *,
    actor: Member,
    offer: TransportOffer | None,
    origin: str,
    destination: str,
    seats: int,
    day: date,
) -> TransportOffer:
    """Create or change a drive."""
    if not actor.is_active:
        raise PermissionError("only active members offer transport")
    if offer is not None and offer.member_id != actor.pk:
        raise PermissionError("drivers change their own offers")
    if origin == destination:
        raise ValidationError(_("The route must go somewhere else."), code="route")
    offer = offer or TransportOffer(
        member=actor, organisation=actor.organisation, created_at=timezone.now()
    )
    offer.origin, offer.destination, offer.seats, offer.date = origin, destination, seats, day
    offer.save()
    audit_record(
        actor=actor,
        action="offer.transport.save",
        organisation=actor.organisation,
        target_type="transport_offer",
        target_id=str(offer.pk),
    )
    return offer


@transaction.atomic
def offer_pause(
    *, actor: Member, offer: BedOffer | CounselingOffer | TransportOffer, paused: bool
) -> None:
    """Pause an offer, or take it up again, in one step."""
    if offer.member_id != actor.pk:
        raise PermissionError("members pause their own offers")
    type(offer)._default_manager.filter(pk=offer.pk).update(paused=paused)
    if isinstance(offer, BedOffer):
        bump(offer.organisation_id, offer.country)
    audit_record(
        actor=actor,
        action="offer.pause" if paused else "offer.resume",
        organisation=actor.organisation,
        target_type=type(offer).__name__,
        target_id=str(offer.pk),
    )
