"""Every write of the volunteer network: applying, vouching, approving, suspending, reporting,
offering, and putting placements to hosts with the address escrow."""

import secrets
from collections.abc import Sequence
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from haven.accounts.approvals import approval_request
from haven.accounts.invites import invite_create
from haven.accounts.lifecycle import member_sessions_end
from haven.accounts.models import Act, Approval, Invite, Member, Organisation
from haven.accounts.unlock import Keyring
from haven.audit.services import audit_record, to_the_hour
from haven.cases.models import CaseShare
from haven.crypto.keys import keyed_digest
from haven.crypto.sealing import open_data_key, open_fields, seal_fields
from haven.intake.forms import country_of
from haven.matching.cache import bump
from haven.volunteers.models import (
    Application,
    ApplicationStatus,
    BedOffer,
    CounselingOffer,
    MemberReport,
    TransportOffer,
    Vouch,
)
from haven.volunteers.queries import qualifying_vouches

# Letters and digits that cannot be mistaken for one another when read aloud or copied by hand.
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
# Who was vouched for by a suspended member this recently is flagged for review.
SUSPENSION_LOOKBACK = timedelta(days=180)


def _coordinator_of(actor: Member, organisation_id: int) -> None:
    if not (actor.is_active and actor.is_coordinator and actor.organisation_id == organisation_id):
        raise PermissionError("only the organisation's coordinators may do this")


def _seal_into(
    row: models.Model, prefix: str, values: dict[str, str], recipients: list[bytes]
) -> list[bytes]:
    """Seal `values` for a saved row (its id goes inside every plaintext) and store them in the
    row's `<field>_sealed` columns; returns the data key sealed to each recipient."""
    keys, sealed = seal_fields(recipients=recipients, record_id=f"{prefix}:{row.pk}", values=values)
    type(row)._default_manager.filter(pk=row.pk).update(
        sealed_key=keys[0], **{f"{field}_sealed": value for field, value in sealed.items()}
    )
    return keys


def open_row(
    *, data_key: bytes, row: models.Model, prefix: str, fields: Sequence[str]
) -> dict[str, str]:
    """Open the sealed columns `_seal_into` wrote."""
    return open_fields(
        data_key=data_key,
        record_id=f"{prefix}:{row.pk}",
        sealed={field: getattr(row, f"{field}_sealed") for field in fields},
    )


def application_code_digest(code: str) -> bytes:
    """The digest an application is found by from the code its applicant hands out."""
    normalised = "".join(code.upper().split()).replace("-", "")
    return keyed_digest(
        normalised.encode(), key=settings.HAVEN_PEPPER.encode(), purpose="application-code"
    )


@transaction.atomic
def application_submit(
    *,
    organisation: Organisation,
    offerings: Sequence[str],
    place: str,
    languages: Sequence[str],
    name: str,
    contact: str,
    about: str,
) -> tuple[Application, str]:
    """Take an application to help; the applicant's name, contact and words are sealed. Returns
    the code the applicant gives to the members who will vouch for them."""
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(10))
    code = f"{raw[:5]}-{raw[5:]}"
    application = Application.objects.create(
        code_digest=application_code_digest(code),
        organisation=organisation,
        offerings=sorted(offerings),
        country=country_of(place),
        place=place,
        languages=list(languages),
        created_hour=to_the_hour(timezone.now()),
        sealed_key=b"",
    )
    _seal_into(
        application,
        "application",
        {"name": name, "contact": contact, "about": about},
        [bytes(organisation.public_key)],
    )
    audit_record(
        actor=None,
        action="application.submit",
        organisation=organisation,
        target_type="application",
        target_id=str(application.pk),
        data={"country": application.country, "offerings": application.offerings},
    )
    application.refresh_from_db()
    return application, code


def application_read(
    *, actor: Member, keyring: Keyring, application: Application, reason: str
) -> dict[str, str]:
    """A coordinator opens an applicant's (or, once approved, a member's) name, contact and words,
    and what each voucher wrote of how they know them (under "vouch:<id>"), giving a reason. It
    counts against the same hourly limit as opening a case and is audited with the reason,
    sealed."""
    from haven.cases.services import MIN_REASON_LENGTH, RevealRefused, reveal_gate

    _coordinator_of(actor, application.organisation_id)
    reason = reason.strip()
    if len(reason) < MIN_REASON_LENGTH:
        raise RevealRefused(
            _("Say why you need to read this (at least %(count)d characters).")
            % {"count": MIN_REASON_LENGTH}
        )
    reveal_gate(actor, f"application:{application.pk}", application.organisation)
    vouches = list(application.vouches.order_by("created_at"))
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="application.reveal",
            organisation=actor.organisation,
            target_type="application",
            target_id=str(application.pk),
            data={"vouch_notes": len(vouches)},
            note=reason,
        )
    opened = open_row(
        data_key=keyring.open_record_key(bytes(application.sealed_key)),
        row=application,
        prefix="application",
        fields=("name", "contact", "about"),
    )
    for vouch in vouches:
        note = open_row(
            data_key=keyring.open_record_key(bytes(vouch.sealed_key)),
            row=vouch,
            prefix="vouch",
            fields=("how_known",),
        )
        opened[f"vouch:{vouch.pk}"] = note["how_known"]
    return opened


