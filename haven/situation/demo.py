"""The demo's crossing reports: a few hours of invented reports at each listed crossing, sent
through the real service, so the board shows each level of certainty."""

import random
from datetime import datetime

from haven.accounts.models import Member
from haven.situation.models import Direction
from haven.situation.scoring import Incident, Outcome, Queue
from haven.situation.services import Reporter, Sighting, report_submit

# Per crossing: what most reporters say, the queue, and who reports. Upper Lars is confirmed by a
# volunteer, Karaozek is likely (requesters agree), Syrym has one anonymous report, and the two
# anonymous reports of Kyakhta disagree (the graver leads, unconfirmed).
SCENES: tuple[tuple[str, Outcome, Queue, frozenset[Incident], tuple[str, ...]], ...] = (
    (
        "upper-lars",
        Outcome.PASSED,
        Queue.FROM_6H,
        frozenset({Incident.QUESTIONED}),
        ("anonymous",) * 5 + ("requester", "volunteer"),
    ),
    (
        "karaozek",
        Outcome.PASSED,
        Queue.FROM_2H,
        frozenset({Incident.PHONE_SEARCHED}),
        ("anonymous",) * 3 + ("requester",) * 2,
    ),
    ("syrym", Outcome.TURNED_BACK, Queue.UNDER_2H, frozenset(), ("anonymous",)),
    ("kyakhta-altanbulag", Outcome.PASSED, Queue.UNDER_2H, frozenset(), ("anonymous",) * 2),
)


def demo_reports(*, coordinator: Member, requester_ids: list[str], now: datetime) -> int:
    """Send the demo's reports as of `now`; returns how many were sent."""
    rng = random.Random(25)  # noqa: S311  # invented demo data, not secrets
    sent = 0
    for crossing, outcome, queue, incidents, reporters in SCENES:
        for index, kind in enumerate(reporters):
            said = outcome
            if crossing == "kyakhta-altanbulag" and index == 1:
                said = Outcome.TURNED_BACK
            if kind == "volunteer":
                reporter = Reporter.volunteer(coordinator)
            elif kind == "requester":
                reporter = Reporter.requester(requester_ids[(sent + index) % len(requester_ids)])
            else:
                reporter = Reporter.anonymous()
            report_submit(
                reporter=reporter,
                sighting=Sighting(
                    crossing=crossing,
                    direction=Direction.LEAVING,
                    queue=queue,
                    outcome=said,
                    incidents=incidents,
                    hours_ago=rng.randrange(0, 6),
                ),
                now=now,
            )
            sent += 1
    return sent
