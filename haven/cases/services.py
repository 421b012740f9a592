"""Writes on cases: triage and the life cycle, sharing with counselors, notes and tasks, reveals
and shredding. Each is atomic and audited; opening sealed data is audited like a write."""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import models, transaction
from django.db.models import Max, Min
from django.utils import timezone
from django.utils.translation import gettext as _

from haven.accounts.approvals import approval_request, independent, is_lone, sponsors_of
from haven.accounts.models import Act, Approval, Member, Organisation, Role
from haven.accounts.unlock import Keyring, Locked
from haven.audit.queries import data_since, sealed_notes_about, targets_since
from haven.audit.services import audit_record, to_the_hour
from haven.cases.models import (
    ENDED,
    SCOPE_FIELDS,
    SCOPES_WITH_NOTES,
    Case,
    CaseSeal,
    CaseShare,
    CloseReason,
    Note,
    RevealHold,
    RevealScope,
    Status,
)
from haven.crypto import CryptoError
from haven.crypto.keys import open_sealed, random_bytes
from haven.crypto.sealing import FieldSealer, seal_data_key
from haven.knowledge.queries import checklists
from haven.notifications.services import ping_requester

MIN_REASON_LENGTH = 8
SHRED_BATCH = 500


class RevealRefused(Exception):
    """The reveal cannot happen; the message says why, for the member."""


class CaseRefused(Exception):
    """The change cannot happen in the case's present state; the message says why."""


def shredded_message() -> str:
    return _("This case was shredded: nothing sealed in it can be read.")


def may_work_on(member: Member, case: Case) -> bool:
    """A coordinator of the case's organisation, or a counselor it is shared with."""
    if case.organisation_id != member.organisation_id or member.suspended_at is not None:
        return False
    if member.is_coordinator:
        return True
    return CaseShare.objects.filter(
        case=case, member=member, unshared_at__isnull=True, sealed_key__isnull=False
    ).exists()


def _require_worker(member: Member, case: Case) -> None:
    if not may_work_on(member, case):
        raise PermissionError("only coordinators and counselors it is shared with work on a case")


def _require_coordinator(member: Member, case: Case) -> None:
    if not member.is_coordinator or case.organisation_id != member.organisation_id:
        raise PermissionError("only the organisation's coordinators do this")


def case_key(keyring: Keyring, case: Case) -> bytes:
    """The case's data key, opened with what the member holds: the organisation key, or a share."""
    sealed = case.sealed_key
    if not sealed:
        raise RevealRefused(shredded_message())
    member = keyring.member
    try:
        if member.sealed_organisation_key:
            return keyring.open_record_key(bytes(sealed))
        share = CaseShare.objects.filter(
            case=case, member=member, unshared_at__isnull=True, sealed_key__isnull=False
        ).first()
        if share is not None and share.sealed_key:
            return keyring.open_shared_key(bytes(share.sealed_key))
    except Locked:
        pass
    raise RevealRefused(_("Your key does not open this case."))


def _now() -> datetime:
    return timezone.now()


def _touch(case: Case, **changes: object) -> None:
    changes["updated_hour"] = to_the_hour(_now())
    for name, value in changes.items():
        setattr(case, name, value)
    Case.objects.filter(pk=case.pk).update(**changes)


def _audit(actor: Member | None, case: Case, action: str, **data: object) -> None:
    audit_record(
        actor=actor,
        action=action,
        organisation=case.organisation,
        target_type="case",
        target_id=str(case.pk),
        data=data,
    )


# The life cycle.

TRIAGE_DECISIONS = ("accept", "duplicate", "spam", "out_of_scope")


@transaction.atomic
def case_triage(
    *, actor: Member, case: Case, decision: str, duplicate_of: Case | None = None
) -> None:
    """Take a new request on (accept), or close it as a duplicate, spam or out of scope."""
    _require_coordinator(actor, case)
    case = Case.objects.select_for_update().get(pk=case.pk)
    if case.status != Status.NEW:
        raise CaseRefused(_("This request was already triaged."))
    ping_requester(case_id=case.pk)
    if decision == "accept":
        _touch(case, status=Status.TRIAGED)
        _audit(actor, case, "case.status", to=Status.TRIAGED, was=Status.NEW)
        return
    if decision not in TRIAGE_DECISIONS:
        raise CaseRefused(_("Choose what to do with this request."))
    merged_into = None
    if decision == "duplicate":
        if duplicate_of is None or duplicate_of.organisation_id != case.organisation_id:
            raise CaseRefused(_("Choose the request this one repeats."))
        if duplicate_of.pk == case.pk or duplicate_of.shredded or duplicate_of.merged_into_id:
            raise CaseRefused(_("A request cannot be joined to itself or to a closed duplicate."))
        merged_into = duplicate_of
    reason = {
        "duplicate": CloseReason.DUPLICATE,
        "spam": CloseReason.SPAM,
        "out_of_scope": CloseReason.OUT_OF_SCOPE,
    }[decision]
    _touch(
        case,
        status=Status.CLOSED,
        close_reason=reason,
        merged_into=merged_into,
        ended_hour=to_the_hour(_now()),
    )
    _audit(
        actor,
        case,
        "case.status",
        to=Status.CLOSED,
        was=Status.NEW,
        reason=str(reason),
        merged_into=str(merged_into.pk) if merged_into else "",
    )


