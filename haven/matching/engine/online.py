"""Placing people through a surge day as they come: online policies run on a simulated day.

Each policy decides with what is known at the time: the groups that have arrived and still wait,
the offers on the platform now and the beds they have left. A suggestion holds the bed until the
answer (surge.py draws how long that takes); a decline frees it and the group leaves.

- ``nearest``: at arrival, the nearest offer that fits with room; a bed that appears (a new
  offer, a decline) goes to the nearest waiting group it fits.
- ``greedy``: the same, by value (urgency, then distance, first language, wait) instead of
  distance.
- ``batch``: nobody is placed at arrival; every ``batch_minutes`` the optimiser runs over the
  waiting groups and the free beds.
- ``dual``: instant suggestions by value minus the offer's potential, the price of one of its
  beds in the LP over the waiting groups plus a forecast of the next ``horizon_minutes`` (drawn
  from the day so far: the last hour's rate, the groups seen). A group whose best offer is worth
  less than its potential waits, kept for a more urgent group nearby; it is offered again when the
  potentials are refreshed (every ``refresh_minutes``) if the LP places its kind of group, when a
  bed appears near it, and once more just before it would leave.
"""

from __future__ import annotations

import heapq
import time
from dataclasses import dataclass, field, replace

import numpy as np
import numpy.typing as npt

from haven.matching.engine.geo import haversine_km
from haven.matching.engine.index import OfferIndex
from haven.matching.engine.model import BedOffers, BedProblem, Need, Weights
from haven.matching.engine.optimiser import group_value, optimise
from haven.matching.engine.pairs import evaluate_pairs
from haven.matching.engine.potentials import forecast_draw, offer_potentials
from haven.matching.engine.surge import DAY_MIN, SurgeDay

I8 = npt.NDArray[np.int64]

POLICIES: dict[str, str] = {
    "nearest": "nearest free bed",
    "greedy": "greedy by value",
    "batch": "batch optimiser",
    "dual": "dual-price suggestions",
}

# Event kinds, in the order they are handled within one minute.
_CLOSE, _OPEN, _ANSWER, _ARRIVE, _TICK, _LEAVE = range(6)
# Request states.
_NOT_YET, _WAITING, _HELD, _PLACED, _GONE = range(5)


@dataclass(frozen=True)
class OnlineSettings:
    """How often the batch and the potentials run, and what the forecast looks at."""

    batch_minutes: int = 30
    refresh_minutes: int = 30
    horizon_minutes: int = 720
    forecast_scale: float = 1.0
    """Multiplies the forecast number of arrivals (1.0: the last hour's rate, as seen)."""
    last_call_priced: bool = True
    """Whether a group about to leave is still held to the potentials (False: any bed)."""
    perfect_forecast: bool = False
    """Forecast the true arrivals of the horizon, decliners left out (a ceiling for forecasts,
    not something a desk can know)."""
    seed: int = 0


@dataclass
class DayOutcome:
    """What a policy did over the day."""

    policy: str
    offer_of: I8
    """Confirmed offer per request, or -1."""
    decided_at: I8
    """Minute of the suggestion behind each confirmed placement, or -1."""
    suggested: int
    value: int
    decision_s: list[float] = field(default_factory=list)
    refresh_s: list[float] = field(default_factory=list)
    suggestions: list[tuple[int, int, int]] = field(default_factory=list)
    """Every suggestion made, confirmed or not: (request, offer, minute)."""


