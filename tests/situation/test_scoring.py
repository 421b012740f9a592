"""The board's scoring rule, alone: weights, decay, agreement, and simulated report streams with
a coordinated flood of false anonymous reports."""

from datetime import UTC, datetime, timedelta

import pytest

from haven.situation import simulate
from haven.situation.scoring import (
    ANONYMOUS_CAP,
    HALF_LIFE,
    Incident,
    Kind,
    Level,
    Observation,
    Outcome,
    Queue,
    Review,
    assess,
    decay,
)
from tests.conftest import SQLITE_HALF_ONLY

pytestmark = SQLITE_HALF_ONLY

NOW = datetime(2022, 9, 25, 14, 30, tzinfo=UTC)


def seen(
    kind: Kind = Kind.ANONYMOUS,
    outcome: Outcome = Outcome.PASSED,
    *,
    hours_ago: int = 0,
    queue: Queue = Queue.FROM_2H,
    review: Review = Review.NONE,
    incidents: frozenset[Incident] = frozenset(),
) -> Observation:
    hour = NOW.replace(minute=0) - timedelta(hours=hours_ago)
    return Observation(
        hour=hour, kind=kind, outcome=outcome, queue=queue, incidents=incidents, review=review
    )


def test_no_reports_say_so() -> None:
    assert assess([], now=NOW).level == Level.NONE


def test_a_single_anonymous_report_is_never_stated_as_fact() -> None:
    assessment = assess([seen()], now=NOW)
    assert assessment.level == Level.UNCONFIRMED
    assert not assessment.is_fact
    assert assessment.reports == 1


def test_agreeing_anonymous_reports_alone_stay_unconfirmed_however_many() -> None:
    assessment = assess([seen() for _ in range(200)], now=NOW)
    assert assessment.outcome == Outcome.PASSED
    assert assessment.level == Level.UNCONFIRMED


def test_a_requester_agreeing_with_an_anonymous_report_makes_it_likely() -> None:
    assessment = assess([seen(), seen(Kind.REQUESTER, hours_ago=1)], now=NOW)
    assert assessment.level == Level.LIKELY
    assert assessment.is_fact


def test_a_single_requester_report_is_not_yet_fact() -> None:
    assert assess([seen(Kind.REQUESTER)], now=NOW).level == Level.UNCONFIRMED


def test_a_volunteer_report_confirms() -> None:
    assessment = assess([seen(Kind.VOLUNTEER, Outcome.TURNED_BACK)], now=NOW)
    assert (assessment.level, assessment.outcome) == (Level.CONFIRMED, Outcome.TURNED_BACK)


def test_a_confirmed_anonymous_report_weighs_as_a_volunteers() -> None:
    flood = [seen(outcome=Outcome.DETAINED) for _ in range(50)]
    confirmed = seen(outcome=Outcome.PASSED, review=Review.CONFIRMED)
    assessment = assess([*flood, confirmed], now=NOW)
    assert (assessment.level, assessment.outcome) == (Level.CONFIRMED, Outcome.PASSED)


def test_a_dismissed_report_counts_for_nothing() -> None:
    dismissed = seen(Kind.VOLUNTEER, Outcome.DETAINED, review=Review.DISMISSED)
    assessment = assess([dismissed, seen()], now=NOW)
    assert assessment.outcome == Outcome.PASSED
    assert assessment.reports == 1


def test_weight_halves_every_half_life() -> None:
    assert decay(timedelta(0)) == 1.0
    assert decay(HALF_LIFE) == pytest.approx(0.5)
    assert decay(HALF_LIFE * 2) == pytest.approx(0.25)


def test_new_reports_outweigh_old_ones_of_the_same_kind() -> None:
    old = [seen(Kind.REQUESTER, Outcome.TURNED_BACK, hours_ago=9) for _ in range(3)]
    new = [seen(Kind.REQUESTER, Outcome.PASSED, hours_ago=0) for _ in range(2)]
    # Three nine-hour-old reports weigh 3 x 3/8; two fresh ones 2 x 3: the fresh ones lead.
    assert assess([*old, *new], now=NOW).outcome == Outcome.PASSED


def test_reports_older_than_the_window_are_left_out() -> None:
    assert assess([seen(Kind.VOLUNTEER, hours_ago=13)], now=NOW).level == Level.NONE


def test_disagreement_is_said_not_hidden() -> None:
    reports = [seen(Kind.REQUESTER, Outcome.PASSED), seen(Kind.REQUESTER, Outcome.TURNED_BACK)]
    assessment = assess(reports, now=NOW)
    assert assessment.level == Level.DISPUTED
    assert not assessment.is_fact


