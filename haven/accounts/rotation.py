"""Replacing an organisation's key pair: `haven org rotate-key SLUG`, or two coordinators on the
rotation page.

What is sealed to the organisation's key is a small sealed box per row: each case's data key
(which also holds the case's thread key, wrapped under it), each bed offer's key (the address),
each application's, vouch's, member report's and crossing report's key, and each approval's
reason. Rotation opens each with the old private key and seals it again to the new public key;
the data keys inside stay the same, so the sealed fields are not rewritten.

1. `rotation_start` makes the new pair, seals the new private key to every active reader, keeps
   the old private key sealed to the new public key, and switches the organisation's public key:
   intake seals to the new key from this moment. Coordinator invites not yet used carry the old
   key under their code; they are cancelled.
2. `rotation_run` re-seals in batches, each in its own transaction with the progress row, so a
   crash loses at most one batch and a second run resumes where the first stopped.
3. Web processes keep an organisation for a few seconds, so a request may be sealed to the old
   key just after the switch. Once HAVEN_ROTATION_SETTLE_SECONDS have passed since the start, a
   sweep goes over the requests made since the hour the rotation began and over every other kind
   once more (they are few), re-sealing any such stragglers.
4. After the sweep, `_finish` gives every reader the new key in place of the old one and
   destroys the old private key's last copies.

Audit notes are the exception: the audit log is append-only and hash-chained, so the notes in it
keep the key they were sealed to (see docs/security.md).
"""

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from haven.accounts.approvals import approval_request, is_lone
from haven.accounts.models import Act, Approval, Invite, KeyRotation, Member, Organisation, Role
from haven.accounts.queries import running
from haven.accounts.unlock import Keyring
from haven.audit.services import audit_record, to_the_hour
from haven.crypto import WrongKey
from haven.crypto.keys import Resealer, new_key_pair, open_sealed, public_key_of, seal_to

# Each kind of row holding a sealed box to the organisation key: model, field, and the lookup
# that names the organisation.
ROTATED: tuple[tuple[str, str, str], ...] = (
    ("cases.Case", "sealed_key", "organisation"),
    ("volunteers.BedOffer", "sealed_key", "organisation"),
    ("volunteers.Application", "sealed_key", "organisation"),
    ("volunteers.Vouch", "sealed_key", "application__organisation"),
    ("volunteers.MemberReport", "sealed_key", "organisation"),
    ("situation.CrossingReport", "sealed_key", "organisation"),
    ("accounts.Approval", "reason_sealed", "organisation"),
    # A referral from a partner waiting for an answer: the whole package is sealed to us.
    ("referrals.Arrival", "package", "organisation"),
)
BATCH = 2000
# Kinds whose rows are large (a referral package carries its documents, up to
# HAVEN_REFERRAL_MAX_BYTES): fewer of them at a time, so a batch stays small in memory.
BATCH_AT_MOST = {"referrals.Arrival": 10}


class RotationRefused(Exception):
    """The rotation cannot start or go on; the message says why, for the member or the admin."""


@dataclass
class RotationKeys:
    """The old and the new private key, for the length of one run."""

    old: bytes = field(repr=False)
    new: bytes = field(repr=False)
    _resealer: Resealer | None = field(default=None, repr=False)

    def resealer(self) -> Resealer:
        if self._resealer is None:
            self._resealer = Resealer(old_private=self.old, new_public=public_key_of(self.new))
        return self._resealer


def _readers(organisation_id: int) -> models.QuerySet[Member]:
    return Member.objects.filter(
        organisation_id=organisation_id,
        is_active=True,
        suspended_at__isnull=True,
        sealed_organisation_key__isnull=False,
    )