class _Run:
    """One policy over one day: the state and the event loop."""

    def __init__(
        self, day: SurgeDay, policy: str, weights: Weights, settings: OnlineSettings
    ) -> None:
        if policy not in POLICIES:
            raise ValueError(f"unknown policy {policy!r}; choose from {', '.join(POLICIES)}")
        self.day, self.policy, self.weights, self.settings = day, policy, weights, settings
        self.requests, self.offers = day.requests, day.offers
        n, m = len(self.requests), len(self.offers)
        self.room: I8 = self.offers.capacity.copy()
        self.alive = np.zeros(m, dtype=np.bool_)
        self.index = OfferIndex(self.offers, weights)
        for offer in range(m):
            self.index.show(offer, 0)
        self.state = np.full(n, _NOT_YET, dtype=np.int8)
        self.offer_of = np.full(n, -1, dtype=np.int64)
        self.held_at = np.full(n, -1, dtype=np.int64)
        self.decided_at = np.full(n, -1, dtype=np.int64)
        self.potential = np.zeros(m, dtype=np.int64)
        self.place_potential = np.zeros(len(day.instance.places), dtype=np.int64)
        self.suggested = 0
        self.decision_s: list[float] = []
        self.refresh_s: list[float] = []
        self.suggestions: list[tuple[int, int, int]] = []
        self.rng = np.random.default_rng([settings.seed, 1601])
        places = day.instance.places
        lat = np.array([p.lat for p in places])
        lon = np.array([p.lon for p in places])
        dist = haversine_km(lat[:, None], lon[:, None], lat[None, :], lon[None, :])
        self.near_places = [np.flatnonzero(row <= weights.radius_km) for row in dist]
        self.request_place = day.instance.request_place
        self.offer_place = day.instance.offer_place
        self.waiting_at: list[set[int]] = [set() for _ in places]
        self.events: list[tuple[int, int, int]] = []
        self.closed = False

    # -- the event loop -------------------------------------------------------------------

    def run(self) -> DayOutcome:
        """Play the day and return what was confirmed."""
        day = self.day
        events = [(int(t), _ARRIVE, r) for r, t in enumerate(day.arrive.tolist())]
        for offer, (opens, closes) in enumerate(zip(day.opens, day.closes, strict=True)):
            if opens == 0:
                self._set_alive(offer, True)
            else:
                events.append((int(opens), _OPEN, offer))
            if closes < DAY_MIN:
                events.append((int(closes), _CLOSE, offer))
        every = {"batch": self.settings.batch_minutes, "dual": self.settings.refresh_minutes}
        if self.policy in every:
            step = max(1, every[self.policy])
            events += [(t, _TICK, 0) for t in range(step if self.policy == "batch" else 0,
                                                     DAY_MIN, step)]  # fmt: skip
        heapq.heapify(events)
        self.events = events
        handlers = {
            _CLOSE: self._close, _OPEN: self._open, _ANSWER: self._answer,
            _ARRIVE: self._arrive, _TICK: self._tick, _LEAVE: self._leave,
        }  # fmt: skip
        while events:
            t, kind, item = heapq.heappop(events)
            if t >= DAY_MIN:
                break
            handlers[kind](t, item)
        # Answers still pending at midnight come as drawn, but nothing is suggested any more.
        self.closed = True
        for row in np.flatnonzero(self.state == _HELD).tolist():
            self._answer(DAY_MIN, row)
        problem = day.problem
        return DayOutcome(
            policy=self.policy,
            offer_of=self.offer_of,
            decided_at=np.where(self.offer_of >= 0, self.decided_at, -1),
            suggested=self.suggested,
            value=group_value(problem, self.offer_of, self.weights),
            decision_s=self.decision_s,
            refresh_s=self.refresh_s,
            suggestions=self.suggestions,
        )

    def _push(self, t: int, kind: int, item: int) -> None:
        heapq.heappush(self.events, (t, kind, item))

    # -- offers and answers ---------------------------------------------------------------

    def _set_alive(self, offer: int, alive: bool) -> None:
        self.alive[offer] = alive
        self.index.show(offer, int(self.room[offer]) if alive else 0)

    def _open(self, t: int, offer: int) -> None:
        self._set_alive(offer, True)
        # Until the next refresh prices it, a new offer costs what the cheapest free bed in
        # its city costs now.
        self.potential[offer] = self.place_potential[int(self.offer_place[offer])]
        if self.policy != "batch":
            self._bed_appears(t, offer)

    def _close(self, t: int, offer: int) -> None:
        self._set_alive(offer, False)

    def _answer(self, t: int, row: int) -> None:
        if self.state[row] != _HELD:
            return
        offer = int(self.held_at[row])
        if self.day.declines[row]:
            self.state[row] = _GONE
            self.room[offer] += int(self.requests.size[row])
            if self.alive[offer] and not self.closed:
                self.index.show(offer, int(self.room[offer]))
                if self.policy != "batch":
                    self._bed_appears(t, offer)
        else:
            self.state[row] = _PLACED
            self.offer_of[row] = offer

    def _hold(self, t: int, row: int, offer: int) -> None:
        """Suggest ``offer`` to ``row``: the bed is held until the answer comes."""
        size = int(self.requests.size[row])
        if size > self.room[offer] or not self.alive[offer]:
            raise AssertionError(f"offer {offer} cannot take request {row} at minute {t}")
        self.room[offer] -= size
        self.index.show(offer, int(self.room[offer]))
        if self.state[row] == _WAITING:
            self.waiting_at[int(self.request_place[row])].discard(row)
        self.state[row] = _HELD
        self.held_at[row] = offer
        self.decided_at[row] = t
        self.suggested += 1
        self.suggestions.append((row, offer, t))
        self._push(t + int(self.day.confirm_after[row]), _ANSWER, row)

    # -- requests -------------------------------------------------------------------------

    def _wait(self, row: int) -> None:
        self.state[row] = _WAITING
        self.waiting_at[int(self.request_place[row])].add(row)

    def _arrive(self, t: int, row: int) -> None:
        if not int(self.requests.needs[row]) & int(Need.BED):
            # Counseling or transport only: not part of the beds' day (the index looks at
            # capacity and fit, not at what a request asks for).
            self.state[row] = _GONE
            return
        self._push(int(self.day.leave[row]), _LEAVE, row)
        if self.policy == "batch":
            self._wait(row)
            return
        started = time.perf_counter()
        offer = self._choose(row, priced=self.policy == "dual")
        if offer >= 0:
            self._hold(t, row, offer)
        else:
            self._wait(row)
        self.decision_s.append(time.perf_counter() - started)

    def _leave(self, t: int, row: int) -> None:
        if self.state[row] != _WAITING:
            return
        if self.policy == "dual":
            # Last call, under the newest potentials (or, if so set, at any bed).
            started = time.perf_counter()
            offer = self._choose(row, priced=self.settings.last_call_priced)
            self.decision_s.append(time.perf_counter() - started)
            if offer >= 0:
                self._hold(t, row, offer)
                return
        self.waiting_at[int(self.request_place[row])].discard(row)
        self.state[row] = _GONE

    def _choose(self, row: int, *, priced: bool) -> int:
        """The offer this policy suggests to one group now, or -1 (nothing, or held back)."""
        rows, value, dist, _wait, _miss = self.index.candidates(self.requests, row)
        if not rows.size:
            return -1
        if self.policy == "nearest":
            return int(rows[np.lexsort((rows, -value, dist))[0]])
        score = value - self.potential[rows] if priced else value
        best = np.flatnonzero(score == score.max())
        pick = best[np.argmin(rows[best])]
        if priced and score[pick] < 0:
            return -1
        return int(rows[pick])

    def _waiting_near(self, place: int) -> I8:
        groups = [self.waiting_at[int(p)] for p in self.near_places[place]]
        total = sum(len(g) for g in groups)
        if not total:
            return np.zeros(0, dtype=np.int64)
        rows = np.fromiter((r for g in groups for r in g), dtype=np.int64, count=total)
        rows.sort()
        return rows

    def _bed_appears(self, t: int, offer: int) -> None:
        """Beds at ``offer`` are free now: give them to waiting groups nearby, one by one."""
        started = time.perf_counter()
        rows = self._waiting_near(int(self.offer_place[offer]))
        while rows.size and self.room[offer] > 0:
            terms = evaluate_pairs(
                self.requests, rows, self.offers, np.full(rows.size, offer), self.weights,
                capacity=self.room,
            )  # fmt: skip
            ok = np.flatnonzero(terms.feasible)
            if not ok.size:
                break
            if self.policy == "nearest":
                pick = ok[np.lexsort((rows[ok], terms.distance_km[ok]))[0]]
            else:
                score = terms.value[ok] - (self.potential[offer] if self.policy == "dual" else 0)
                if score.max() < 0:
                    break
                pick = ok[int(np.argmax(score))]
            self._hold(t, int(rows[pick]), offer)
            rows = np.delete(rows, pick)
        self.decision_s.append(time.perf_counter() - started)

    # -- batches and potentials -----------------------------------------------------------

    def _free_offers(self) -> BedOffers:
        return replace(self.offers, capacity=np.where(self.alive, self.room, 0))

    def _waiting_rows(self) -> I8:
        return np.flatnonzero(self.state == _WAITING).astype(np.int64)

    def _tick(self, t: int, _item: int) -> None:
        if self.policy == "batch":
            self._batch(t)
        else:
            self._refresh(t)

    def _batch(self, t: int) -> None:
        rows = self._waiting_rows()
        if not rows.size:
            return
        started = time.perf_counter()
        sub = BedProblem(requests=self.requests.take(rows), offers=self._free_offers())
        assignment = optimise(sub, self.weights)
        for k in np.flatnonzero(assignment.offer_of >= 0).tolist():
            self._hold(t, int(rows[k]), int(assignment.offer_of[k]))
        self.decision_s.append(time.perf_counter() - started)

    def forecast_rows(self, t: int) -> I8:
        """Groups like those seen so far, as many as the last hour's rate gives for the horizon."""
        arrive = self.day.arrive
        seen = int(np.searchsorted(arrive, t, side="right"))
        if self.settings.perfect_forecast:
            end = int(np.searchsorted(arrive, t + self.settings.horizon_minutes, side="right"))
            rows = np.arange(seen, end, dtype=np.int64)
            return rows[~self.day.declines[rows]]
        recent = seen - int(np.searchsorted(arrive, t - 60, side="right"))
        return forecast_draw(
            self.rng,
            seen=seen,
            rate_per_hour=recent,
            horizon_minutes=min(self.settings.horizon_minutes, DAY_MIN - t),
            scale=self.settings.forecast_scale,
        )

    def _refresh(self, t: int) -> None:
        """New potentials from the LP over the waiting groups and the forecast."""
        started = time.perf_counter()
        waiting = self._waiting_rows()
        rows = np.concatenate((waiting, self.forecast_rows(t)))
        offers = self._free_offers()
        self.potential[:] = 0
        self.place_potential[:] = 0
        if not rows.size:
            self.refresh_s.append(time.perf_counter() - started)
            return
        potential, priced = offer_potentials(self.requests.take(rows), offers, self.weights)
        if priced is None:
            self.refresh_s.append(time.perf_counter() - started)
            return
        market, solution = priced.market, priced.solution
        classes, arcs = priced.classes, priced.arcs
        self.potential[:] = potential
        cheapest = np.full(self.place_potential.size, np.iinfo(np.int64).max, dtype=np.int64)
        np.minimum.at(cheapest, self.offer_place[market.offer_rows], solution.offer_price)
        self.place_potential = np.where(cheapest == np.iinfo(np.int64).max, 0, cheapest)
        self.refresh_s.append(time.perf_counter() - started)
        # Waiting groups of the kinds the LP places now are offered a bed again, as many of
        # each kind as the LP places (forecast groups of the kind count as later arrivals).
        flow = np.bincount(arcs[0], weights=solution.flow, minlength=classes.supply.size)
        people = self.requests.size[rows[market.rows]]
        again: list[int] = []
        for c in np.flatnonzero(flow > 0).tolist():
            members = classes.members[classes.starts[c] : classes.starts[c + 1]]
            members = members[market.rows[members] < waiting.size]
            if members.size:
                count = -(-int(flow[c]) // int(people[members[0]]))
                again += waiting[market.rows[members[:count]]].tolist()
        ordered = np.array(again, dtype=np.int64)
        ordered = ordered[np.lexsort((ordered, -self.requests.urgency[ordered]))]
        for row in ordered.tolist():
            decided = time.perf_counter()
            offer = self._choose(row, priced=True)
            if offer >= 0:
                self._hold(t, row, offer)
            self.decision_s.append(time.perf_counter() - decided)


def run_policy(
    day: SurgeDay,
    policy: str,
    weights: Weights | None = None,
    settings: OnlineSettings | None = None,
) -> DayOutcome:
    """Run one policy through the day."""
    return _Run(day, policy, weights or Weights(), settings or OnlineSettings()).run()


def day_violations(day: SurgeDay, outcome: DayOutcome, weights: Weights | None = None) -> list[str]:
    """Every broken rule of a day's placements, in words (empty: sound).

    Besides the engine's own checks (capacity, one offer per group so never split, languages,
    dates, women-only, children, pets, step-free, radius), each placement must have been decided
    while the group waited and the offer was on the platform, and no decliner is placed.
    """
    from haven.matching.engine.check import violations

    problems = violations(day.problem, outcome.offer_of, weights or Weights())
    placed = np.flatnonzero(outcome.offer_of >= 0)
    at = outcome.decided_at[placed]
    offer = outcome.offer_of[placed]
    late = (at < day.arrive[placed]) | (at > day.leave[placed])
    dead = (at < day.opens[offer]) | (at >= day.closes[offer])
    problems += [f"request {r} placed outside its waiting time" for r in placed[late].tolist()]
    problems += [f"request {r} placed at an offer not on the platform" for r in placed[dead]]
    problems += [f"request {r} declined but is placed" for r in placed[day.declines[placed]]]
    return problems + suggestion_violations(day, outcome, weights)


def suggestion_violations(
    day: SurgeDay, outcome: DayOutcome, weights: Weights | None = None
) -> list[str]:
    """Every suggestion (declined ones too) that broke a rule when it was made, in words.

    A suggestion must fit the group as a whole (capacity, languages, dates, women-only,
    children, pets, step-free, radius), reach it while it waits and the offer is on the
    platform, and be the group's only one; and at no minute may the people held or placed at
    an offer exceed its capacity (a declined suggestion holds its beds until the answer).
    """
    if not outcome.suggestions:
        return []
    made = np.array(outcome.suggestions, dtype=np.int64).reshape(-1, 3)
    rows, offers, at = made[:, 0], made[:, 1], made[:, 2]
    problems: list[str] = []
    terms = evaluate_pairs(day.requests, rows, day.offers, offers, weights or Weights())
    unfit = made[~terms.feasible, :2].tolist()
    problems += [f"request {r} suggested infeasible offer {o}" for r, o in unfit]
    late = (at < day.arrive[rows]) | (at > day.leave[rows])
    problems += [f"request {r} suggested a bed outside its waiting time" for r in rows[late]]
    dead = (at < day.opens[offers]) | (at >= day.closes[offers])
    problems += [f"request {r} suggested an offer not on the platform" for r in rows[dead]]
    counts = np.bincount(rows, minlength=len(day.requests))
    problems += [f"request {r} got more than one suggestion" for r in np.flatnonzero(counts > 1)]
    # Beds held from the suggestion until the answer (a decline) or for good (a confirmation).
    size = day.requests.size[rows]
    until = np.where(day.declines[rows], at + day.confirm_after[rows], np.iinfo(np.int64).max)
    events = sorted(
        [(int(a), 1, int(o), int(k)) for a, o, k in zip(at, offers, size, strict=True)]
        + [(int(u), 0, int(o), -int(k)) for u, o, k in zip(until, offers, size, strict=True)]
    )
    load = np.zeros(len(day.offers), dtype=np.int64)
    for minute, _, offer, change in events:
        load[offer] += change
        if load[offer] > day.offers.capacity[offer]:
            problems.append(f"offer {offer} holds {int(load[offer])} people at minute {minute}")
    return problems
