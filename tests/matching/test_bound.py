import numpy as np
from hypothesis import HealthCheck, given, settings
from scipy.optimize import linprog

from haven.matching.engine.bound import lp_bound
from haven.matching.engine.candidates import select_candidates
from haven.matching.engine.exact import class_regions
from haven.matching.engine.flow import solve_by_region, solve_transport
from haven.matching.engine.instance import surge_instance
from haven.matching.engine.market import Market, classes_of
from haven.matching.engine.model import BedProblem
from haven.matching.engine.optimiser import arcs_for
from haven.matching.engine.pairs import evaluate_pairs
from haven.matching.engine.pricing import price_out
from tests.conftest import SQLITE_HALF_ONLY
from tests.matching.strategies import WEIGHTS, feasible_pairs, problems, problems_with_confirmed

pytestmark = SQLITE_HALF_ONLY


def pair_lp(problem: BedProblem, fixed=()):
    """The LP relaxation over every feasible pair, written out in full for HiGHS."""
    requests, offers = problem.requests, problem.offers
    capacity = offers.capacity.copy()
    done = {r for r, _ in fixed}
    for r, o in fixed:
        capacity[o] -= requests.size[r]
    # A group needs room for all its people: with confirmed guests in, smaller offers drop out.
    pairs = [(r, o) for r, o in feasible_pairs(problem, capacity=capacity) if r not in done]
    if not fixed:
        fixed_value = 0
    else:
        fr, fo = np.array(fixed).T
        fixed_value = int(
            np.dot(evaluate_pairs(requests, fr, offers, fo, WEIGHTS).value, requests.size[fr])
        )
    if not pairs:
        return fixed_value
    r, o = np.array(pairs).T
    value = evaluate_pairs(requests, r, offers, o, WEIGHTS).value * requests.size[r]
    rows = []
    for req in np.unique(r):
        rows.append((r == req).astype(float))
    for off in np.unique(o):
        rows.append(np.where(o == off, requests.size[r], 0).astype(float))
    bounds_ub = [1.0] * np.unique(r).size + [float(capacity[x]) for x in np.unique(o)]
    result = linprog(
        -value.astype(float), A_ub=np.array(rows), b_ub=bounds_ub, bounds=(0, 1), method="highs"
    )
    assert result.status == 0
    return fixed_value - result.fun


SETTINGS = settings(
    max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)


@SETTINGS
@given(problems_with_confirmed())
def test_bound_equals_the_lp_over_every_feasible_pair(case):
    problem, fixed = case
    bound = lp_bound(problem, WEIGHTS, fixed=fixed)
    assert bound.exact
    assert abs(bound.value - pair_lp(problem, fixed)) < 1e-3 * max(1, abs(bound.value)) + 1


@SETTINGS
@given(problems())
def test_flow_prices_certify_the_flow(problem):
    pairs = feasible_pairs(problem)
    if not pairs:
        return
    r, o = np.array(pairs).T
    requests, offers = problem.requests, problem.offers
    values = evaluate_pairs(requests, r, offers, o, WEIGHTS).value
    solution = solve_transport(requests.size.copy(), offers.capacity.copy(), r, o, values)
    q, p = solution.class_price, solution.offer_price
    assert (q >= 0).all() and (p >= 0).all()
    assert (q[r] + p[o] >= values).all()
    assert np.dot(q, requests.size) + np.dot(p, offers.capacity) == solution.value
    # One region or many: with every class in one region the stitched solve is the same flow.
    region = np.zeros(len(requests), dtype=np.int64)
    stitched = solve_by_region(requests.size, offers.capacity, r, o, values, region)
    assert stitched.value == solution.value


def test_regions_solved_in_worker_processes_give_the_same_flow():
    problem = surge_instance(1500, 450, seed=4).problem
    market = Market(
        problem.requests, np.arange(1500), problem.offers, problem.offers.capacity.copy(), WEIGHTS
    )
    classes = classes_of(market)
    arcs = arcs_for(market, classes, select_candidates(market))
    region = class_regions(market, classes)
    capacity = problem.offers.capacity[market.offer_rows]
    alone = solve_by_region(classes.supply, capacity, *arcs, region)
    pooled = solve_by_region(
        classes.supply, capacity, *arcs, region, workers=2, parallel_min_arcs=0
    )
    assert pooled.value == alone.value
    assert np.array_equal(pooled.flow, alone.flow)
    assert np.array_equal(pooled.offer_price, alone.offer_price)


def test_quick_pricing_adds_only_improving_arcs_of_urgent_classes():
    problem = surge_instance(1500, 450, seed=4).problem
    market = Market(
        problem.requests, np.arange(1500), problem.offers, problem.offers.capacity.copy(), WEIGHTS
    )
    classes = classes_of(market)
    arcs = arcs_for(market, classes, select_candidates(market, base=1, per_person=0.0))
    capacity = problem.offers.capacity[market.offer_rows]
    solution = solve_by_region(classes.supply, capacity, *arcs, class_regions(market, classes))
    extra = price_out(market, classes, solution, per_type=2, nearest=True, min_urgency=3)
    assert extra is not None
    arc_class, arc_offer, arc_value = extra
    assert (classes.urgency[arc_class] >= 3).all()
    reduced = arc_value - solution.class_price[arc_class] - solution.offer_price[arc_offer]
    assert (reduced > 0).all()
    pairs = np.unique(classes.type[arc_class] * capacity.size + arc_offer)
    assert np.bincount(pairs // capacity.size).max() <= 2