@transaction.atomic
def rotation_start(
    *, actor: Member | None, keyring: Keyring, approver: Member | None = None
) -> tuple[KeyRotation, RotationKeys]:
    """Make the organisation's new key pair and switch intake to it; the re-sealing follows in
    `rotation_run`."""
    organisation = Organisation.objects.select_for_update().get(pk=keyring.member.organisation_id)
    if running(organisation.pk) is not None:
        raise RotationRefused(_("A rotation of this organisation's key is already running."))
    old_private = keyring.organisation_private_key()
    if public_key_of(old_private) != bytes(organisation.public_key):
        raise RotationRefused(
            _("This member's copy of the organisation key is not the current one.")
        )
    pair = new_key_pair()
    readers = list(_readers(organisation.pk))
    for reader in readers:
        Member.objects.filter(pk=reader.pk).update(
            sealed_next_organisation_key=seal_to(bytes(reader.public_key), pair.private)
        )
    cancelled = Invite.objects.filter(
        organisation=organisation, used_at__isnull=True, wrapped_organisation_key__isnull=False
    ).update(wrapped_organisation_key=None, expires_at=timezone.now())
    rotation = KeyRotation.objects.create(
        organisation=organisation,
        started_by=actor,
        approved_by=approver,
        old_public_key=bytes(organisation.public_key),
        new_public_key=pair.public,
        old_private_sealed=seal_to(pair.public, old_private),
        started_at=timezone.now(),
    )
    Organisation.objects.filter(pk=organisation.pk).update(public_key=pair.public)
    audit_record(
        actor=actor,
        action="organisation.rotate_key.start",
        organisation=organisation,
        target_type="organisation",
        target_id=str(organisation.pk),
        data={
            "rotation": rotation.pk,
            # Whose unlocked copy of the old key started it (an admin's run names a coordinator).
            "key_of": keyring.member.pk,
            "readers": len(readers),
            "invites_cancelled": cancelled,
            **({"approved_by": approver.pk} if approver is not None else {}),
        },
    )
    return rotation, RotationKeys(old=old_private, new=pair.private)


def rotation_keys(*, keyring: Keyring, rotation: KeyRotation) -> RotationKeys:
    """Both private keys of a running rotation, opened with a reader's unlocked key: the way a
    run resumes after a crash."""
    member = Member.objects.get(pk=keyring.member.pk)
    if not member.sealed_next_organisation_key:
        raise RotationRefused(
            _("This member holds no copy of the new organisation key; ask another coordinator.")
        )
    try:
        new = open_sealed(keyring.member_private_key(), bytes(member.sealed_next_organisation_key))
        old = open_sealed(new, bytes(rotation.old_private_sealed))
    except WrongKey:
        raise RotationRefused(_("The keys of this rotation do not open.")) from None
    return RotationKeys(old=old, new=new)


# Stages 0 … len(ROTATED)-1 re-seal every row; the same number again is the sweep.
STAGES = 2 * len(ROTATED)


def _rows(rotation: KeyRotation, stage: int) -> models.QuerySet[models.Model]:
    label, column, owner = ROTATED[stage % len(ROTATED)]
    model = apps.get_model(label)
    rows = model._default_manager.filter(
        **{owner: rotation.organisation_id, f"{column}__isnull": False}
    )
    if stage >= len(ROTATED) and label == "cases.Case":
        rows = rows.filter(created_hour__gte=to_the_hour(rotation.started_at))
    return rows.exclude(**{column: b""})


def _write(model: type[models.Model], column: str, rows: list[models.Model]) -> None:
    """Write a batch of re-sealed values. Django's bulk_update builds a CASE over the whole
    batch, which costs several times the cryptography; PostgreSQL takes one UPDATE joined to the
    values instead, SQLite one short UPDATE per row."""
    meta = model._meta
    target = meta.get_field(column)
    assert isinstance(target, models.Field)  # noqa: S101  # ROTATED names concrete columns
    quote = connection.ops.quote_name
    table, value_column, key = (
        quote(meta.db_table),
        quote(str(target.column)),
        quote(str(meta.pk.column)),
    )
    values = [
        (
            meta.pk.get_db_prep_value(row.pk, connection),
            target.get_db_prep_value(getattr(row, column), connection),
        )
        for row in rows
    ]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            key_type = meta.pk.rel_db_type(connection)
            placeholders = ", ".join(["(%s, %s)"] * len(values))
            cursor.execute(
                f"UPDATE {table} SET {value_column} = v.sealed "  # noqa: S608  # names from the model, values as parameters
                f"FROM (VALUES {placeholders}) AS v(key, sealed) "
                f"WHERE {table}.{key} = v.key::{key_type}",
                [item for pair in values for item in pair],
            )
        else:
            cursor.executemany(
                f"UPDATE {table} SET {value_column} = %s WHERE {key} = %s",  # noqa: S608  # as above
                [(sealed, pk) for pk, sealed in values],
            )


