from importlib import import_module
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.sessions.base_session import AbstractBaseSession
from django.db import models
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django.contrib.sessions.backends.base import SessionBase


class Organisation(models.Model):
    """A volunteer group. Its private key exists only wrapped, once for each member who may read."""

    slug = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=120)
    public_key = models.BinaryField(max_length=32)
    accepts_requests = models.BooleanField(default=True)
    created_at = models.DateTimeField()
    # The vetting rule: a coordinator's approval plus this many vouches from members vetted at
    # least this many days ago.
    vouches_required = models.PositiveSmallIntegerField(default=2)
    voucher_min_days = models.PositiveSmallIntegerField(default=30)
    # Coordinators always need a second factor; this extends it to every member.
    second_factor_required = models.BooleanField(default=False)
    # Overrides of the matching engine's Weights (radius_km, per_km, language, per_wait_day,
    # max_wait_days, urgency); see docs/performance.md. Empty means the engine's defaults.
    matching_weights = models.JSONField(default=dict, blank=True)
    # Days a resolved or closed case is kept before its keys are destroyed.
    retention_days = models.PositiveSmallIntegerField(default=90)
    # A member who opens more cases than this within an hour needs a second coordinator's approval
    # for further reveals, and the coordinators are told.
    reveals_per_hour = models.PositiveSmallIntegerField(default=20)
    # A placement the host has not answered within this many hours expires, and its case goes
    # back to the pool (the worker's "expire-proposals" job).
    proposal_expiry_hours = models.PositiveSmallIntegerField(default=12)
    # Suggested beds rank by value minus the offer's potential (the worker's "potentials" job);
    # off: by value alone, and the job skips the organisation.
    dual_prices = models.BooleanField(default=True)

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    COORDINATOR = "coordinator", _("Coordinator")
    COUNSELOR = "counselor", _("Counselor")
    HOST = "host", _("Host or driver")


class MemberManager(BaseUserManager["Member"]):
    """Members are made by haven.accounts.organisations and haven.accounts.invites, never through
    the manager."""

    def get_by_natural_key(self, username: str | None) -> "Member":
        return self.get(handle=username)


