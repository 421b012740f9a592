from dataclasses import replace

import numpy as np
import pytest
from django.core.management import CommandError, call_command

from haven.matching.engine import online_bench
from haven.matching.engine.hindsight import hindsight_bound
from haven.matching.engine.model import Constraint, Weights
from haven.matching.engine.online import (
    POLICIES,
    OnlineSettings,
    day_violations,
    run_policy,
)
from haven.matching.engine.surge import surge_day
from tests.conftest import SQLITE_HALF_ONLY

pytestmark = SQLITE_HALF_ONLY


@pytest.fixture(scope="module")
def day():
    return surge_day(1500, 450, 11)


@pytest.fixture(scope="module")
def bound(day):
    return hindsight_bound(day, Weights())


@pytest.fixture(scope="module")
def outcomes(day):
    return {name: run_policy(day, name) for name in POLICIES}


def test_the_day_needs_every_kind_of_constraint(day):
    constraints = day.requests.constraints
    for flag in Constraint:
        assert (constraints & int(flag)).any(), flag
    assert (day.offers.requires & int(Constraint.WOMEN_ONLY)).any()
    assert (day.requests.size > 1).any() and (day.requests.primary != 0).any()


@pytest.mark.parametrize("policy", list(POLICIES))
def test_no_policy_ever_breaks_a_constraint(day, outcomes, bound, policy):
    outcome = outcomes[policy]
    assert day_violations(day, outcome) == []
    placed = outcome.offer_of >= 0
    assert placed.sum() > 100
    # Groups with circumstances are placed too, and only where they are accepted.
    for flag in Constraint:
        rows = np.flatnonzero(placed & ((day.requests.constraints & int(flag)) != 0))
        offers = outcome.offer_of[rows]
        assert np.all((day.offers.accepts[offers] & int(flag)) != 0)
    women_only = placed & ((day.offers.requires[np.maximum(outcome.offer_of, 0)] & 2) != 0)
    assert np.all((day.requests.constraints[women_only] & int(Constraint.WOMEN_ONLY)) != 0)
    assert 0 < outcome.value <= bound.value


def test_the_day_checker_catches_a_placement_out_of_time_and_over_capacity(day, outcomes):
    outcome = outcomes["greedy"]
    row = int(np.flatnonzero(outcome.offer_of >= 0)[0])
    early = replace(outcome, decided_at=outcome.decided_at.copy())
    early.decided_at[row] = day.arrive[row] - 1
    assert any("outside its waiting time" in p for p in day_violations(day, early))
    crowded = replace(outcome, offer_of=np.where(outcome.offer_of >= 0, outcome.offer_of[row], -1))
    assert any("holds" in p for p in day_violations(day, crowded))
    decliner = int(np.flatnonzero(day.declines)[0])
    taken = replace(outcome, offer_of=outcome.offer_of.copy(), decided_at=outcome.decided_at.copy())
    taken.offer_of[decliner], taken.decided_at[decliner] = (
        outcome.offer_of[row],
        day.arrive[decliner],
    )
    assert any("declined" in p for p in day_violations(day, taken))


def test_decliners_are_never_placed_and_beds_they_held_go_to_others(day, outcomes):
    for outcome in outcomes.values():
        assert not (outcome.offer_of[day.declines] >= 0).any()
        assert outcome.suggested > int((outcome.offer_of >= 0).sum())


def test_dual_prices_keep_beds_for_the_urgent_and_beat_greedy_and_nearest(day, outcomes):
    urgent = day.requests.urgency >= 4
    people = day.requests.size

    def urgent_placed(name):
        return int(people[urgent & (outcomes[name].offer_of >= 0)].sum())

    assert outcomes["dual"].value > outcomes["greedy"].value > outcomes["nearest"].value
    assert urgent_placed("dual") > urgent_placed("greedy") > urgent_placed("nearest")


@pytest.mark.parametrize("scale", [0.5, 2.0])
def test_a_forecast_half_or_twice_the_arrivals_stays_within_a_point_of_greedy(
    day, outcomes, bound, scale
):
    wrong = run_policy(day, "dual", settings=OnlineSettings(forecast_scale=scale))
    assert day_violations(day, wrong) == []
    greedy = outcomes["greedy"].value / bound.value
    assert wrong.value / bound.value >= greedy - 0.01


def test_decisions_and_refreshes_are_timed(outcomes):
    assert len(outcomes["dual"].refresh_s) == 48
    assert outcomes["batch"].refresh_s == [] and len(outcomes["batch"].decision_s) <= 48
    assert len(outcomes["greedy"].decision_s) >= 1500


def test_unknown_policy_is_refused(day):
    with pytest.raises(ValueError, match="unknown policy"):
        run_policy(day, "magic")


def test_bench_reports_every_policy_and_the_forecast_table():
    result = online_bench.run(
        300, 100, [1, 2], list(POLICIES), forecast_scales=(0.5, 2.0), perfect_forecast=True
    )
    summary = result["summary"]
    assert set(summary["policies"]) == set(POLICIES)
    assert set(summary["forecast"]) == {"0.5", "2.0", "perfect"}
    for row in [*summary["policies"].values(), *summary["forecast"].values()]:
        assert row["violations"] == 0
        assert 0 < row["share_of_hindsight"] <= 1
    assert summary["policies"]["dual"]["median_refresh_s"] is not None
    table = online_bench.format_table(result)
    assert "dual-price suggestions" in table and "forecast x2" in table
    assert "perfect forecast" in table


def test_haven_bench_online_prints_the_table(capsys):
    call_command(
        "bench", "online", "--arrivals", "300", "--offers", "100", "--seeds", "1",
        "--forecast-scales", "",
    )  # fmt: skip
    out = capsys.readouterr().out
    assert "nearest free bed" in out and "hindsight" in out
    assert "when the forecast is wrong" not in out


def test_haven_bench_online_refuses_bad_options():
    with pytest.raises(CommandError, match="unknown policy"):
        call_command("bench", "online", "--policies", "greedy,magic")
    with pytest.raises(CommandError, match="comma-separated numbers"):
        call_command("bench", "online", "--seeds", "one")