@transaction.atomic
def case_move(
    *, actor: Member | None, case: Case, status: str, reason: str = CloseReason.DONE
) -> None:
    """Move a triaged case along its life cycle; None as actor is the requester answering."""
    if actor is not None:
        _require_worker(actor, case)
    case = Case.objects.select_for_update().get(pk=case.pk)
    if case.shredded:
        raise CaseRefused(shredded_message())
    if case.status == Status.NEW:
        raise CaseRefused(_("Triage this request first."))
    if not case.can_move_to(status):
        raise CaseRefused(
            _("A case that is “%(now)s” cannot become “%(then)s”.")
            % {"now": Status(case.status).label, "then": Status(status).label}
        )
    changes: dict[str, object] = {"status": status}
    if status in ENDED:
        changes["ended_hour"] = case.ended_hour or to_the_hour(_now())
        if status == Status.CLOSED:
            if reason not in CloseReason.values:
                raise CaseRefused(_("Say why the case is closed."))
            changes["close_reason"] = reason
    else:
        changes["ended_hour"] = None
        changes["close_reason"] = ""
    was = case.status
    _touch(case, **changes)
    if actor is not None:  # the requester's own answer tells them nothing new
        ping_requester(case_id=case.pk)
    _audit(actor, case, "case.status", to=status, was=was, reason=changes.get("close_reason", ""))
    if status == Status.CLOSED:
        from haven.volunteers.placements import placements_end_for_case

        placements_end_for_case(actor=actor, case=case)


@transaction.atomic
def case_follow_placement(*, actor: Member | None, case: Case, status: str) -> None:
    """Move a case where a step of its placement takes it (haven.volunteers.placements, which
    checks who acts), along the case's own transition rules and audited like any move."""
    case = Case.objects.select_for_update().get(pk=case.pk)
    if case.shredded or not case.can_move_to(status):
        raise CaseRefused(
            _("A case that is “%(now)s” cannot become “%(then)s”.")
            % {"now": Status(case.status).label, "then": Status(status).label}
        )
    was = case.status
    _touch(case, status=status, ended_hour=None, close_reason="")
    if actor is not None:
        ping_requester(case_id=case.pk)
    _audit(actor, case, "case.status", to=status, was=was, reason="", by="placement")


# Ownership.


def _may_own(member: Member, case: Case) -> bool:
    return member.is_active and may_work_on(member, case)


@transaction.atomic
def case_take(*, actor: Member, case: Case, member: Member | None) -> Member | None:
    """Give the case to a coordinator or to a counselor it is shared with: oneself (take it), or
    another (assign, hand over); None lets it go. Returns whoever had it before."""
    _require_worker(actor, case)
    if member is not None and member.pk != actor.pk:
        _require_coordinator(actor, case)
        if not _may_own(member, case):
            raise CaseRefused(
                _("Give a case to a coordinator, or to a counselor it is shared with.")
            )
    case = Case.objects.select_for_update().get(pk=case.pk)
    if case.shredded:
        raise CaseRefused(shredded_message())
    if member is None and case.owner_id not in (None, actor.pk) and not actor.is_coordinator:
        raise CaseRefused(_("Only its owner or a coordinator lets a case go."))
    before = Member.objects.filter(pk=case.owner_id).first() if case.owner_id else None
    Case.objects.filter(pk=case.pk).update(owner=member)
    case.owner = member
    _audit(
        actor,
        case,
        "case.owner",
        to=member.pk if member else None,
        handle=member.handle if member else "",
        was=before.pk if before else None,
    )
    return before


# Sharing.