class Member(AbstractBaseUser):
    """A volunteer who logs in. `handle` is a chosen name, not a real one.

    The password column is never usable: the passphrase is checked by opening the member's wrapped
    private key (see haven.accounts.backends), so one Argon2id run both checks and unlocks.
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="members")
    handle = models.CharField(max_length=40, unique=True)
    role = models.CharField(max_length=20, choices=Role.choices)
    public_key = models.BinaryField(max_length=32)
    wrapped_private_key = models.BinaryField()
    # The organisation's private key sealed to this member's public key; only readers have one.
    sealed_organisation_key = models.BinaryField(null=True)
    # While the organisation's key is being replaced: the new private key, sealed to this member.
    sealed_next_organisation_key = models.BinaryField(null=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField()
    # When the network's vetting rule was met for this member (vouchers must be vetted long enough).
    vetted_at = models.DateTimeField()
    suspended_at = models.DateTimeField(null=True, blank=True)
    # Flagged when someone who vouched for this member was suspended as a suspected informer.
    review_flagged_at = models.DateTimeField(null=True, blank=True)
    # The TOTP secret, sealed to the member's own public key: only a login can open it.
    totp_sealed = models.BinaryField(null=True)
    totp_last_step = models.BigIntegerField(default=0)

    USERNAME_FIELD = "handle"
    objects = MemberManager()

    def __str__(self) -> str:
        return self.handle

    @property
    def is_coordinator(self) -> bool:
        return self.role == Role.COORDINATOR

    @property
    def has_second_factor(self) -> bool:
        return bool(self.totp_sealed)

    @property
    def has_security_key(self) -> bool:
        """Whether the member added a security key (usable at login instead of a code)."""
        return self.security_keys.exists()

    def needs_second_factor(self) -> bool:
        """Coordinators always; everyone when their organisation says so."""
        return self.is_coordinator or self.organisation.second_factor_required


class Invite(models.Model):
    """A one-time code a coordinator hands to a new member through a channel they trust.

    Only a digest of the code is stored. A coordinator invite also carries the organisation's
    private key, encrypted under a key derived from the code, so the database alone cannot open it.
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    role = models.CharField(max_length=20, choices=Role.choices)
    code_digest = models.BinaryField(max_length=32, unique=True)
    wrapped_organisation_key = models.BinaryField(null=True)
    created_by = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    used_by = models.ForeignKey(
        "accounts.Member", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Set when the invite follows an approved application, so the vouching graph reaches the member.
    application = models.ForeignKey(
        "volunteers.Application", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # An invite the vetting rule does not cover by itself (no vouched application, or a
    # coordinator's) waits for a second coordinator; until then the code opens nothing.
    needs_approval = models.BooleanField(default=False)
    approved_by = models.ForeignKey(
        "accounts.Member", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"invite #{self.pk} ({self.role})"


class Act(models.TextChoices):
    """The acts one coordinator may ask for but only a second, independent one lets happen."""

    INVITE = "invite", _("Let an invite be used")
    SHRED = "case.shred", _("Shred a case before its retention ends")
    SUSPEND = "member.suspend", _("Suspend a coordinator")
    RULES = "organisation.rules", _("Change the vetting or reveal rules")
    RECOVER = "member.recover", _("Give a member who lost their passphrase a new key")
    ROTATE = "organisation.rotate", _("Replace the organisation's key")


class Approval(models.Model):
    """One coordinator's request for an act that needs two. It takes effect only when another
    coordinator of the organisation, independent of the first, approves it; either can refuse it.
    The reason is sealed to the organisation."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    act = models.CharField(max_length=20, choices=Act.choices)
    target_id = models.CharField(max_length=64)
    requested_by = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField()
    reason_sealed = models.BinaryField(null=True)
    # Coarse parameters of the act (the new numbers of a rules change); never free text.
    changes = models.JSONField(default=dict, blank=True)
    decided_by = models.ForeignKey(
        Member, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    approved = models.BooleanField(null=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "act", "target_id"],
                condition=models.Q(decided_at__isnull=True),
                name="one_open_approval_per_act",
            )
        ]

    def __str__(self) -> str:
        return f"approval #{self.pk} ({self.act} {self.target_id})"


class ApiToken(models.Model):
    """A staff API token. Its secret half is shown once; the database keeps a digest of it and the
    member's private key encrypted under a key derived from it, so a token can unlock like a login.
    """

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="api_tokens")
    label = models.CharField(max_length=60)
    public_id = models.CharField(max_length=16, unique=True)
    secret_digest = models.BinaryField(max_length=32)
    wrapped_member_key = models.BinaryField()
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"token {self.public_id}"


class KnownDevice(models.Model):
    """A browser a member has logged in from. Wrong passphrases from it are counted apart from
    strangers', so someone guessing at a name cannot lock its member out. The browser holds a
    random token; only its digest is stored."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="devices")
    token_digest = models.BinaryField(max_length=32, unique=True)
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"device #{self.pk} of {self.member_id}"


class MemberSession(AbstractBaseSession):
    """A server-side session, with the member it belongs to (none for a requester's or a visitor's),
    so every session of a member can be ended at once: the sealed half of their unlocked key is
    in the session and goes with the row."""

    member = models.ForeignKey(
        Member, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        db_table = "accounts_session"

    @classmethod
    def get_session_store_class(cls) -> type["SessionBase"]:
        # The store is the configured session engine (haven.accounts.sessions), found the way
        # Django finds it, so that the models need not import the store that imports them.
        store: type[SessionBase] = import_module(settings.SESSION_ENGINE).SessionStore
        return store


class KeyRecovery(models.Model):
    """A member's new key pair while two coordinators recover it for them.

    The new private key is encrypted under a code shown only to the coordinator who asked, then,
    when a second coordinator approves, under a second code shown only to that one. The member
    needs both codes to set a new passphrase; the server holds neither, so no server secret opens
    the new key, and neither coordinator alone can take the account over.
    """

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")
    requested_by = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+")
    approved_by = models.ForeignKey(
        Member, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    new_public_key = models.BinaryField(max_length=32)
    wrapped_new_key = models.BinaryField()
    created_at = models.DateTimeField()
    approved_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    # What was sealed to the old member key: counts re-created for the new one, and what is lost.
    recreated = models.JSONField(default=dict, blank=True)
    lost = models.JSONField(default=list, blank=True)

    def __str__(self) -> str:
        return f"key recovery #{self.pk} of {self.member_id}"


class KeyRotation(models.Model):
    """One replacement of an organisation's key pair, and how far it has come.

    The organisation's public key is the new one from the start, so intake seals to it at once.
    While the rotation runs, the old private key is kept here sealed to the new public key, so any
    reader holding the new key opens what is not yet re-sealed; when the last row is done this
    copy is destroyed with the members' copies of the old key.
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    started_by = models.ForeignKey(Member, null=True, on_delete=models.PROTECT, related_name="+")
    approved_by = models.ForeignKey(Member, null=True, on_delete=models.PROTECT, related_name="+")
    old_public_key = models.BinaryField(max_length=32)
    new_public_key = models.BinaryField(max_length=32)
    old_private_sealed = models.BinaryField()
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    # Where the re-sealing stands: the index of the kind of row in ROTATED and the last primary
    # key done in it, and how many rows of each kind were re-sealed.
    stage = models.PositiveSmallIntegerField(default=0)
    last_pk = models.CharField(max_length=64, blank=True, default="")
    done = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation"],
                condition=models.Q(finished_at__isnull=True),
                name="one_running_rotation",
            )
        ]

    def __str__(self) -> str:
        return f"key rotation #{self.pk} of {self.organisation_id}"


class SecurityKey(models.Model):
    """A security key (WebAuthn credential) a member may use at login instead of a TOTP code.

    The credential's public key is not secret and is kept as it is, with the authenticator's
    signature count. The credential id and the name the member gave the key could tell a seized
    device apart, so both are sealed to the member's own public key (only a login opens them);
    the id is found again through a keyed digest under the pepper.
    """

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="security_keys")
    credential_digest = models.BinaryField(max_length=32, unique=True)
    credential_sealed = models.BinaryField()
    name_sealed = models.BinaryField()
    public_key = models.BinaryField()
    sign_count = models.PositiveBigIntegerField(default=0)
    # Whether the key keeps the credential itself, so it can answer without being told its id
    # (the only way it can answer while a flood of wrong passphrases holds back the name).
    discoverable = models.BooleanField(default=False)
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"security key #{self.pk} of {self.member_id}"
