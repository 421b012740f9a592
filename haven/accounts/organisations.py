"""Every write to organisations, and the making of a member with their own key pair."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from haven.accounts.credentials import check_passphrase_strength, member_kdf_cost
from haven.accounts.models import Member, Organisation, Role
from haven.audit.services import audit_record
from haven.crypto.keys import new_key_pair, seal_to, wrap_with_passphrase


def new_member(
    *,
    organisation: Organisation,
    handle: str,
    role: str,
    passphrase: str,
    organisation_private_key: bytes | None,
) -> Member:
    check_passphrase_strength(passphrase)
    if Member.objects.filter(handle=handle).exists():
        raise ValidationError(_("This name is taken; choose another."), code="handle-taken")
    pair = new_key_pair()
    now = timezone.now()
    member = Member(
        organisation=organisation,
        handle=handle,
        role=role,
        vetted_at=now,
        public_key=pair.public,
        wrapped_private_key=wrap_with_passphrase(pair.private, passphrase, member_kdf_cost()),
        sealed_organisation_key=(
            seal_to(pair.public, organisation_private_key) if organisation_private_key else None
        ),
        created_at=now,
    )
    member.set_unusable_password()
    member.full_clean(exclude=["password", "last_login"])
    member.save()
    return member


@transaction.atomic
def organisation_create(
    *, slug: str, name: str, coordinator_handle: str, coordinator_passphrase: str
) -> tuple[Organisation, Member]:
    """Create an organisation, its key pair, and its first coordinator (an admin's act)."""
    pair = new_key_pair()
    organisation = Organisation(
        slug=slug, name=name, public_key=pair.public, created_at=timezone.now()
    )
    organisation.full_clean()
    organisation.save()
    coordinator = new_member(
        organisation=organisation,
        handle=coordinator_handle,
        role=Role.COORDINATOR,
        passphrase=coordinator_passphrase,
        organisation_private_key=pair.private,
    )
    audit_record(
        actor=None,
        action="organisation.create",
        organisation=organisation,
        target_type="organisation",
        target_id=str(organisation.pk),
        data={"first_coordinator": coordinator.pk},
    )
    return organisation, coordinator


@transaction.atomic
def organisation_configure(
    *,
    organisation: Organisation,
    vouches_required: int | None = None,
    voucher_min_days: int | None = None,
    second_factor_required: bool | None = None,
    matching_weights: dict[str, object] | None = None,
    retention_days: int | None = None,
    reveals_per_hour: int | None = None,
    proposal_expiry_hours: int | None = None,
    dual_prices: bool | None = None,
) -> Organisation:
    """Change an organisation's vetting rule, second-factor rule, matching settings, retention or
    reveal limit, how long a host has to answer a proposal, or whether suggested beds rank with
    the offers' potentials (an admin's act through `haven org set`). Matching settings are
    checked by the engine's rules."""
    from haven.matching.engine import Weights

    changed: dict[str, object] = {}
    if vouches_required is not None:
        if not 0 <= vouches_required <= 20:
            raise ValidationError("vouches must be between 0 and 20", code="vouches")
        changed["vouches_required"] = vouches_required
    if voucher_min_days is not None:
        if not 0 <= voucher_min_days <= 3650:
            raise ValidationError("voucher days must be between 0 and 3650", code="days")
        changed["voucher_min_days"] = voucher_min_days
    if second_factor_required is not None:
        changed["second_factor_required"] = second_factor_required
    if retention_days is not None:
        if not 1 <= retention_days <= 3650:
            raise ValidationError("retention must be between 1 and 3650 days", code="retention")
        changed["retention_days"] = retention_days
    if reveals_per_hour is not None:
        if not 1 <= reveals_per_hour <= 1000:
            raise ValidationError("reveals per hour must be between 1 and 1000", code="reveals")
        changed["reveals_per_hour"] = reveals_per_hour
    if proposal_expiry_hours is not None:
        if not 1 <= proposal_expiry_hours <= 720:
            raise ValidationError("proposal expiry must be between 1 and 720 hours", code="expiry")
        changed["proposal_expiry_hours"] = proposal_expiry_hours
    if dual_prices is not None:
        changed["dual_prices"] = dual_prices
    if matching_weights is not None:
        merged = {**organisation.matching_weights, **matching_weights}
        try:
            Weights(**{k: tuple(v) if k == "urgency" else v for k, v in merged.items()})  # type: ignore[arg-type]
        except (TypeError, ValueError) as error:
            raise ValidationError(str(error), code="weights") from None
        changed["matching_weights"] = merged
    Organisation.objects.filter(pk=organisation.pk).update(**changed)
    audit_record(
        actor=None,
        action="organisation.configure",
        organisation=organisation,
        target_type="organisation",
        target_id=str(organisation.pk),
        data={key: value for key, value in changed.items()},
    )
    organisation.refresh_from_db()
    return organisation