@transaction.atomic
def vouch_give(*, actor: Member, application: Application, how_known: str) -> Vouch:
    """A member vouches for an applicant, saying how they know them (sealed to the organisation)."""
    if not actor.is_active or actor.organisation_id != application.organisation_id:
        raise PermissionError("only the organisation's active members vouch")
    if application.status != ApplicationStatus.PENDING:
        raise ValidationError(_("This application is already decided."), code="decided")
    how_known = how_known.strip()
    if len(how_known) < 10:
        raise ValidationError(
            _("Say how you know this person (at least 10 characters)."), code="how-known"
        )
    if Vouch.objects.filter(
        application=application, voucher=actor, withdrawn_at__isnull=True
    ).exists():
        raise ValidationError(_("You already vouch for this person."), code="twice")
    vouch = Vouch.objects.create(
        application=application,
        voucher=actor,
        created_at=timezone.now(),
        sealed_key=b"",
        how_known_sealed=b"",
    )
    _seal_into(vouch, "vouch", {"how_known": how_known}, [bytes(actor.organisation.public_key)])
    audit_record(
        actor=actor,
        action="vouch.give",
        organisation=actor.organisation,
        target_type="application",
        target_id=str(application.pk),
    )
    return vouch


@transaction.atomic
def vouch_withdraw(*, actor: Member, vouch: Vouch) -> None:
    """The voucher takes their word back."""
    if vouch.voucher_id != actor.pk:
        raise PermissionError("members withdraw their own vouches")
    Vouch.objects.filter(pk=vouch.pk, withdrawn_at__isnull=True).update(withdrawn_at=timezone.now())
    audit_record(
        actor=actor,
        action="vouch.withdraw",
        organisation=actor.organisation,
        target_type="application",
        target_id=str(vouch.application_id),
    )


@transaction.atomic
def application_approve(
    *,
    actor: Member,
    application: Application,
    role: str,
    organisation_private_key: bytes | None,
) -> tuple[Invite, str]:
    """Approve an applicant once the rule is met; returns the one-time invite code to pass on."""
    _coordinator_of(actor, application.organisation_id)
    application = Application.objects.select_for_update().get(pk=application.pk)
    if application.status != ApplicationStatus.PENDING:
        raise ValidationError(_("This application is already decided."), code="decided")
    organisation = application.organisation
    have = qualifying_vouches(application).count()
    if have < organisation.vouches_required:
        raise ValidationError(
            _(
                "%(have)d of the %(need)d vouches needed from members vetted at least %(days)d "
                "days ago."
            )
            % {
                "have": have,
                "need": organisation.vouches_required,
                "days": organisation.voucher_min_days,
            },
            code="vouches",
        )
    Application.objects.filter(pk=application.pk).update(
        status=ApplicationStatus.APPROVED, decided_at=timezone.now(), decided_by=actor
    )
    invite, code = invite_create(
        actor=actor,
        role=role,
        organisation_private_key=organisation_private_key,
        application=application,
    )
    audit_record(
        actor=actor,
        action="application.approve",
        organisation=organisation,
        target_type="application",
        target_id=str(application.pk),
        data={"role": role, "vouches": have},
    )
    return invite, code


@transaction.atomic
def application_reject(*, actor: Member, application: Application) -> None:
    """Turn an application down."""
    _coordinator_of(actor, application.organisation_id)
    Application.objects.filter(pk=application.pk, status=ApplicationStatus.PENDING).update(
        status=ApplicationStatus.REJECTED, decided_at=timezone.now(), decided_by=actor
    )
    audit_record(
        actor=actor,
        action="application.reject",
        organisation=actor.organisation,
        target_type="application",
        target_id=str(application.pk),
    )


def vouched_by(member: Member, since: datetime | None = None) -> list[Member]:
    """Members who joined on applications this member vouched for (since a time, if given)."""
    vouches = Vouch.objects.filter(voucher=member)
    if since is not None:
        vouches = vouches.filter(created_at__gte=since)
    joined = Invite.objects.filter(
        application_id__in=vouches.values("application_id"), used_by__isnull=False
    ).values("used_by")
    return list(Member.objects.filter(pk__in=joined).order_by("handle"))


@transaction.atomic
def member_suspend(*, actor: Member, member: Member, reason: str) -> list[Member] | Approval:
    """Suspend a suspected informer; flag for review everyone they vouched for lately. A
    coordinator is suspended only when a second, independent coordinator approves: the request
    is returned and nothing changes yet."""
    _coordinator_of(actor, member.organisation_id)
    if member.pk == actor.pk:
        raise ValidationError(_("You cannot suspend yourself."), code="self")
    if len(reason.strip()) < 8:
        raise ValidationError(_("Give the reason (at least 8 characters)."), code="reason")
    if member.is_coordinator:
        return approval_request(
            actor=actor, act=Act.SUSPEND, target_id=str(member.pk), reason=reason
        )
    return _suspend(actor=actor, member=member, reason=reason.strip())