@transaction.atomic
def case_share(*, actor: Member, keyring: Keyring, case: Case, member: Member) -> CaseShare:
    """Give a counselor the case's data key, sealed to their own public key."""
    _require_coordinator(actor, case)
    if (
        member.organisation_id != case.organisation_id
        or member.role != Role.COUNSELOR
        or member.suspended_at is not None
        or not member.is_active
    ):
        raise CaseRefused(_("Cases are shared with the organisation's active counselors only."))
    if under_hold(actor):
        raise CaseRefused(
            _(
                "Your reveals wait for another coordinator's approval; until then you cannot share "
                "cases either."
            )
        )
    if actor.pk in sponsors_of(member) and not is_lone(case.organisation_id):
        raise CaseRefused(
            _(
                "You brought this counselor in recently: another coordinator shares cases with "
                "them until they have been a member for %(days)d days."
            )
            % {"days": member.organisation.voucher_min_days}
        )
    data_key = case_key(keyring, case)
    sealed = seal_data_key(data_key, to_public=bytes(member.public_key))
    share, _created = CaseShare.objects.update_or_create(
        case=case,
        member=member,
        defaults={
            "sealed_key": sealed,
            "shared_by": actor,
            "shared_at": _now(),
            "unshared_at": None,
        },
    )
    _audit(actor, case, "case.share", member=member.pk)
    return share


@transaction.atomic
def case_unshare(*, actor: Member, case: Case, member: Member) -> None:
    """Destroy the counselor's copy of the case key: what they read stays read, nothing more."""
    _require_coordinator(actor, case)
    updated = CaseShare.objects.filter(case=case, member=member, unshared_at__isnull=True).update(
        sealed_key=None, unshared_at=_now()
    )
    if updated:
        _audit(actor, case, "case.unshare", member=member.pk)


def shares_of(case: Case) -> list[CaseShare]:
    return list(
        CaseShare.objects.filter(case=case, unshared_at__isnull=True)
        .select_related("member")
        .order_by("member__handle")
    )


# Reveals.


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
    _require_worker(actor, case)
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


# Notes, tasks and checklists.


def _next_note_number(case: Case) -> int:
    last = Note.objects.filter(case=case).aggregate(last=Max("number"))["last"]
    return (last or 0) + 1


def _refresh_due(case: Case) -> None:
    due = Note.objects.filter(case=case, is_task=True, done_hour__isnull=True).aggregate(
        first=Min("due_on")
    )["first"]
    Case.objects.filter(pk=case.pk).update(due_on=due)
    case.due_on = due


@transaction.atomic
def note_add(
    *,
    actor: Member,
    keyring: Keyring,
    case: Case,
    text: str,
    is_task: bool = False,
    due_on: date | None = None,
    checklist: str = "",
) -> Note:
    """Write a sealed note, or a task with an optional due date, on a case."""
    _require_worker(actor, case)
    case = Case.objects.select_for_update().get(pk=case.pk)
    data_key = case_key(keyring, case)
    note = Note(
        case=case,
        author=actor,
        is_task=is_task,
        due_on=due_on if is_task else None,
        created_hour=to_the_hour(_now()),
        checklist=checklist,
        number=_next_note_number(case),
    )
    note.body = FieldSealer(data_key, str(note.pk)).seal("body", text)
    note.save(force_insert=True)
    if is_task:
        _refresh_due(case)
    _audit(actor, case, "case.note", task=is_task, due_on=str(due_on or ""))
    return note


@transaction.atomic
def task_done(*, actor: Member, note: Note, done: bool) -> None:
    """Tick a task off, or open it again."""
    case = note.case
    _require_worker(actor, case)
    if not note.is_task:
        raise CaseRefused(_("Only tasks can be ticked off."))
    note.done_hour = to_the_hour(_now()) if done else None
    note.save(update_fields=["done_hour"])
    _refresh_due(case)
    _audit(actor, case, "case.task", done=done)


@transaction.atomic
def checklist_attach(
    *,
    actor: Member,
    keyring: Keyring,
    case: Case,
    checklist_id: str,
    language: str,
    due_on: date | None = None,
) -> int:
    """Add one task per item of a checklist template, in the member's language."""
    _require_worker(actor, case)
    checklist = next((c for c in checklists() if c.id == checklist_id), None)
    if checklist is None:
        raise CaseRefused(_("Choose one of the checklists."))
    if Note.objects.filter(case=case, checklist=checklist_id).exists():
        raise CaseRefused(_("This checklist is already on the case."))
    for item in checklist.items:
        note_add(
            actor=actor,
            keyring=keyring,
            case=case,
            text=item.text.get(language),
            is_task=True,
            due_on=due_on,
            checklist=checklist_id,
        )
    return len(checklist.items)


# Shredding.


