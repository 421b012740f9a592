"""Writes on the partner directory: this organisation's own signing identity, partners on this
install or another, and their changed keys. Each is atomic and audited with the partner's
fingerprint."""

from urllib.parse import urlsplit

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from haven.accounts.models import Member, Organisation
from haven.accounts.unlock import Keyring
from haven.crypto.signing import fingerprint, normalise_fingerprint, signing_pair_from
from haven.referrals.models import Identity, Partner
from haven.referrals.rules import (
    ReferralRefused,
    audit_act,
    organisation_private,
    require_coordinator,
)


@transaction.atomic
def identity_ensure(*, keyring: Keyring) -> Identity:
    """Record the public half of the organisation's signing key (and refresh it if the
    organisation key was replaced), so partners can be shown its fingerprint."""
    organisation = keyring.member.organisation
    pair = signing_pair_from(organisation_private(keyring))
    box = bytes(organisation.public_key)
    printed = fingerprint(signing_public=pair.public, box_public=box)
    identity, created = Identity.objects.select_for_update().get_or_create(
        organisation=organisation,
        defaults={"signing_public": pair.public, "box_public": box, "fingerprint": printed},
    )
    if not created and identity.fingerprint != printed:
        was = identity.fingerprint
        Identity.objects.filter(pk=identity.pk).update(
            signing_public=pair.public, box_public=box, fingerprint=printed
        )
        identity.refresh_from_db()
        audit_act(
            keyring.member, organisation, "referral.identity", "organisation",
            str(organisation.pk), fingerprint=printed, was=was,
        )  # fmt: skip
    elif created:
        audit_act(
            keyring.member, organisation, "referral.identity", "organisation",
            str(organisation.pk), fingerprint=printed,
        )  # fmt: skip
    return identity


def check_address(address: str) -> str:
    """The address of another install, normalised; plain http only to this machine or an onion
    service (the only places where TLS adds nothing)."""
    parts = urlsplit(address.strip())
    host = parts.hostname or ""
    loopback = host in ("127.0.0.1", "localhost", "::1") or host.endswith(".onion")
    if parts.scheme not in ("http", "https") or not host or parts.query or parts.fragment:
        raise ReferralRefused(_("Enter the partner's address, such as https://haven.example.org."))
    if parts.scheme == "http" and not loopback:
        raise ReferralRefused(_("Another install is reached over https (or as an onion service)."))
    return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"


def _offers(needs: list[str], countries: list[str], languages: list[str]) -> dict[str, object]:
    return {"needs": sorted(needs), "countries": sorted(countries), "languages": sorted(languages)}


@transaction.atomic
def partner_add_local(
    *,
    actor: Member,
    other: Organisation,
    needs: list[str],
    countries: list[str],
    languages: list[str],
) -> Partner:
    """Add an organisation of this install, picked from the list, with its current keys."""
    require_coordinator(actor)
    if other.pk == actor.organisation_id:
        raise ReferralRefused(_("An organisation does not refer to itself."))
    identity = Identity.objects.filter(organisation=other).first()
    if identity is None:
        raise ReferralRefused(
            _("%(name)s has not set up referrals yet: one of its coordinators opens Partners once.")
            % {"name": other.name}
        )
    if Partner.objects.filter(organisation=actor.organisation, local=other).exists():
        raise ReferralRefused(_("This organisation is already a partner."))
    now = timezone.now()
    partner = Partner.objects.create(
        organisation=actor.organisation,
        name=other.name,
        local=other,
        signing_public=bytes(identity.signing_public),
        box_public=bytes(identity.box_public),
        fingerprint=identity.fingerprint,
        confirmed_at=now,
        confirmed_by=actor,
        created_at=now,
        **_offers(needs, countries, languages),
    )
    audit_act(
        actor, actor.organisation, "partner.add", "partner", str(partner.pk),
        partner=partner.fingerprint, local=True,
    )  # fmt: skip
    return partner


@transaction.atomic
def partner_add_remote(
    *,
    actor: Member,
    name: str,
    address: str,
    signing_public: bytes,
    box_public: bytes,
    typed_fingerprint: str,
    needs: list[str],
    countries: list[str],
    languages: list[str],
) -> Partner:
    """Add an organisation of another install by its address and keys; it is confirmed only if
    the fingerprint the coordinator compared out of band matches the keys."""
    require_coordinator(actor)
    address = check_address(address)
    printed = fingerprint(signing_public=signing_public, box_public=box_public)
    if normalise_fingerprint(typed_fingerprint) != printed:
        raise ReferralRefused(
            _("The fingerprint does not match these keys. Compare it again with the partner.")
        )
    if Partner.objects.filter(organisation=actor.organisation, address=address).exists():
        raise ReferralRefused(_("A partner at this address is already listed."))
    now = timezone.now()
    partner = Partner.objects.create(
        organisation=actor.organisation,
        name=name.strip()[:120],
        address=address,
        signing_public=signing_public,
        box_public=box_public,
        fingerprint=printed,
        confirmed_at=now,
        confirmed_by=actor,
        created_at=now,
        **_offers(needs, countries, languages),
    )
    audit_act(
        actor, actor.organisation, "partner.add", "partner", str(partner.pk),
        partner=printed, local=False,
    )  # fmt: skip
    return partner


@transaction.atomic
def partner_accept_key(*, actor: Member, partner: Partner, typed_fingerprint: str) -> Partner:
    """Trust a partner's changed keys, once the coordinator compared the new fingerprint."""
    require_coordinator(actor)
    partner = Partner.objects.select_for_update().get(
        pk=partner.pk, organisation=actor.organisation
    )
    if not partner.offered_fingerprint:
        raise ReferralRefused(_("This partner's keys have not changed."))
    if normalise_fingerprint(typed_fingerprint) != partner.offered_fingerprint:
        raise ReferralRefused(
            _("The fingerprint does not match the new keys. Compare it again with the partner.")
        )
    was = partner.fingerprint
    Partner.objects.filter(pk=partner.pk).update(
        signing_public=bytes(partner.offered_signing_public or b""),
        box_public=bytes(partner.offered_box_public or b""),
        fingerprint=partner.offered_fingerprint,
        offered_signing_public=None,
        offered_box_public=None,
        offered_fingerprint="",
        confirmed_at=timezone.now(),
        confirmed_by=actor,
    )
    partner.refresh_from_db()
    audit_act(
        actor, actor.organisation, "partner.key-accept", "partner", str(partner.pk),
        partner=partner.fingerprint, was=was,
    )  # fmt: skip
    return partner


@transaction.atomic
def partner_offer_key(*, partner: Partner, signing_public: bytes, box_public: bytes) -> None:
    """Keep the keys a delivery claimed for a known partner, for a coordinator to compare; until
    then nothing signed with them is accepted."""
    printed = fingerprint(signing_public=signing_public, box_public=box_public)
    if partner.offered_fingerprint == printed:
        return
    Partner.objects.filter(pk=partner.pk).update(
        offered_signing_public=signing_public,
        offered_box_public=box_public,
        offered_fingerprint=printed,
    )
    audit_act(
        None, partner.organisation, "partner.key-changed", "partner", str(partner.pk),
        partner=partner.fingerprint, offered=printed,
    )  # fmt: skip
