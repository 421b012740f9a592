"""Publishing a week's figures once, with noise (haven.reports.release), and the organisation's
choice of what the public sees."""

from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone

from haven.accounts.models import Member, Organisation
from haven.audit.services import audit_record, to_the_hour
from haven.reports.models import Sharing, WeeklyRelease
from haven.reports.queries import COUNTRIES, exact_counts
from haven.reports.release import WEEK_EPSILON, noisy_week, week_of


class BudgetSpent(Exception):
    """The week's privacy budget is already spent: its release stands as published."""


@transaction.atomic
def release_publish(
    *, organisation: Organisation, week: date, today: date | None = None
) -> WeeklyRelease:
    """Publish the organisation's figures for a week that is over: exact counts read once, noise
    drawn once, the epsilon spent written to the ledger; a published week is returned as it is."""
    if week != week_of(week) or week >= week_of(today or timezone.localdate()):
        raise ValueError("only a week that is over, named by its Monday, is released")
    # One publisher per organisation at a time, so a week's noise is never drawn twice.
    Organisation.objects.select_for_update().filter(pk=organisation.pk).first()
    existing = WeeklyRelease.objects.filter(organisation=organisation, week=week).first()
    if existing is not None:
        return existing
    figures, epsilon = noisy_week(exact_counts(organisation, week), COUNTRIES)
    if sum(epsilon.values()) > WEEK_EPSILON + 1e-9:
        raise BudgetSpent
    release = WeeklyRelease.objects.create(
        organisation=organisation,
        week=week,
        figures=figures,
        epsilon=epsilon,
        published_hour=to_the_hour(timezone.now()),
    )
    audit_record(
        actor=None,
        action="reports.release",
        organisation=organisation,
        target_type="weekly_release",
        target_id=week.isoformat(),
        data={"epsilon": round(release.epsilon_spent, 6)},
    )
    return release


def releases_publish_due(
    *, organisations: list[Organisation], weeks: list[date]
) -> list[WeeklyRelease]:
    """The releases of these weeks that are over, publishing any not yet published (each in its
    own transaction, by release_publish)."""
    published = {
        (item.organisation_id, item.week): item
        for item in WeeklyRelease.objects.filter(organisation__in=organisations, week__in=weeks)
    }
    for organisation in organisations:
        for week in weeks:
            if (organisation.pk, week) in published:
                continue
            try:
                release = release_publish(organisation=organisation, week=week)
            except IntegrityError:
                # Another process published it first (SQLite has no row lock to wait on): its
                # noise stands, and this one's is thrown away unseen.
                release = WeeklyRelease.objects.get(organisation=organisation, week=week)
            published[(organisation.pk, week)] = release
    return list(published.values())


@transaction.atomic
def sharing_set(*, actor: Member, public: bool, network: bool) -> Sharing:
    """A coordinator chooses whether the organisation's released figures get a public page and
    whether they count in the network's public figures."""
    if not (actor.is_active and actor.is_coordinator and actor.suspended_at is None):
        raise PermissionError("only the organisation's coordinators choose what it publishes")
    sharing, _created = Sharing.objects.select_for_update().get_or_create(
        organisation=actor.organisation, defaults={"changed_hour": to_the_hour(timezone.now())}
    )
    was = {"public": sharing.public, "network": sharing.network}
    sharing.public, sharing.network = public, network
    sharing.changed_hour = to_the_hour(timezone.now())
    sharing.save()
    audit_record(
        actor=actor,
        action="reports.sharing",
        organisation=actor.organisation,
        target_type="organisation",
        target_id=str(actor.organisation_id),
        data={"public": public, "network": network, "was": was},
    )
    return sharing