def _shred(cases: list[Case], reason: str) -> None:
    """Destroy every key and ciphertext of these cases; their coarse rows stay for statistics.

    The codename digest and the requester's public key are replaced with random bytes, so the
    codename no longer finds the row either.
    """
    from haven.messaging.models import Message
    from haven.notifications.models import Ping
    from haven.volunteers.models import Placement
    from haven.volunteers.placements import placements_end_for_case

    hour = to_the_hour(_now())
    for case in cases:
        placements_end_for_case(actor=None, case=case)
        case.sealed_key = None
        case.thread_key_requester = None
        case.thread_key_staff = None
        case.codename_digest = random_bytes(32)
        case.requester_public_key = random_bytes(32)
        case.shredded_hour = hour
        case.updated_hour = hour
        case.requester_wrote = False
        if case.status not in ENDED:
            case.status = Status.CLOSED
            case.ended_hour = hour
            case.close_reason = (
                CloseReason.FORGOTTEN if reason == "forget" else case.close_reason or "done"
            )
        elif reason == "forget":
            case.close_reason = CloseReason.FORGOTTEN
            case.status = Status.CLOSED
    Case.objects.bulk_update(
        cases,
        [
            "sealed_key",
            "thread_key_requester",
            "thread_key_staff",
            "codename_digest",
            "requester_public_key",
            "shredded_hour",
            "updated_hour",
            "requester_wrote",
            "status",
            "ended_hour",
            "close_reason",
        ],
    )
    ids = [case.pk for case in cases]
    CaseSeal.objects.filter(case_id__in=ids).delete()
    CaseShare.objects.filter(case_id__in=ids).update(sealed_key=None, unshared_at=_now())
    Note.objects.filter(case_id__in=ids).update(body=None)
    Message.objects.filter(case_id__in=ids).update(body=None, photo=None)
    Placement.objects.filter(case_id__in=ids).update(address_for_requester=None)
    Ping.objects.filter(case_id__in=ids).delete()


def retention_over(case: Case, now: datetime | None = None) -> bool:
    """Whether the case ended longer ago than its organisation keeps cases."""
    now = now or _now()
    cutoff = now - timedelta(days=case.organisation.retention_days)
    return case.ended_hour is not None and case.ended_hour <= cutoff


@transaction.atomic
def case_shred(*, actor: Member | None, case: Case, reason: str, why: str = "") -> Approval | None:
    """Shred one case: the requester's "forget me" (actor None) at once; a coordinator's decision
    at once only when its retention is over or the organisation has a single coordinator,
    otherwise it waits for a second coordinator (the request is returned)."""
    if actor is not None:
        _require_coordinator(actor, case)
        if not (retention_over(case) or is_lone(case.organisation_id)):
            return approval_request(actor=actor, act=Act.SHRED, target_id=str(case.pk), reason=why)
    case = Case.objects.select_for_update().get(pk=case.pk)
    if case.shredded_hour is not None:
        return None
    _shred([case], reason)
    alone = actor is not None and not retention_over(case)
    _audit(actor, case, "case.shred", reason=reason, **({"alone": True} if alone else {}))
    return None


def case_shred_approved(*, approval: Approval, approver: Member, reason: str) -> None:
    """Shred the case a second coordinator approved shredding (inside the approval's
    transaction)."""
    case = (
        Case.objects.select_for_update()
        .select_related("organisation")
        .filter(pk=approval.target_id, organisation_id=approval.organisation_id)
        .first()
    )
    if case is None or case.shredded_hour is not None:
        return
    _shred([case], "coordinator")
    _audit(
        approver, case, "case.shred", reason="coordinator", requested_by=approval.requested_by_id
    )


def shred_due(now: datetime | None = None) -> int:
    """Shred every ended case older than its organisation's retention period; return how many."""
    now = now or _now()
    shredded = 0
    for organisation in Organisation.objects.all():
        cutoff = now - timedelta(days=organisation.retention_days)
        while True:
            with transaction.atomic():
                batch = list(
                    Case.objects.select_for_update()
                    .filter(
                        organisation=organisation,
                        ended_hour__lte=cutoff,
                        shredded_hour__isnull=True,
                    )
                    .order_by("ended_hour")[:SHRED_BATCH]
                )
                if not batch:
                    break
                _shred(batch, "retention")
                audit_record(
                    actor=None,
                    action="case.shred-due",
                    organisation=organisation,
                    target_type="organisation",
                    target_id=str(organisation.pk),
                    data={"count": len(batch), "retention_days": organisation.retention_days},
                )
                shredded += len(batch)
    return shredded
