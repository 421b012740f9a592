"""Reveals: opening a case's sealed fields and notes with a reason, and the hourly reveal limit
every opening of a sealed identity counts against, with its holds and their approval. Opening
sealed data is audited like a write."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import models, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from haven.accounts.approvals import independent, is_lone
from haven.accounts.models import Member, Organisation
from haven.accounts.unlock import Keyring, Locked
from haven.audit.queries import data_since, sealed_notes_about, targets_since
from haven.audit.services import audit_record
from haven.cases.access import RevealRefused, case_key, require_worker, shredded_message
from haven.cases.models import (
    SCOPE_FIELDS,
    SCOPES_WITH_NOTES,
    Case,
    CaseSeal,
    Note,
    RevealHold,
    RevealScope,
)
from haven.crypto import CryptoError
from haven.crypto.keys import open_sealed
from haven.crypto.sealing import FieldSealer

MIN_REASON_LENGTH = 8


def _now() -> datetime:
    return timezone.now()


# A hold lasts the hour it counts: after that the count starts afresh without an approval, so a
# member (a lone coordinator above all) is never locked out for good.
HOLD_LASTS = timedelta(hours=1)


def _reveal_window_start(member: Member, now: datetime) -> datetime:
    """The hour being counted, or less: an approval, or a hold that lapsed, starts the count
    again."""
    start = now - timedelta(hours=1)
    approved = (
        RevealHold.objects.filter(member=member, approved_at__isnull=False)
        .aggregate(last=Max("approved_at"))
        .get("last")
    )
    lapsed = (
        RevealHold.objects.filter(
            member=member, approved_at__isnull=True, created_at__lte=now - HOLD_LASTS
        )
        .aggregate(last=Max("created_at"))
        .get("last")
    )
    return max(
        [start, *(moment for moment in (approved, lapsed and lapsed + HOLD_LASTS) if moment)]
    )


def _live_holds(now: datetime | None = None) -> models.QuerySet[RevealHold]:
    return RevealHold.objects.filter(
        approved_at__isnull=True, created_at__gt=(now or _now()) - HOLD_LASTS
    )


def under_hold(member: Member) -> bool:
    """Whether the member's reveals wait for a second coordinator (or for the hold's hour)."""
    return _live_holds().filter(member=member).exists()


def hold_lapses_at(member: Member) -> datetime | None:
    """When the member's live hold ends by itself, if one stands."""
    hold = _live_holds().filter(member=member).order_by("-created_at").first()
    return hold.created_at + HOLD_LASTS if hold is not None else None


def _hold_message(member: Member, lapses: datetime) -> str:
    """What a held member is told: when the hold ends, and, alone, how to get a second person."""
    text = _(
        "You opened many cases within an hour. Another coordinator must approve before you open "
        "more, or wait until %(time)s, when the count starts again."
    ) % {"time": timezone.localtime(lapses).strftime("%H:%M")}
    if is_lone(member.organisation_id):
        text += " " + _(
            "You are your organisation's only coordinator: invite a second one (Team → Invite "
            "someone) so that someone can approve, or ask your admin to run “haven org "
            "release-hold”."
        )
    return text


# Each opening of a sealed identity counts against one hourly limit: a requester's case, a
# volunteer's application or membership (with its vouchers' words), or the reports about a member.
REVEAL_ACTIONS = ("case.reveal", "application.reveal", "member.reports.reveal")


def reveal_gate(member: Member, target: str, organisation: Organisation) -> None:
    """Refuse a new reveal while a hold waits; raise a hold when this one would pass the limit.

    `target` names what is opened ("case:<id>", "application:<id>"); opening the same one again
    within the hour is not counted twice. The hold is committed on its own, so it stands although
    the reveal is refused.
    """
    lapses = hold_lapses_at(member)
    if lapses is not None:
        raise RevealRefused(_hold_message(member, lapses))
    now = _now()
    since = _reveal_window_start(member, now)
    opened = {
        f"{action.split('.')[0]}:{target_id}"
        for action in REVEAL_ACTIONS
        for target_id in targets_since(actor_id=member.pk, action=action, since=since)
    }
    if target in opened or len(opened) < organisation.reveals_per_hour:
        return
    with transaction.atomic():
        hold = RevealHold.objects.create(
            organisation=organisation, member=member, opened=len(opened), created_at=now
        )
        audit_record(
            actor=member,
            action="reveal.hold",
            organisation=organisation,
            target_type="member",
            target_id=str(member.pk),
            data={"opened": hold.opened, "limit": organisation.reveals_per_hour},
        )
    raise RevealRefused(
        _(
            "You opened %(count)d cases within an hour, the most your organisation allows. The "
            "coordinators were told; another coordinator must approve before you open more."
        )
        % {"count": len(opened)}
        + " "
        + _hold_message(member, now + HOLD_LASTS)
    )


@transaction.atomic
def reveal_hold_approve(*, actor: Member, hold: RevealHold) -> None:
    """A second, independent coordinator lets a held member open cases again; the count starts
    afresh. Neither the held member nor anyone it brought in recently (or who brought it in)
    may approve."""
    if (
        not actor.is_active
        or actor.suspended_at is not None
        or not actor.is_coordinator
        or hold.organisation_id != actor.organisation_id
        or not independent(actor, hold.member)
    ):
        raise PermissionError("another, independent coordinator of the organisation approves")
    if hold.approved_at is not None:
        return
    hold.approved_by = actor
    hold.approved_at = _now()
    hold.save(update_fields=["approved_by", "approved_at"])
    audit_record(
        actor=actor,
        action="reveal.approve",
        organisation=actor.organisation,
        target_type="member",
        target_id=str(hold.member_id),
        data={"hold": hold.pk},
    )


