import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Need(models.TextChoices):
    SHELTER = "shelter", _("A place to stay")
    LEGAL = "legal", _("Legal or asylum advice")
    ROUTE = "route", _("A route or transport")
    MONEY = "money", _("Money for tickets or food")
    MEDICAL = "medical", _("Medical help")
    TALK = "talk", _("Someone to talk to")


class GroupNeeds(models.TextChoices):
    """What a place must allow for the whole group to stay together."""

    CHILDREN = "children", _("Children")
    WOMEN_ONLY = "women_only", _("A place for women only")
    PETS = "pets", _("Pets")
    STEP_FREE = "step_free", _("Step-free access (wheelchair, stairs hard)")


class Status(models.TextChoices):
    NEW = "new", pgettext_lazy("case status", "New")
    TRIAGED = "triaged", pgettext_lazy("case status", "Triaged")
    IN_PROGRESS = "in_progress", pgettext_lazy("case status", "In progress")
    WAITING = "waiting", pgettext_lazy("case status", "Waiting for the requester")
    RESOLVED = "resolved", pgettext_lazy("case status", "Resolved")
    CLOSED = "closed", pgettext_lazy("case status", "Closed")


# Where a case may go from each state. Triage (accept, duplicate, spam, out of scope) is the way
# out of "new"; a resolved case may be reopened; a closed one stays closed. A case in progress
# goes back to "triaged" when the placement that moved it ends without a stay (declined,
# withdrawn, expired), which puts it back among the cases the matcher places.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    Status.NEW: (Status.TRIAGED, Status.CLOSED),
    Status.TRIAGED: (Status.IN_PROGRESS, Status.WAITING, Status.RESOLVED, Status.CLOSED),
    Status.IN_PROGRESS: (Status.TRIAGED, Status.WAITING, Status.RESOLVED, Status.CLOSED),
    Status.WAITING: (Status.IN_PROGRESS, Status.RESOLVED, Status.CLOSED),
    Status.RESOLVED: (Status.IN_PROGRESS, Status.CLOSED),
    Status.CLOSED: (),
}
# States in which a case has ended; its retention period counts from the hour it got there.
ENDED = (Status.RESOLVED, Status.CLOSED)


class CloseReason(models.TextChoices):
    DONE = "done", _("Help given")
    DUPLICATE = "duplicate", _("A duplicate of another request")
    SPAM = "spam", _("Spam")
    OUT_OF_SCOPE = "out_of_scope", _("Not something we help with")
    NO_ANSWER = "no_answer", _("The requester stopped answering")
    FORGOTTEN = "forgotten", _("The requester asked us to forget it")


class Urgency(models.IntegerChoices):
    ONE = 1, _("Within a month")
    TWO = 2, _("Within two weeks")
    THREE = 3, _("Within a week")
    FOUR = 4, _("Within two days")
    FIVE = 5, _("Today: nowhere safe to sleep tonight")


class MilitaryStatus(models.TextChoices):
    NOT_CALLED = "not_called", _("Not called up yet")
    CALLED_UP = "called_up", _("Received a call-up paper")
    MOBILISED = "mobilised", _("Mobilised")
    CONTRACT = "contract", _("Contract soldier")
    DESERTER = "deserter", _("Left the army without permission")
    OBJECTOR = "objector", _("Conscientious objector")
    OTHER = "other", _("Other, or I prefer not to say")


# The sealed fields of a case, in the order the desk shows them. The military status is sealed too:
# "deserter, in Almaty" is exactly what must not sit in plaintext.
# The need flags, as the desk's indexes carry them.
DESK_NEEDS = [f"need_{need}" for need in ("shelter", "legal", "route", "money", "medical", "talk")]

SEALED_FIELDS = ("name", "contact", "military_status", "location_detail", "story", "for_counselor")


class RevealScope(models.TextChoices):
    """What a reveal is for, and so which sealed fields it opens: no more than the work needs."""

    PLACEMENT = "placement", _("For a placement: the contact only")
    COUNSEL = "counsel", _("For counsel: the story and the situation with the army")
    FULL = "full", _("A full review: everything, notes included")


