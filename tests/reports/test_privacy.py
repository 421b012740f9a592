"""A single person's presence cannot be read off two releases.

The attacker of these tests knows everyone else who asked (the strongest one differential privacy
guards against), holds two releases, and must say whether one more person, Алексей (a group of
three, needing legal advice and a place to stay), is in the data. The neighbouring datasets differ
by exactly him.
"""

import math
from collections.abc import Callable
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from haven.accounts.models import Organisation
from haven.accounts.organisations import organisation_create
from haven.cases.models import Case
from haven.intake.services import Accepted
from haven.reports.models import Sharing, WeeklyRelease
from haven.reports.queries import COUNTRIES, table
from haven.reports.release import (
    GROUPS,
    MEASURES,
    PEOPLE_CAP,
    WEEK_EPSILON,
    closed_weeks,
    mechanism,
    noisy_week,
    released,
    week_of,
)
from haven.reports.services import release_publish, releases_publish_due
from tests.conftest import PASSPHRASE

WITHOUT = {
    "KZ": {"requests": 12, "people": 15, "need_legal": 7, "need_shelter": 9, "need_route": 3}
}
# The same week with Алексей: one request, three people, two needs.
WITH = {"KZ": {"requests": 13, "people": 18, "need_legal": 8, "need_shelter": 10, "need_route": 3}}
TRIALS = 1500


def _log_likelihood(observed: dict[str, int], exact: dict[str, int]) -> float:
    """log P(observed | exact) under the discrete Laplace noise of each group, up to a constant
    that is the same for both worlds."""
    total = 0.0
    for group in GROUPS:
        for measure in group.measures:
            total -= abs(observed[measure] - exact.get(measure, 0)) / group.scale
    return total


def _attacker_guesses_right(release: dict[str, dict[str, int]], present: bool) -> bool:
    """The optimal test: the world under which the release is likelier."""
    kz = release["KZ"]
    says_present = _log_likelihood(kz, WITH["KZ"]) > _log_likelihood(kz, WITHOUT["KZ"])
    return says_present == present


def test_each_group_spends_what_opendps_privacy_map_says_and_a_week_spends_two() -> None:
    for group in GROUPS:
        cells = len(COUNTRIES) * len(group.measures)
        assert float(mechanism(group, cells).map(group.sensitivity)) <= group.epsilon + 1e-9
    _figures, ledger = noisy_week(WITH, COUNTRIES)
    assert math.isclose(sum(ledger.values()), WEEK_EPSILON)
    assert WEEK_EPSILON == 2.0


def test_the_attacker_who_knows_everyone_else_cannot_tell_whether_one_person_asked() -> None:
    # Two releases: week 1 alone, then weeks 1 and 2. Week 1 is read from storage in the second
    # (the database test below shows it), so the second adds only week 2, whose noise is drawn
    # independently of Алексей. All the attacker learns of him is in week 1's one release.
    week_two = {"KZ": {"requests": 9, "people": 11}}
    right = 0
    for trial in range(TRIALS):
        present = trial % 2 == 0
        first, _ = noisy_week(WITH if present else WITHOUT, ("KZ",))
        second = {"week 1": first, "week 2": noisy_week(week_two, ("KZ",))[0]}
        right += _attacker_guesses_right(second["week 1"], present)
    # Epsilon-DP bounds any test's accuracy, with even odds, by e^ε / (1 + e^ε). Алексей's
    # arrival moves requests, people and needs: ε = 1.6.
    spent = sum(group.epsilon for group in GROUPS[:3])
    bound = math.exp(spent) / (1 + math.exp(spent))
    accuracy = right / TRIALS
    print(
        f"\nattacker's accuracy over {TRIALS} trials: {accuracy:.3f} (epsilon-DP bound {bound:.3f})"
    )
    # Three standard errors of margin: a broken mechanism (less noise) lands far above.
    assert accuracy <= bound + 3 * math.sqrt(bound * (1 - bound) / TRIALS), accuracy
    # The noise is not so loud that the figures say nothing: the attacker does better than chance.
    assert accuracy > 0.55


def test_suppression_and_rounding_alone_would_give_him_away() -> None:
    # What the rule replaces: exact counts suppressed below ten and rounded. The same attacker
    # reads him off at once, because 12 rounds to 10 and 13 to 15.
    without = released(WITHOUT["KZ"]["requests"])
    with_him = released(WITH["KZ"]["requests"])
    assert without != with_him


def _backdated(make_request: Callable[..., Accepted], count: int, week: date, **fields: object):
    hour = timezone.make_aware(datetime.combine(week + timedelta(days=2), time(10)))
    accepted = [make_request(**fields) for _ in range(count)]
    Case.objects.filter(pk__in=[item.case.pk for item in accepted]).update(created_hour=hour)
    return accepted


def test_a_published_week_never_changes_and_spends_its_budget_once(
    organisation: Organisation, make_request: Callable[..., Accepted]
) -> None:
    last_week = week_of(timezone.localdate()) - timedelta(weeks=1)
    _backdated(make_request, 12, last_week, place="kz-almaty")
    first = release_publish(organisation=organisation, week=last_week)
    # Afterwards his request is backdated into the same week (as a late import would), and
    # others change: the week's release, read again for a release of more weeks, is the same.
    late = _backdated(make_request, 1, last_week, place="kz-almaty", group_size=3)
    Case.objects.filter(pk=late[0].case.pk).update(group_size=PEOPLE_CAP)
    weeks = closed_weeks(timezone.localdate(), weeks=3)
    second = releases_publish_due(organisations=[organisation], weeks=weeks)
    again = next(item for item in second if item.week == last_week)
    assert again.pk == first.pk and again.figures == first.figures
    ledger = WeeklyRelease.objects.filter(organisation=organisation)
    assert ledger.count() == 3
    assert all(math.isclose(item.epsilon_spent, WEEK_EPSILON) for item in ledger)
    # Pages of the same weeks, read twice, show the same figures and spend nothing more.
    shown = table(second, weeks, organisations=1)
    assert table(list(ledger), weeks, organisations=1) == shown
    assert WeeklyRelease.objects.count() == 3


def test_the_network_minus_one_organisation_is_only_the_others_own_release(
    organisation: Organisation, make_request: Callable[..., Accepted]
) -> None:
    other, _coordinator = organisation_create(
        slug="second",
        name="Second group",
        coordinator_handle="sasha",
        coordinator_passphrase=PASSPHRASE,
    )
    last_week = week_of(timezone.localdate()) - timedelta(weeks=1)
    _backdated(make_request, 12, last_week, place="kz-almaty")
    # The second organisation had one request that week: the small count differencing would find.
    _backdated(make_request, 1, last_week, target=other, place="kz-almaty")
    for item in (organisation, other):
        Sharing.objects.create(
            organisation=item, public=True, network=True, changed_hour=timezone.now()
        )
    weeks = [last_week]
    network = releases_publish_due(organisations=[organisation, other], weeks=weeks)
    alone = releases_publish_due(organisations=[organisation], weeks=weeks)
    second = next(item for item in network if item.organisation_id == other.pk)
    # The network's noisy figures are the sum of the two stored releases, no new noise, no new
    # budget, so network minus the first organisation is exactly the second's own DP release.
    summed = {
        measure: network[0].figures["KZ"][measure] + network[1].figures["KZ"][measure]
        for measure in MEASURES
    }
    difference = {m: summed[m] - alone[0].figures["KZ"][m] for m in MEASURES}
    assert difference == {m: second.figures["KZ"][m] for m in MEASURES}
    assert WeeklyRelease.objects.count() == 2
