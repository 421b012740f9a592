"""`haven worker`: recurring jobs, each claimed by exactly one worker per interval.

A worker looks for due jobs every few seconds; claiming is one conditional UPDATE (the row's
next run moves forward only if it was still due), so several workers on PostgreSQL, or one on
SQLite, never run a job twice.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone

from haven.core.models import ScheduledJob

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    name: str
    every: timedelta
    run: Callable[[], dict[str, object]]


def _match() -> dict[str, object]:
    from haven.accounts.models import Organisation
    from haven.matching.models import MatchRun
    from haven.matching.services import propose_network

    runs = 0
    for organisation in Organisation.objects.filter(accepts_requests=True):
        proposal = propose_network(organisation.pk)
        MatchRun.objects.create(
            organisation=organisation,
            ran_at=timezone.now(),
            open_cases=proposal.open_cases,
            people_placed=proposal.people_placed,
            urgent_people=proposal.urgent_people,
            urgent_placed=proposal.urgent_placed,
            urgent_unplaced=dict(proposal.urgent_unplaced),
            seconds=proposal.seconds,
        )
        runs += 1
    return {"organisations": runs}


def _potentials() -> dict[str, object]:
    from haven.matching.potentials import potentials_run_all

    return potentials_run_all()


def _forget_counters() -> dict[str, object]:
    from haven.core.ratelimit import forget_old_counters

    return {"deleted": forget_old_counters()}


def _link_audit() -> dict[str, object]:
    from haven.audit.services import link_pending

    return {"linked": link_pending()}


def _shred_due() -> dict[str, object]:
    from haven.cases.retention import shred_due

    return {"shredded": shred_due()}


def _expire_proposals() -> dict[str, object]:
    from haven.volunteers.placements import placements_expire

    return {"expired": placements_expire()}


def _knowledge_review() -> dict[str, object]:
    from haven.knowledge.services import review_reminder

    reminder = review_reminder()
    return {"waiting": reminder.waiting, "dangerous": reminder.dangerous}


def _notify() -> dict[str, object]:
    from haven.notifications.services import send_due, send_pings

    done = send_due()
    pinged = send_pings()
    return {
        "sent": done.sent,
        "failed": done.failed,
        "waiting": done.waiting,
        "pings_sent": pinged.sent,
        "pings_failed": pinged.failed,
        "pings_waiting": pinged.waiting,
    }


def _deliver_referrals() -> dict[str, object]:
    from haven.referrals.delivery import deliver_due

    return dict(deliver_due())


JOBS = (
    Job("link-audit", timedelta(seconds=5), _link_audit),
    Job("match", timedelta(minutes=15), _match),
    # The desk's suggestions use potentials younger than 30 minutes (matching.potentials).
    Job("potentials", timedelta(minutes=5), _potentials),
    Job("expire-proposals", timedelta(minutes=5), _expire_proposals),
    Job("forget-rate-counters", timedelta(hours=1), _forget_counters),
    Job("shred-due", timedelta(days=1), _shred_due),
    Job("knowledge-review", timedelta(days=7), _knowledge_review),
    # Each member's (and requester's) cadence, the organisation's choice, decides when they are
    # told; this only looks for whoever is due.
    Job("notify", timedelta(minutes=1), _notify),
    Job("deliver-referrals", timedelta(seconds=5), _deliver_referrals),
)


def claim(job: Job) -> bool:
    """Take a due job for this worker; False if it is not due or another worker took it."""
    now = timezone.now()
    ScheduledJob.objects.get_or_create(name=job.name, defaults={"next_run_at": now})
    return bool(
        ScheduledJob.objects.filter(name=job.name, next_run_at__lte=now).update(
            next_run_at=now + job.every, last_run_at=now
        )
    )


def run_due() -> list[str]:
    """Run every job that is due and that this worker claims; return their names."""
    ran = []
    for job in JOBS:
        if not claim(job):
            continue
        try:
            result = job.run()
        except Exception:  # a failing job must not stop the worker; it is retried next interval
            logger.exception("job %s failed", job.name)
            result = {"failed": True}
        ScheduledJob.objects.filter(name=job.name).update(last_result=result)
        ran.append(job.name)
    return ran
