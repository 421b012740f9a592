from typing import Any

import numpy as np
from hypothesis import HealthCheck, given, settings

from haven.matching.engine.index import OfferIndex, suggest
from haven.matching.engine.instance import surge_instance
from haven.matching.engine.model import VALUE_SCALE, BedOffers, Constraint, Reason, Requests
from haven.matching.engine.pairs import evaluate_pairs
from tests.conftest import SQLITE_HALF_ONLY
from tests.matching.strategies import WEIGHTS, problems

pytestmark = SQLITE_HALF_ONLY

ALMATY = (43.238, 76.946)
ASTANA = (51.169, 71.449)
RU, EN, KK = 1, 2, 4


def one_request(**fields: Any) -> Requests:
    base: dict[str, Any] = {
        "lat": [ALMATY[0]],
        "lon": [ALMATY[1]],
        "size": [2],
        "urgency": [4],
        "languages": [RU | EN],
    }
    base.update(fields)
    return Requests.build(**base, primary=[0])


def test_best_offer_first_with_its_costs_explained():
    offers = BedOffers.build(
        lat=[ALMATY[0], 43.867, ALMATY[0], ASTANA[0]],
        lon=[ALMATY[1], 77.067, ALMATY[1], ASTANA[1]],
        capacity=[2, 4, 3, 6],
        languages=[EN | KK, RU, RU, RU],
        available_from=[0, 0, 2, 0],
    )
    index = OfferIndex(offers, WEIGHTS)
    found = suggest(one_request(), index, k=5)
    # Astana is beyond the radius; the same-city Russian speaker wins although it waits 2 days.
    assert [s.offer for s in found] == [2, 1, 0]
    same_city, nearby, english = found
    assert same_city.wait_days == 2 and same_city.wait_cost == 2 * 2 * WEIGHTS.per_wait_day
    assert same_city.distance_km == 0.0 and same_city.speaks_first_language
    assert 60 < nearby.distance_km < 75
    assert not english.speaks_first_language and english.shared_languages == EN
    assert english.language_cost == 2 * WEIGHTS.language
    for s in found:
        total = s.distance_cost + s.language_cost + s.wait_cost
        assert abs(s.value - (2 * WEIGHTS.urgency[3] - total)) < 2 * 2 / VALUE_SCALE


def test_no_suggestion_for_a_group_nobody_can_take():
    offers = BedOffers.build(
        lat=[ALMATY[0]], lon=[ALMATY[1]], capacity=[6], languages=[RU],
        accepts=[int(Constraint.CHILDREN)],
    )  # fmt: skip
    index = OfferIndex(offers, WEIGHTS)
    request = one_request(constraints=[int(Constraint.PETS)])
    assert suggest(request, index) == []
    assert index.reason(request, 0) == Reason.CONSTRAINTS
    assert index.reason(one_request(languages=[KK]), 0) == Reason.LANGUAGE
    assert index.reason(one_request(size=[7]), 0) == Reason.GROUP_TOO_LARGE
    assert index.reason(one_request(lat=[ASTANA[0]], lon=[ASTANA[1]]), 0) == Reason.NO_BED_IN_RANGE


def test_taking_beds_removes_full_offers_from_suggestions():
    offers = BedOffers.build(
        lat=[ALMATY[0]] * 2, lon=[ALMATY[1]] * 2, capacity=[2, 3], languages=[RU, RU]
    )
    index = OfferIndex(offers, WEIGHTS)
    index.take(0, 1)
    assert [s.offer for s in suggest(one_request(), index)] == [1]
    index.take(1, 2)
    assert suggest(one_request(), index) == []
    assert index.reason(one_request(), 0) == Reason.BEDS_TAKEN


@settings(
    max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
@given(problems(max_requests=4, max_offers=8))
def test_suggestions_match_brute_force(problem):
    index = OfferIndex(problem.offers, WEIGHTS)
    k = len(problem.offers)
    for row in range(len(problem.requests)):
        found = suggest(problem.requests, index, k=3, row=row)
        terms = evaluate_pairs(
            problem.requests, np.full(k, row), problem.offers, np.arange(k), WEIGHTS
        )
        ok = np.flatnonzero(terms.feasible)
        expected = sorted(ok.tolist(), key=lambda o: (-terms.value[o], o))[:3]
        assert [s.offer for s in found] == expected


def test_suggestions_for_one_request_among_30000_offers():
    instance = surge_instance(50, 30_000, seed=2)
    index = OfferIndex(instance.problem.offers, WEIGHTS)
    requests = instance.problem.requests
    for row in range(len(requests)):
        found = suggest(requests, index, k=5, row=row)
        assert len(found) <= 5
        values = [s.value for s in found]
        assert values == sorted(values, reverse=True)


def test_potentials_rank_a_needed_bed_lower_and_mark_it_held_back():
    offers = BedOffers.build(
        lat=[ALMATY[0], 43.867, ALMATY[0]],
        lon=[ALMATY[1], 77.067, ALMATY[1]],
        capacity=[2, 2, 2],
        languages=[RU, RU, EN],
    )
    index = OfferIndex(offers, WEIGHTS)
    plain = suggest(one_request(), index, k=2)
    assert [s.offer for s in plain] == [0, 1] and not any(s.held_back for s in plain)
    none = suggest(one_request(), index, k=2, potential=np.zeros(3, dtype=np.int64))
    assert [(s.offer, s.held_back) for s in none] == [(0, False), (1, False)]
    dear = np.array([VALUE_SCALE // 2, 0, 0], dtype=np.int64)
    priced = suggest(one_request(), index, k=2, potential=dear)
    # The first by value drops out of the best two by value minus potential: it comes last,
    # marked, with what its beds are worth to others for the whole group.
    assert [(s.offer, s.held_back) for s in priced] == [(1, False), (2, False), (0, True)]
    assert priced[-1].potential == 2 * 0.5
    # A bed still first but worth less than its potential is held back too.
    alone = suggest(one_request(), index, k=1, potential=np.full(3, 10 * VALUE_SCALE))
    assert [(s.offer, s.held_back) for s in alone] == [(0, True)]


def test_the_one_need_that_shuts_every_bed_is_named():
    from haven.matching.engine.explain import blocking_constraints
    from haven.matching.engine.model import BedProblem

    offers = BedOffers.build(
        lat=[ALMATY[0], ALMATY[0], ASTANA[0]],
        lon=[ALMATY[1], ALMATY[1], ASTANA[1]],
        capacity=[4, 1, 4],
        languages=[RU, RU, RU],
        accepts=[int(Constraint.CHILDREN), int(Constraint.WOMEN_ONLY), int(Constraint.WOMEN_ONLY)],
    )
    women = int(Constraint.WOMEN_ONLY)
    both = int(Constraint.WOMEN_ONLY | Constraint.CHILDREN)
    requests = Requests.build(
        lat=[ALMATY[0]] * 3, lon=[ALMATY[1]] * 3, size=[2, 1, 2], urgency=[5, 5, 5],
        languages=[RU] * 3, constraints=[women, both, int(Constraint.CHILDREN)],
    )  # fmt: skip
    found = blocking_constraints(
        BedProblem(requests, offers), np.arange(3, dtype=np.int64), WEIGHTS
    )
    # Two women: the women-only bed in reach is too small and Astana is too far. A woman with a
    # child: each need is allowed somewhere, only not together. Children: allowed.
    assert found.tolist() == [women, 0, 0]