def member_suspend_approved(*, approval: Approval, approver: Member, reason: str) -> None:
    """Suspend the coordinator a second coordinator approved suspending (inside the approval's
    transaction)."""
    member = Member.objects.filter(
        pk=int(approval.target_id), organisation_id=approval.organisation_id, is_active=True
    ).first()
    if member is not None:
        _suspend(actor=approver, member=member, reason=reason, requested_by=approval.requested_by)


@transaction.atomic
def member_suspend_by_admin(*, member: Member, reason: str) -> list[Member]:
    """An admin suspends a member, coordinator or not, through `haven org suspend`: the way out
    when too few coordinators are left to approve (or the one to suspend is the only one)."""
    if len(reason.strip()) < 8:
        raise ValidationError(_("Give the reason (at least 8 characters)."), code="reason")
    return _suspend(actor=None, member=member, reason=reason.strip())


def _suspend(
    *, actor: Member | None, member: Member, reason: str, requested_by: Member | None = None
) -> list[Member]:
    now = timezone.now()
    Member.objects.filter(pk=member.pk).update(
        is_active=False,
        suspended_at=now,
        sealed_organisation_key=None,
        sealed_next_organisation_key=None,
    )
    # Their sessions and API tokens die with their trust, the keys held in them too.
    member_sessions_end(actor=actor, member=member, why="suspension")
    # The cases shared with them: their sealed copies of the case keys go too.
    CaseShare.objects.filter(member=member, unshared_at__isnull=True).update(
        sealed_key=None, unshared_at=now
    )
    flagged = [
        other for other in vouched_by(member, since=now - SUSPENSION_LOOKBACK) if other.is_active
    ]
    Member.objects.filter(pk__in=[other.pk for other in flagged]).update(review_flagged_at=now)
    # The suspended member's beds leave every region they were in.
    for country in set(BedOffer.objects.filter(member=member).values_list("country", flat=True)):
        bump(member.organisation_id, country)
    audit_record(
        actor=actor,
        action="member.suspend",
        organisation=member.organisation,
        target_type="member",
        target_id=str(member.pk),
        data={
            "flagged": [other.pk for other in flagged],
            **({"requested_by": requested_by.pk} if requested_by is not None else {}),
        },
        note=reason,
    )
    return flagged


@transaction.atomic
def member_review_clear(*, actor: Member, member: Member) -> None:
    """A coordinator has reviewed a flagged member and keeps them."""
    _coordinator_of(actor, member.organisation_id)
    Member.objects.filter(pk=member.pk).update(review_flagged_at=None)
    audit_record(
        actor=actor,
        action="member.review_clear",
        organisation=actor.organisation,
        target_type="member",
        target_id=str(member.pk),
    )


def member_reports_read(
    *, actor: Member, keyring: Keyring, member: Member, reason: str
) -> dict[int, str]:
    """A coordinator reads what members reported about a member, giving a reason: counted against
    the hourly reveal limit like a case, audited with the reason sealed."""
    from haven.cases.services import MIN_REASON_LENGTH, RevealRefused, reveal_gate

    _coordinator_of(actor, member.organisation_id)
    reason = reason.strip()
    if len(reason) < MIN_REASON_LENGTH:
        raise RevealRefused(
            _("Say why you need to read this (at least %(count)d characters).")
            % {"count": MIN_REASON_LENGTH}
        )
    reveal_gate(actor, f"member:{member.pk}", member.organisation)
    reports = list(MemberReport.objects.filter(subject=member).order_by("-created_at"))
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="member.reports.reveal",
            organisation=actor.organisation,
            target_type="member",
            target_id=str(member.pk),
            data={"reports": len(reports)},
            note=reason,
        )
    return {
        report.pk: open_row(
            data_key=keyring.open_record_key(bytes(report.sealed_key)),
            row=report,
            prefix="report",
            fields=("text",),
        )["text"]
        for report in reports
    }


@transaction.atomic
def member_report(*, actor: Member, subject: Member, text: str) -> MemberReport:
    """Report a member to the coordinators; the words are sealed to the organisation."""
    if not actor.is_active or actor.organisation_id != subject.organisation_id:
        raise PermissionError("members report members of their own organisation")
    if len(text.strip()) < 10:
        raise ValidationError(_("Say what happened (at least 10 characters)."), code="text")
    report = MemberReport.objects.create(
        organisation=actor.organisation,
        reporter=actor,
        subject=subject,
        created_at=timezone.now(),
        sealed_key=b"",
        text_sealed=b"",
    )
    _seal_into(report, "report", {"text": text.strip()}, [bytes(actor.organisation.public_key)])
    audit_record(
        actor=actor,
        action="member.report",
        organisation=actor.organisation,
        target_type="member",
        target_id=str(subject.pk),
    )
    return report


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
    keys = _seal_into(
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