def test_on_a_tie_the_graver_outcome_leads() -> None:
    reports = [seen(Kind.REQUESTER, Outcome.PASSED), seen(Kind.REQUESTER, Outcome.DETAINED)]
    assert assess(reports, now=NOW).outcome == Outcome.DETAINED


def test_the_evidence_counts_kinds_and_hours() -> None:
    reports = [seen(hours_ago=5), seen(Kind.REQUESTER, hours_ago=2), seen(Kind.VOLUNTEER)]
    assessment = assess(reports, now=NOW)
    assert assessment.reports == 3
    assert assessment.by_kind == {Kind.ANONYMOUS: 1, Kind.REQUESTER: 1, Kind.VOLUNTEER: 1}
    assert assessment.hours == 6


def test_queue_is_the_weighted_median_band() -> None:
    reports = [
        seen(Kind.VOLUNTEER, queue=Queue.FROM_6H),
        *[seen(queue=Queue.OVER_24H) for _ in range(40)],
    ]
    assert assess(reports, now=NOW).queue == Queue.FROM_6H


def test_incidents_named_by_most_of_the_weight_are_shown() -> None:
    searched = frozenset({Incident.PHONE_SEARCHED})
    reports = [seen(Kind.REQUESTER, incidents=searched), seen(Kind.REQUESTER, incidents=searched)]
    reports.append(seen(Kind.REQUESTER))
    assert assess(reports, now=NOW).incidents == (Incident.PHONE_SEARCHED,)


def test_a_flood_cannot_outweigh_one_requester() -> None:
    flood = [seen(outcome=Outcome.DETAINED) for _ in range(10_000)]
    assessment = assess([*flood, seen(Kind.REQUESTER)], now=NOW)
    assert assessment.outcome == Outcome.PASSED
    assert assessment.burst
    # Nor can a flood lend a lone report its second voice.
    flood_of_agreement = [seen() for _ in range(10_000)]
    assert assess([*flood_of_agreement, seen(Kind.REQUESTER)], now=NOW).level == Level.UNCONFIRMED


def test_a_flood_in_one_hour_weighs_no_more_than_one_anonymous_report() -> None:
    flood = [seen(outcome=Outcome.DETAINED) for _ in range(10_000)]
    honest = [seen(hours_ago=hours) for hours in (1, 2)]
    assert assess([*flood, *honest], now=NOW).outcome == Outcome.PASSED
    assert ANONYMOUS_CAP == 2.0


def test_an_ordinary_hour_of_anonymous_reports_is_not_called_a_flood() -> None:
    assert not assess([seen() for _ in range(10)], now=NOW).burst


# Simulated streams (haven.situation.simulate; `python -m haven.situation.simulate` prints them).


@pytest.fixture(scope="module")
def figures() -> dict[str, object]:
    return simulate.figures(seeds=200)


def test_simulated_board_recovers_the_true_state(figures: dict[str, dict[str, float]]) -> None:
    recovery = figures["recovery"]
    assert recovery["true_state_leads"] >= 0.85
    assert recovery["wrong_stated_as_fact"] <= 0.03
    assert figures["lag_hours"] <= 5  # type: ignore[operator]  # a float
    steady = figures["recovery_steady"]
    assert steady["true_state_leads"] >= 0.9
    assert steady["wrong_stated_as_fact"] <= 0.02


def test_simulated_flood_of_false_anonymous_reports_is_resisted(
    figures: dict[str, dict[str, float]],
) -> None:
    without, flood = figures["same_hours_without_flood"], figures["flood_500"]
    # 500 false reports of detentions barely move the board where people we know report.
    assert flood["true_state_leads"] >= without["true_state_leads"] - 0.05
    assert flood["wrong_stated_as_fact"] <= without["wrong_stated_as_fact"] + 0.01
    assert flood["flood_flagged"] == 1.0
    assert without["flood_flagged"] == 0.0


def test_simulated_flood_kept_up_for_hours_is_resisted(
    figures: dict[str, dict[str, float]],
) -> None:
    without, flood = figures["same_hours_without_flood"], figures["flood_500_an_hour_for_4_hours"]
    assert flood["true_state_leads"] >= without["true_state_leads"] - 0.05
    assert flood["wrong_stated_as_fact"] <= without["wrong_stated_as_fact"] + 0.01


def test_simulated_flood_with_only_anonymous_reporters_is_never_stated_as_fact(
    figures: dict[str, dict[str, float]],
) -> None:
    alone = figures["flood_500_anonymous_only"]
    assert alone["stated_as_fact"] == 0.0
    # One hour's anonymous reports weigh no more than one report: the other hours still speak.
    assert alone["true_state_leads"] >= 0.9
    assert alone["flood_flagged"] == 1.0