def _reseal_batch(rotation: KeyRotation, keys: RotationKeys, size: int) -> int:
    """Re-seal the next batch of the current kind of row, and move the progress row past it."""
    label, column, _owner = ROTATED[rotation.stage % len(ROTATED)]
    rows = _rows(rotation, rotation.stage)
    if rotation.last_pk:
        rows = rows.filter(pk__gt=rotation.last_pk)
    size = min(size, BATCH_AT_MOST.get(label, size))
    batch = list(rows.order_by("pk").only("pk", column)[:size])
    changed = []
    resealer = keys.resealer()
    for row in batch:
        try:
            resealed = resealer.reseal(bytes(getattr(row, column)))
        except WrongKey:
            # Sealed to the new key already (written after the rotation began).
            continue
        setattr(row, column, resealed)
        changed.append(row)
    if changed:
        _write(type(changed[0]), column, changed)
    done = dict(rotation.done)
    done[label] = done.get(label, 0) + len(changed)
    if len(batch) < size:
        rotation.stage, rotation.last_pk = rotation.stage + 1, ""
    else:
        rotation.last_pk = str(batch[-1].pk)
    rotation.done = done
    KeyRotation.objects.filter(pk=rotation.pk).update(
        stage=rotation.stage, last_pk=rotation.last_pk, done=done
    )
    return len(changed)


def _total(rotation: KeyRotation, stage: int) -> int:
    return _rows(rotation, stage).count()


@dataclass(frozen=True)
class Progress:
    """Where a run stands, for the command's and the page's progress lines."""

    kind: str
    done: int
    total: int
    rows_per_second: float
    # The last sweep for rows sealed to the old key after the switch, rather than the main pass.
    sweep: bool = False


def rotation_run(
    *,
    rotation: KeyRotation,
    keys: RotationKeys,
    batch_size: int = BATCH,
    max_batches: int | None = None,
    seconds: float | None = None,
    report: Callable[[Progress], None] | None = None,
) -> bool:
    """Re-seal in batches from where the rotation stands; True once it is finished. Stops early
    after `max_batches` batches or `seconds` seconds, to be resumed by another run."""
    if public_key_of(keys.new) != bytes(rotation.new_public_key):
        raise RotationRefused("these are not this rotation's keys")
    started = time.monotonic()
    batches = 0
    resealed = 0
    totals: dict[int, int] = {}
    while rotation.stage < STAGES:
        if max_batches is not None and batches >= max_batches:
            return False
        if seconds is not None and time.monotonic() - started > seconds:
            return False
        stage = rotation.stage
        if stage == len(ROTATED):
            _settle(rotation)
        if stage not in totals:
            totals[stage] = _total(rotation, stage)
        with transaction.atomic():
            locked = KeyRotation.objects.select_for_update().get(pk=rotation.pk)
            if locked.finished_at is not None:
                return True
            rotation.stage, rotation.last_pk, rotation.done = (
                locked.stage,
                locked.last_pk,
                locked.done,
            )
            if rotation.stage >= STAGES:
                break
            resealed += _reseal_batch(rotation, keys, batch_size)
        batches += 1
        if report is not None:
            label = ROTATED[stage % len(ROTATED)][0]
            elapsed = max(time.monotonic() - started, 1e-9)
            report(
                Progress(
                    label,
                    rotation.done.get(label, 0),
                    totals[stage],
                    resealed / elapsed,
                    sweep=stage >= len(ROTATED),
                )
            )
    _finish(rotation)
    return True