SCOPE_FIELDS: dict[str, tuple[str, ...]] = {
    RevealScope.PLACEMENT: ("contact",),
    RevealScope.COUNSEL: ("military_status", "story", "for_counselor"),
    RevealScope.FULL: SEALED_FIELDS,
}
# Notes may hold anything the volunteers learnt: they open with counsel and a full review only.
SCOPES_WITH_NOTES = (RevealScope.COUNSEL, RevealScope.FULL)


class Case(models.Model):
    """A request for help and, once triaged, the case built on it.

    Its columns are coarse (plaintext): enough to triage, match and count, never identifying
    anyone on their own. The sealed half lives in CaseSeal, one row per case, so the rows the desk
    and the matcher scan stay narrow. Both are opened with this case's data key, itself sealed to
    the organisation's public key (`sealed_key`); clearing it shreds the case.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # No index of its own: every desk index below starts with the organisation.
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="cases", db_index=False
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.NEW)

    # Coarse.
    country = models.CharField(max_length=2)
    place = models.CharField(max_length=40)
    need_shelter = models.BooleanField(default=False)
    need_legal = models.BooleanField(default=False)
    need_route = models.BooleanField(default=False)
    need_money = models.BooleanField(default=False)
    need_medical = models.BooleanField(default=False)
    need_talk = models.BooleanField(default=False)
    group_size = models.PositiveSmallIntegerField()
    with_children = models.BooleanField(default=False)
    women_only = models.BooleanField(default=False)
    with_pets = models.BooleanField(default=False)
    step_free = models.BooleanField(default=False)
    languages = models.JSONField(default=list)
    urgency = models.PositiveSmallIntegerField(choices=Urgency.choices)
    date_from = models.DateField()
    date_until = models.DateField(null=True)
    created_hour = models.DateTimeField()
    updated_hour = models.DateTimeField()

    # Keys and look-ups.
    sealed_key = models.BinaryField(null=True)
    requester_public_key = models.BinaryField(max_length=32)
    codename_digest = models.BinaryField(max_length=32, unique=True)
    submission_digest = models.BinaryField(max_length=32, unique=True)
    content_digest = models.BinaryField(max_length=32)

    # Life cycle (coarse).
    close_reason = models.CharField(max_length=16, choices=CloseReason.choices, blank=True)
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The hour the case became resolved or closed; retention counts from it.
    ended_hour = models.DateTimeField(null=True, blank=True)
    shredded_hour = models.DateTimeField(null=True, blank=True)
    # The earliest due date among the case's open tasks: what makes a case overdue.
    due_on = models.DateField(null=True, blank=True)
    # The requester wrote and no member has read it yet.
    requester_wrote = models.BooleanField(default=False)
    # The requester gave no contact: volunteers reach them only through Haven's messages.
    messages_only = models.BooleanField(default=False)
    # Who has the case now (a coordinator, or a counselor it is shared with); None: nobody yet.
    owner = models.ForeignKey(
        "accounts.Member", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    # The thread key: messages between the requester and the volunteers are sealed under it. It is
    # kept sealed to the requester's public key, and under the case's data key for the volunteers.
    thread_key_requester = models.BinaryField(null=True)
    thread_key_staff = models.BinaryField(null=True)

    class Meta:
        # The desk sorts by urgency (most urgent first), then age, then id, within one organisation.
        # One index per filter the desk offers leads with that filter and ends in the sort, so a
        # page is read in order from it; the per-need ones are partial. Each also carries (INCLUDE,
        # PostgreSQL) the other filters' columns, so a combined filter and its capped count are
        # answered from the index alone, without reading a row: at a million requests a page and
        # its count stay under 100 ms whatever the combination (docs/performance.md).
        indexes = [
            models.Index(
                fields=["organisation", "-urgency", "created_hour", "id"],
                include=["country", "status", *DESK_NEEDS],
                name="case_desk",
            ),
            models.Index(
                fields=["organisation", "status", "-urgency", "created_hour", "id"],
                include=["country", *DESK_NEEDS],
                name="case_desk_status",
            ),
            models.Index(
                fields=["organisation", "country", "-urgency", "created_hour", "id"],
                include=["status", *DESK_NEEDS],
                name="case_desk_country",
            ),
            models.Index(
                fields=["organisation", "urgency", "created_hour", "id"],
                include=["country", "status", *DESK_NEEDS],
                name="case_desk_urgency",
            ),
            *(
                models.Index(
                    fields=["organisation", f"need_{need}", "-urgency", "created_hour", "id"],
                    condition=models.Q(**{f"need_{need}": True}),
                    include=["country", "status", *DESK_NEEDS],
                    name=f"case_desk_need_{need}",
                )
                for need in ("shelter", "legal", "route", "money", "medical", "talk")
            ),
            models.Index(
                fields=["organisation", "due_on"],
                condition=models.Q(due_on__isnull=False),
                name="case_due",
            ),
            models.Index(
                fields=["ended_hour"],
                condition=models.Q(ended_hour__isnull=False, shredded_hour__isnull=True),
                name="case_retention",
            ),
        ]

    def __str__(self) -> str:
        return f"case {self.pk}"

    @property
    def needs(self) -> list[str]:
        return [need for need in Need.values if getattr(self, f"need_{need}")]

    @property
    def shredded(self) -> bool:
        return not self.sealed_key

    def can_move_to(self, status: str) -> bool:
        return status in TRANSITIONS[self.status]


class CaseSeal(models.Model):
    """The sealed half of a case: one ciphertext per field of SEALED_FIELDS (None when empty)."""

    case = models.OneToOneField(
        Case, primary_key=True, on_delete=models.CASCADE, related_name="seal"
    )
    name = models.BinaryField(null=True)
    contact = models.BinaryField(null=True)
    military_status = models.BinaryField(null=True)
    location_detail = models.BinaryField(null=True)
    story = models.BinaryField(null=True)
    for_counselor = models.BinaryField(null=True)

    def __str__(self) -> str:
        return f"seal of case {self.pk}"


class CaseShare(models.Model):
    """A case shared with a counselor: its data key sealed to the counselor's public key.

    Unsharing destroys that sealed copy; what the counselor already read cannot be taken back.
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="shares")
    member = models.ForeignKey("accounts.Member", on_delete=models.PROTECT, related_name="shares")
    sealed_key = models.BinaryField(null=True)
    shared_by = models.ForeignKey("accounts.Member", on_delete=models.PROTECT, related_name="+")
    shared_at = models.DateTimeField()
    unshared_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case", "member"], name="case_share_once"),
        ]
        indexes = [models.Index(fields=["member", "unshared_at"], name="case_share_member")]

    def __str__(self) -> str:
        return f"case {self.case_id} shared with {self.member_id}"

    @property
    def active(self) -> bool:
        return self.unshared_at is None and bool(self.sealed_key)


class Note(models.Model):
    """A counselor's note or task on a case. The text is sealed under the case's data key; a task's
    due date and whether it is done are coarse, so the desk can show what is overdue."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey("accounts.Member", on_delete=models.PROTECT, related_name="+")
    is_task = models.BooleanField(default=False)
    due_on = models.DateField(null=True, blank=True)
    done_hour = models.DateTimeField(null=True, blank=True)
    created_hour = models.DateTimeField()
    # Which checklist template a task came from, if any (a template id, not text).
    checklist = models.CharField(max_length=40, blank=True)
    # Written by the server in order, so notes made within one hour keep their order.
    number = models.PositiveIntegerField()
    body = models.BinaryField(null=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case", "number"], name="note_number_once"),
        ]

    def __str__(self) -> str:
        return f"note {self.pk}"


class RevealHold(models.Model):
    """A member opened more cases within an hour than their organisation allows: until a second
    coordinator approves, their further reveals are refused."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    member = models.ForeignKey("accounts.Member", on_delete=models.PROTECT, related_name="+")
    opened = models.PositiveIntegerField()
    created_at = models.DateTimeField()
    approved_by = models.ForeignKey(
        "accounts.Member", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"reveal hold on {self.member_id}"
