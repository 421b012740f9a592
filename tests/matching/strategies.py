"""Small random bed problems for property tests."""

import numpy as np
from hypothesis import strategies as st

from haven.matching.engine.model import BedOffers, BedProblem, Constraint, Need, Requests, Weights
from haven.matching.engine.pairs import evaluate_pairs

# Almaty, Konaev (about 60 km away), Taldykorgan (about 230 km), Astana (about 970 km).
POINTS = [(43.238, 76.946), (43.867, 77.067), (45.016, 78.374), (51.169, 71.449)]
WEIGHTS = Weights()


@st.composite
def problems(draw, max_requests=10, max_offers=6):
    """A problem on a few real points, with every field varied."""
    n = draw(st.integers(0, max_requests))
    k = draw(st.integers(0, max_offers))
    r_loc = draw(st.lists(st.integers(0, len(POINTS) - 1), min_size=n, max_size=n))
    o_loc = draw(st.lists(st.integers(0, len(POINTS) - 1), min_size=k, max_size=k))
    r_lang = draw(st.lists(st.integers(1, 7), min_size=n, max_size=n))
    primary = [draw(st.sampled_from([b for b in range(3) if mask >> b & 1])) for mask in r_lang]
    needs = draw(
        st.lists(
            st.sampled_from([int(Need.BED)] * 5 + [int(Need.COUNSELING)]), min_size=n, max_size=n
        )
    )
    constraints = draw(st.lists(st.sampled_from([0, 0, 0, 1, 2, 4, 8, 5]), min_size=n, max_size=n))
    requests = Requests.build(
        lat=[POINTS[i][0] for i in r_loc],
        lon=[POINTS[i][1] for i in r_loc],
        size=draw(st.lists(st.integers(1, 4), min_size=n, max_size=n)),
        urgency=draw(st.lists(st.integers(1, 5), min_size=n, max_size=n)),
        languages=r_lang,
        primary=primary,
        earliest=draw(st.lists(st.integers(0, 5), min_size=n, max_size=n)),
        constraints=constraints,
        needs=needs,
    )
    start = draw(st.lists(st.integers(0, 8), min_size=k, max_size=k))
    women = int(Constraint.WOMEN_ONLY)
    offers = BedOffers.build(
        lat=[POINTS[i][0] for i in o_loc],
        lon=[POINTS[i][1] for i in o_loc],
        capacity=draw(st.lists(st.integers(0, 6), min_size=k, max_size=k)),
        available_from=start,
        available_to=[s + draw(st.integers(0, 10)) for s in start],
        languages=draw(st.lists(st.integers(1, 7), min_size=k, max_size=k)),
        accepts=draw(st.lists(st.integers(0, 15), min_size=k, max_size=k)),
        requires=draw(st.lists(st.sampled_from([0, 0, 0, women]), min_size=k, max_size=k)),
    )
    return BedProblem(requests, offers)


def feasible_pairs(problem, weights=WEIGHTS, capacity=None):
    """Every feasible (request, offer) pair of a problem, given what capacity is left."""
    n, k = len(problem.requests), len(problem.offers)
    r = np.repeat(np.arange(n), k)
    o = np.tile(np.arange(k), n)
    ok = evaluate_pairs(problem.requests, r, problem.offers, o, weights, capacity).feasible
    return list(zip(r[ok].tolist(), o[ok].tolist(), strict=True))


@st.composite
def problems_with_confirmed(draw, **kwargs):
    """A problem plus some confirmed placements that respect capacity and feasibility."""
    problem = draw(problems(**kwargs))
    pairs = feasible_pairs(problem)
    chosen = draw(st.lists(st.sampled_from(pairs), max_size=4, unique=True)) if pairs else []
    left = problem.offers.capacity.copy()
    fixed, seen = [], set()
    for r, o in chosen:
        size = int(problem.requests.size[r])
        if r in seen or left[o] < size:
            continue
        seen.add(r)
        left[o] -= size
        fixed.append((r, o))
    return problem, tuple(fixed)