def _settle(rotation: KeyRotation) -> None:
    """Wait until no web process can still hold the organisation's old public key."""
    ready = rotation.started_at + timedelta(seconds=settings.HAVEN_ROTATION_SETTLE_SECONDS)
    wait = (ready - timezone.now()).total_seconds()
    if wait > 0:
        time.sleep(wait)


@transaction.atomic
def _finish(rotation: KeyRotation) -> None:
    """Give every reader the new key in place of the old, and destroy the old key's last copy."""
    locked = KeyRotation.objects.select_for_update().get(pk=rotation.pk)
    if locked.finished_at is not None:
        return
    organisation_id = rotation.organisation_id
    members = Member.objects.filter(organisation_id=organisation_id)
    # Readers who were given the new key take it; anyone else who still holds the old key (a
    # member suspended or gone since the start) loses it.
    readers = members.filter(
        is_active=True, suspended_at__isnull=True, sealed_next_organisation_key__isnull=False
    )
    moved = readers.update(sealed_organisation_key=models.F("sealed_next_organisation_key"))
    new_public = bytes(rotation.new_public_key)
    stale = 0
    for member in members.filter(sealed_next_organisation_key__isnull=True).exclude(
        sealed_organisation_key__isnull=True
    ):
        # A member who joined during the rotation was given the new key; keep theirs.
        joined_after = member.created_at >= rotation.started_at and member.is_active
        if not joined_after:
            Member.objects.filter(pk=member.pk).update(sealed_organisation_key=None)
            stale += 1
    members.update(sealed_next_organisation_key=None)
    KeyRotation.objects.filter(pk=rotation.pk).update(
        old_private_sealed=b"", finished_at=timezone.now()
    )
    audit_record(
        actor=None,
        action="organisation.rotate_key.finish",
        organisation=Organisation.objects.get(pk=organisation_id),
        target_type="organisation",
        target_id=str(organisation_id),
        data={
            "rotation": rotation.pk,
            "readers": moved,
            "old_copies_dropped": stale,
            "resealed": locked.done,
            "new_public": new_public.hex()[:16],
        },
    )


@transaction.atomic
def rotation_request(*, actor: Member, keyring: Keyring, reason: str) -> Approval | KeyRotation:
    """Ask to replace the organisation's key; a second, independent coordinator's approval starts
    it (the request is returned). An organisation with a single coordinator starts it at once."""
    if not (actor.is_active and actor.is_coordinator and actor.suspended_at is None):
        raise PermissionError("only active coordinators rotate the organisation key")
    if running(actor.organisation_id) is not None:
        raise RotationRefused(_("A rotation of this organisation's key is already running."))
    if is_lone(actor.organisation_id):
        if len(reason.strip()) < 8:
            raise ValidationError(_("Give the reason (at least 8 characters)."), code="reason")
        rotation, _keys = rotation_start(actor=actor, keyring=keyring)
        return rotation
    return approval_request(
        actor=actor, act=Act.ROTATE, target_id=str(actor.organisation_id), reason=reason
    )


def rotation_approved(*, approval: Approval, approver: Member, keyring: Keyring) -> None:
    """Start the rotation a second coordinator approved (inside the approval's transaction); the
    re-sealing continues from the rotation page or `haven org rotate-key`."""
    rotation_start(actor=approval.requested_by, keyring=keyring, approver=approver)


def coordinators_suspended_since_rotation(organisation_id: int) -> list[Member]:
    """Coordinators suspended since the organisation's key was last replaced: each held it."""
    last = (
        KeyRotation.objects.filter(organisation_id=organisation_id, finished_at__isnull=False)
        .order_by("-started_at")
        .first()
    )
    suspended = Member.objects.filter(
        organisation_id=organisation_id, role=Role.COORDINATOR, suspended_at__isnull=False
    )
    if last is not None:
        suspended = suspended.filter(suspended_at__gt=last.started_at)
    return list(suspended.order_by("handle"))
