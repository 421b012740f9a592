"""Property tests of the online policies: whatever the day, no suggestion breaks a rule."""

from dataclasses import replace

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from haven.core.places import Place
from haven.matching.engine.instance import SurgeInstance
from haven.matching.engine.online import (
    POLICIES,
    OnlineSettings,
    day_violations,
    run_policy,
    suggestion_violations,
)
from haven.matching.engine.surge import DAY_MIN, SurgeDay, surge_day
from tests.conftest import SQLITE_HALF_ONLY

from .strategies import POINTS, WEIGHTS, problems

pytestmark = SQLITE_HALF_ONLY

PLACES = tuple(
    Place(f"p{k}", "KZ", f"p{k}", f"p{k}", lat, lon, ("ru",), 1)
    for k, (lat, lon) in enumerate(POINTS)
)
ONLINE_SETTINGS = st.builds(
    OnlineSettings,
    batch_minutes=st.sampled_from([5, 30, 240]),
    refresh_minutes=st.sampled_from([5, 30, 240]),
    horizon_minutes=st.sampled_from([60, 720]),
    forecast_scale=st.sampled_from([0.5, 1.0, 2.0]),
    last_call_priced=st.booleans(),
    seed=st.integers(0, 3),
)


def _place_of(lat, lon):
    return np.array([[p[0] for p in POINTS].index(a) for a in lat.tolist()], dtype=np.int64)


@st.composite
def days(draw):
    """A small day: any bed problem of the property tests, with arrivals, patience, answers,
    declines and offers that open and close at any minute."""
    problem = draw(problems(max_requests=14, max_offers=7))
    n, k = len(problem.requests), len(problem.offers)
    minutes = st.integers(0, DAY_MIN - 1)
    arrive = np.sort(np.array(draw(st.lists(minutes, min_size=n, max_size=n)), dtype=np.int64))
    patience = np.array(draw(st.lists(st.integers(1, 900), min_size=n, max_size=n)), dtype=np.int64)
    opens = np.array(draw(st.lists(minutes, min_size=k, max_size=k)), dtype=np.int64)
    span = np.array(draw(st.lists(st.integers(1, DAY_MIN), min_size=k, max_size=k)), dtype=np.int64)
    instance = SurgeInstance(
        problem=problem,
        languages=("ru", "en", "kk"),
        request_place=_place_of(problem.requests.lat, problem.requests.lon),
        offer_place=_place_of(problem.offers.lat, problem.offers.lon),
        places=PLACES,
    )
    return SurgeDay(
        instance=instance,
        arrive=arrive,
        leave=np.minimum(arrive + patience, DAY_MIN),
        declines=np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)), dtype=np.bool_),
        confirm_after=np.array(
            draw(st.lists(st.integers(1, 120), min_size=n, max_size=n)), dtype=np.int64
        ),
        opens=np.where(np.array(draw(st.lists(st.booleans(), min_size=k, max_size=k))), 0, opens),
        closes=np.minimum(opens + span, DAY_MIN),
        burst_rows=np.zeros(0, dtype=np.int64),
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(day=days(), policy=st.sampled_from(list(POLICIES)), online=ONLINE_SETTINGS)
def test_no_suggestion_of_any_policy_breaks_a_constraint(day, policy, online):
    outcome = run_policy(day, policy, WEIGHTS, online)
    assert day_violations(day, outcome, WEIGHTS) == []
    # Confirmed placements are among the suggestions, never split over two offers.
    made = {(r, o) for r, o, _ in outcome.suggestions}
    placed = np.flatnonzero(outcome.offer_of >= 0)
    assert all((int(r), int(outcome.offer_of[r])) in made for r in placed)


@settings(max_examples=6, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    arrivals=st.integers(50, 200),
    offers=st.integers(10, 60),
    policy=st.sampled_from(list(POLICIES)),
    online=ONLINE_SETTINGS,
)
def test_no_suggestion_breaks_a_constraint_on_generated_surge_days(
    seed, arrivals, offers, policy, online
):
    day = surge_day(arrivals, offers, seed)
    outcome = run_policy(day, policy, WEIGHTS, online)
    assert day_violations(day, outcome, WEIGHTS) == []


def test_the_suggestion_checker_catches_a_bed_held_twice_and_an_infeasible_suggestion():
    day = surge_day(400, 60, 5)
    outcome = run_policy(day, "greedy", WEIGHTS)
    assert suggestion_violations(day, outcome, WEIGHTS) == []
    row, offer, minute = outcome.suggestions[0]
    # The same group suggested again at an offer that cannot take it.
    unfit = int(np.flatnonzero(day.offers.capacity < day.requests.size[row])[0])
    doubled = replace(outcome, suggestions=[*outcome.suggestions, (row, unfit, minute)])
    found = suggestion_violations(day, doubled, WEIGHTS)
    assert any("more than one suggestion" in p for p in found)
    assert any("infeasible offer" in p for p in found)
    # Every group suggested the first offer at the start of its wait overfills it.
    crowded = replace(
        outcome,
        suggestions=[(r, offer, int(day.arrive[r])) for r in range(len(day.requests))
                     if day.arrive[r] >= day.opens[offer]],
    )  # fmt: skip
    assert any(f"offer {offer} holds" in p for p in suggestion_violations(day, crowded, WEIGHTS))
