import time
from dataclasses import replace

import numpy as np

from haven.matching.engine.bound import lp_bound
from haven.matching.engine.hindsight import SLOT_MIN, hindsight_bound, timed_problem
from haven.matching.engine.model import Weights
from haven.matching.engine.surge import (
    ANNOUNCEMENT_MIN,
    BORDER_TOWNS,
    BURSTS,
    DAY_MIN,
    surge_day,
)
from tests.conftest import SQLITE_HALF_ONLY

pytestmark = SQLITE_HALF_ONLY


def test_same_seed_gives_the_same_day_and_another_seed_another():
    one, again, other = surge_day(800, 250, 4), surge_day(800, 250, 4), surge_day(800, 250, 5)
    assert np.array_equal(one.arrive, again.arrive)
    assert np.array_equal(one.requests.lat, again.requests.lat)
    assert np.array_equal(one.opens, again.opens) and np.array_equal(one.closes, again.closes)
    assert not np.array_equal(one.arrive, other.arrive)


def test_day_is_sized_by_its_arguments_and_arrivals_come_in_order():
    day = surge_day(1200, 345, 2)
    assert len(day.requests) == 1200 and len(day.offers) == 345
    assert day.arrive.size == day.leave.size == day.declines.size == 1200
    assert np.all(np.diff(day.arrive) >= 0)
    assert day.arrive.min() >= 0 and day.arrive.max() < DAY_MIN
    assert np.all(day.leave > day.arrive) and day.leave.max() <= DAY_MIN
    assert np.all(day.confirm_after >= 1)


def test_arrivals_peak_after_the_announcement():
    day = surge_day(20_000, 100, 3)
    night = np.sum(day.arrive < ANNOUNCEMENT_MIN - 180) / (ANNOUNCEMENT_MIN - 180)
    wave = np.sum((day.arrive >= ANNOUNCEMENT_MIN + 60) & (day.arrive < ANNOUNCEMENT_MIN + 240))
    assert wave / 180 > 5 * night


def test_bursts_bring_many_groups_to_one_border_town_within_hours():
    day = surge_day(10_000, 100, 6)
    places = day.instance.places
    burst_places = {places[int(k)].id for k in day.instance.request_place[day.burst_rows]}
    assert burst_places <= set(BORDER_TOWNS)
    assert day.burst_rows.size >= 1000
    for town in burst_places:
        rows = day.burst_rows[
            [places[int(k)].id == town for k in day.instance.request_place[day.burst_rows]]
        ]
        # Each burst lasts at most 150 minutes; two bursts may share a town.
        minutes = np.sort(day.arrive[rows])
        windows = 1 + int(np.sum(np.diff(minutes) > 150))
        assert windows <= BURSTS and rows.size >= 0.02 * len(day.requests)
        assert np.allclose(day.requests.lat[rows], places[[p.id for p in places].index(town)].lat)


def test_offers_appear_and_some_are_withdrawn_and_some_groups_decline():
    day = surge_day(5000, 3000, 7)
    assert 0.5 < np.mean(day.opens == 0) < 0.7
    assert np.all(day.closes > day.opens)
    assert 0.1 < np.mean(day.closes < DAY_MIN) < 0.3
    assert 0.05 < day.declines.mean() < 0.11


def test_a_hundred_thousand_arrivals_are_generated_in_seconds():
    started = time.perf_counter()
    day = surge_day(100_000, 30_000, 1)
    assert time.perf_counter() - started < 10
    assert len(day.requests) == 100_000


def _overlaps(day):
    """Minute-level overlap of every request with every offer (small days only)."""
    return (day.arrive[:, None] < day.closes[None, :]) & (day.opens[None, :] <= day.leave[:, None])


def test_time_masks_keep_every_pair_that_overlaps_in_minutes_and_few_others():
    day = surge_day(300, 200, 8)
    timed = timed_problem(day)
    time_bits = ~np.int64(15)
    need = timed.requests.constraints[:, None] & time_bits
    allowed = (need & ~timed.offers.accepts[None, :]) == 0
    overlap = _overlaps(day)
    assert np.all(allowed[overlap]), "a pair that overlaps in time lost its feasibility"
    # Slots only widen the overlap by less than a slot at either end.
    widened = allowed & ~overlap
    rows, cols = np.nonzero(widened)
    gap = np.maximum(day.opens[cols] - day.leave[rows], day.arrive[rows] - day.closes[cols] + 1)
    assert np.all(gap <= SLOT_MIN)
    # The circumstance bits are untouched.
    assert np.array_equal(timed.requests.constraints & 15, day.requests.constraints)
    assert np.array_equal(timed.offers.accepts & 15, day.offers.accepts)


def test_hindsight_is_below_the_timeless_bound_and_zero_when_no_offer_meets_a_group():
    day = surge_day(1500, 450, 9)
    weights = Weights()
    timed = hindsight_bound(day, weights)
    timeless = lp_bound(day.problem, weights)
    assert timed.exact and 0 < timed.value < timeless.value
    late = replace(day, arrive=np.full(1500, DAY_MIN - 2), leave=np.full(1500, DAY_MIN - 1))
    gone = replace(late, opens=np.zeros(450, dtype=np.int64), closes=np.full(450, 600))
    assert hindsight_bound(gone, weights).value == 0


def test_decliners_are_left_out_of_hindsight():
    day = surge_day(1000, 300, 10)
    everyone_declines = replace(day, declines=np.ones(1000, dtype=np.bool_))
    assert hindsight_bound(everyone_declines).value == 0
