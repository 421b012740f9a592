"""Writes of vetting: applying to help, vouching, opening an application with a reason, and
approving or rejecting it. Each is atomic and audited."""

import secrets
from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from haven.accounts.invites import invite_create
from haven.accounts.models import Invite, Member, Organisation
from haven.accounts.unlock import Keyring
from haven.audit.services import audit_record, to_the_hour
from haven.cases.access import RevealRefused
from haven.cases.reveal import MIN_REASON_LENGTH, reveal_gate
from haven.intake.forms import country_of
from haven.volunteers.access import require_coordinator_of
from haven.volunteers.models import Application, ApplicationStatus, Vouch
from haven.volunteers.queries import qualifying_vouches
from haven.volunteers.sealed import application_code_digest, open_row, seal_into

# Letters and digits that cannot be mistaken for one another when read aloud or copied by hand.
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


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
    seal_into(
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

    require_coordinator_of(actor, application.organisation_id)
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
    seal_into(vouch, "vouch", {"how_known": how_known}, [bytes(actor.organisation.public_key)])
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
    require_coordinator_of(actor, application.organisation_id)
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
    require_coordinator_of(actor, application.organisation_id)
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
