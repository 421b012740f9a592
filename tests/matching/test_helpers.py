"""Counseling and drive suggestions: only feasible offers, best first."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from haven.matching.engine.helpers import (
    CounselingOffers,
    Rides,
    Topic,
    suggest_counseling,
    suggest_rides,
)
from tests.conftest import SQLITE_HALF_ONLY

pytestmark = SQLITE_HALF_ONLY

ALMATY = (43.238, 76.946)
ASTANA = (51.169, 71.449)


def _counselors(**columns: object) -> CounselingOffers:
    base: dict[str, object] = {
        "lat": [ALMATY[0]] * 3,
        "lon": [ALMATY[1]] * 3,
        "topics": [Topic.LEGAL, Topic.PSYCHOLOGICAL, Topic.LEGAL | Topic.MEDICAL],
        "languages": [1, 1, 3],
        "countries": [0, 0, 1],
        "remote": [True, True, False],
        "capacity": [2, 2, 2],
    }
    base.update(columns)
    return CounselingOffers(**{key: np.asarray(value) for key, value in base.items()})


def test_counselors_covering_more_topics_in_person_nearby_come_first() -> None:
    found = suggest_counseling(
        lat=ALMATY[0],
        lon=ALMATY[1],
        topics=Topic.LEGAL | Topic.MEDICAL,
        languages=1,
        primary=0,
        country_bit=1,
        offers=_counselors(languages=np.array([1, 1, 3], dtype=np.uint64)),
        radius_km=300,
    )
    assert [item.offer for item in found] == [2, 0]
    assert found[0].distance_km is not None and found[1].remote


def test_in_person_counselors_beyond_the_radius_and_full_ones_are_left_out() -> None:
    offers = _counselors(
        lat=[ASTANA[0]] * 3,
        lon=[ASTANA[1]] * 3,
        remote=[False, False, False],
        capacity=[0, 2, 2],
        languages=np.array([1, 1, 1], dtype=np.uint64),
    )
    found = suggest_counseling(
        lat=ALMATY[0],
        lon=ALMATY[1],
        topics=Topic.LEGAL,
        languages=1,
        primary=0,
        country_bit=1,
        offers=offers,
        radius_km=300,
    )
    assert found == []


@settings(max_examples=60, deadline=None)
@given(
    seats=st.lists(st.integers(0, 6), min_size=1, max_size=20),
    days=st.lists(st.integers(0, 20), min_size=20, max_size=20),
    size=st.integers(1, 4),
    earliest=st.integers(0, 5),
)
def test_every_suggested_drive_has_seats_for_all_and_leaves_in_time(
    seats: list[int], days: list[int], size: int, earliest: int
) -> None:
    n = len(seats)
    rides = Rides(
        lat=np.full(n, ALMATY[0]),
        lon=np.full(n, ALMATY[1]),
        seats=np.asarray(seats),
        day=np.asarray(days[:n]),
    )
    found = suggest_rides(
        lat=ALMATY[0],
        lon=ALMATY[1],
        size=size,
        earliest=earliest,
        rides=rides,
        radius_km=100,
        max_wait_days=7,
        k=50,
    )
    for item in found:
        assert seats[item.offer] >= size and earliest <= days[item.offer] <= earliest + 7
    assert [item.day for item in found] == sorted(item.day for item in found)
    feasible = sum(
        1
        for s, d in zip(seats, days[:n], strict=True)
        if s >= size and earliest <= d <= earliest + 7
    )
    assert len(found) == feasible