@transaction.atomic
def reveal_hold_release_by_admin(*, hold: RevealHold) -> None:
    """An admin lifts a hold through `haven org release-hold`, where the organisation has no
    independent coordinator left to approve it."""
    if hold.approved_at is not None:
        return
    hold.approved_at = _now()
    hold.save(update_fields=["approved_at"])
    audit_record(
        actor=None,
        action="reveal.approve",
        organisation=hold.organisation,
        target_type="member",
        target_id=str(hold.member_id),
        data={"hold": hold.pk, "by": "admin"},
    )


def holds_waiting(organisation_id: int) -> list[RevealHold]:
    """The organisation's holds that still stand (unapproved, within their hour)."""
    return list(
        _live_holds()
        .filter(organisation_id=organisation_id)
        .select_related("member")
        .order_by("created_at")
    )


@dataclass(frozen=True)
class OpenNote:
    note: Note
    text: str


@dataclass(frozen=True)
class OpenedCase:
    """What a reveal opened: the sealed fields and the notes, in order."""

    fields: dict[str, str]
    notes: list[OpenNote] = field(default_factory=list)
    scope: str = "full"
    # The reasons members gave for their reveals of this case, by audit event id: a coordinator
    # reads them with the case (so every reading of a reason is itself a recorded reveal).
    reasons: dict[int, str] = field(default_factory=dict)

    @property
    def notes_open(self) -> bool:
        return self.scope in SCOPES_WITH_NOTES


# How many of a case's newest reveals show their reasons on its history.
REASONS_SHOWN = 60


def _reasons_of(keyring: Keyring, case: Case) -> dict[int, str]:
    """The reasons given for the case's newest reveals, for a member who holds the
    organisation's key (a coordinator); nothing for anyone else."""
    if not keyring.member.sealed_organisation_key:
        return {}
    private = keyring.organisation_private_key()
    reasons = {}
    for event_id, sealed in sealed_notes_about("case", str(case.pk), "case.reveal", REASONS_SHOWN):
        try:
            reasons[event_id] = open_sealed(private, bytes(sealed)).decode("utf-8")
        except CryptoError:
            continue
    return reasons


def _scope_given(actor: Member, case: Case, scope: str) -> bool:
    """Whether this member gave a reason for this case, for this scope or a full review, within
    a session's length."""
    since = _now() - timedelta(seconds=settings.SESSION_COOKIE_AGE)
    given = data_since(actor_id=actor.pk, action="case.reveal", target_id=str(case.pk), since=since)
    return any(data.get("scope", RevealScope.FULL) in (scope, RevealScope.FULL) for data in given)


def case_reveal(
    *,
    actor: Member,
    keyring: Keyring,
    case: Case,
    reason: str | None,
    scope: str = RevealScope.FULL,
) -> OpenedCase:
    """Open the sealed fields a scope names (a placement's contact, counsel's story, everything for
    a full review), and the notes with counsel or a full review, for a member who works on it.

    The first time in a session the member gives a reason (audited, sealed); after that the view
    passes None, which is accepted only if this member gave a reason for this case and this scope
    (or a full review) within a session's length. New reveals pass the organisation's hourly
    limit (`reveal_gate`).
    """
    require_worker(actor, case)
    if case.shredded:
        raise RevealRefused(shredded_message())
    if scope not in SCOPE_FIELDS:
        raise RevealRefused(_("Choose what you need to read."))
    if reason is None:
        if not _scope_given(actor, case, scope):
            raise RevealRefused(_("Say why you need to read this."))
    else:
        reason = reason.strip()
        if len(reason) < MIN_REASON_LENGTH:
            raise RevealRefused(
                _("Say why you need to read this (at least %(count)d characters).")
                % {"count": MIN_REASON_LENGTH}
            )
        reveal_gate(actor, f"case:{case.pk}", case.organisation)
    with transaction.atomic():
        seal = CaseSeal.objects.filter(case=case).first()
        notes = (
            list(Note.objects.filter(case=case).select_related("author").order_by("number"))
            if scope in SCOPES_WITH_NOTES
            else []
        )
        opened = [name for name in SCOPE_FIELDS[scope] if seal is not None and getattr(seal, name)]
        try:
            reasons = _reasons_of(keyring, case)
        except Locked:
            reasons = {}
        audit_record(
            actor=actor,
            action="case.reveal" if reason is not None else "case.read",
            organisation=case.organisation,
            target_type="case",
            target_id=str(case.pk),
            data={"fields": opened, "notes": len(notes), "scope": scope, "reasons": len(reasons)},
            note=reason,
        )
        try:
            data_key = case_key(keyring, case)
            sealer = FieldSealer(data_key, str(case.pk))
            fields = {name: sealer.open(name, bytes(getattr(seal, name))) for name in opened}
            open_notes = [
                OpenNote(note, FieldSealer(data_key, str(note.pk)).open("body", bytes(note.body)))
                for note in notes
                if note.body
            ]
        except CryptoError:
            raise RevealRefused(
                _("This case's sealed data does not open: it may have been altered. Tell an admin.")
            ) from None
    return OpenedCase(fields=fields, notes=open_notes, scope=scope, reasons=reasons)
