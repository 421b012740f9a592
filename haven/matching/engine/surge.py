"""A surge day, minute by minute: who arrives when, which beds exist when, who confirms or declines.

The people and the beds are those of ``surge_instance`` (real places, group sizes 1-4, urgencies
skewed low, about two people per bed); this module adds the clock:

- arrivals over 24 hours: a quiet night, a sharp rise after an announcement (mobilisation
  declared on television at ANNOUNCEMENT_MIN) decaying over the day, and a few bursts at
  border towns (a bus, a crossing that reopens) in which many groups reach one town within an
  hour or two;
- offers: most are on the platform at the start of the day, the rest appear through the day as
  volunteers hear the news, and some are withdrawn before the day ends;
- each group waits a limited time (it finds something else, moves on);
- a suggestion holds the bed until the coordinator and the group confirm, which takes minutes;
  some groups decline (they are already on a bus elsewhere): the bed is freed and they leave.

Times are integer minutes from the start of the day; everything is drawn from one seed.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from haven.matching.engine.instance import SurgeInstance, surge_instance
from haven.matching.engine.model import BedOffers, BedProblem, Requests

I8 = npt.NDArray[np.int64]
B1 = npt.NDArray[np.bool_]

DAY_MIN = 24 * 60
ANNOUNCEMENT_MIN = 9 * 60
"""The announcement that starts the surge (a morning address)."""
BORDER_TOWNS = (
    "ge-stepantsminda", "kz-oral", "kz-mamlyutka", "kz-zhanibek", "mn-altanbulag",
    "fi-vaalimaa",
)  # fmt: skip
"""Towns at the crossings where buses and queues bring many groups at once."""
BURSTS = 4
BURST_SHARE = 0.03
"""Share of the day's arrivals in each burst."""
OFFERS_AT_START = 0.6
WITHDRAWN = 0.2
"""Share of offers withdrawn during the day."""
DECLINE = 0.08
PATIENCE_MIN = (60, 600)
"""A group waits at least the first figure, plus an exponential time with the second as mean."""
CONFIRM_MEDIAN_MIN = 8.0


@dataclass(frozen=True)
class SurgeDay:
    """A day of a surge: requests in arrival order, offers, and when each exists."""

    instance: SurgeInstance
    arrive: I8
    """Minute each request arrives, ascending."""
    leave: I8
    """Minute after which an unplaced request is gone (at most DAY_MIN)."""
    declines: B1
    """Whether the group declines whatever bed it is offered."""
    confirm_after: I8
    """Minutes between a suggestion and the answer (confirmation or decline)."""
    opens: I8
    """Minute each offer appears on the platform."""
    closes: I8
    """Minute each offer is withdrawn (DAY_MIN when it stays)."""
    burst_rows: I8
    """Requests that came in a border-town burst."""

    @property
    def problem(self) -> BedProblem:
        """The whole day's requests and offers (no time in it)."""
        return self.instance.problem

    @property
    def requests(self) -> Requests:
        """The day's requests, in arrival order."""
        return self.instance.problem.requests

    @property
    def offers(self) -> BedOffers:
        """The day's offers."""
        return self.instance.problem.offers


def arrival_profile() -> npt.NDArray[np.float64]:
    """Relative arrival rate per minute of the day: a night floor, then the announcement's wave."""
    t = np.arange(DAY_MIN, dtype=np.float64)
    hour = t / 60.0
    # A daily rhythm (fewer at night) times a wave that rises within the hour after the
    # announcement and decays with a half-life of about five hours.
    daily = 0.55 + 0.45 * np.sin(np.pi * np.clip(hour - 6.0, 0.0, 18.0) / 18.0)
    since = np.clip(t - ANNOUNCEMENT_MIN, 0.0, None)
    wave = np.where(
        t >= ANNOUNCEMENT_MIN, (1 - np.exp(-since / 45.0)) * np.exp(-since / 430.0), 0.0
    )
    return daily * (0.15 + 3.0 * wave)


def surge_day(arrivals: int, offers: int, seed: int) -> SurgeDay:
    """Generate a day with the given numbers of arrivals (requests) and offers, reproducibly."""
    instance = surge_instance(arrivals, offers, seed)
    rng = np.random.default_rng([seed, 16])
    profile = arrival_profile()
    arrive = rng.choice(DAY_MIN, size=arrivals, p=profile / profile.sum()).astype(np.int64)

    # Border-town bursts: a share of the groups arrive at one town within a short window.
    places = instance.places
    town_index = {p.id: k for k, p in enumerate(places)}
    towns = [town_index[t] for t in BORDER_TOWNS if t in town_index]
    requests = instance.problem.requests
    lat, lon = requests.lat.copy(), requests.lon.copy()
    request_place = instance.request_place.copy()
    burst_rows: list[I8] = []
    if towns and arrivals:
        free = rng.permutation(arrivals)
        per = round(BURST_SHARE * arrivals)
        for k in range(BURSTS):
            rows = free[k * per : (k + 1) * per]
            town = towns[int(rng.integers(len(towns)))]
            start = int(rng.integers(ANNOUNCEMENT_MIN + 60, DAY_MIN - 180))
            arrive[rows] = start + rng.integers(0, int(rng.integers(60, 150)), size=rows.size)
            lat[rows], lon[rows] = places[town].lat, places[town].lon
            request_place[rows] = town
            burst_rows.append(rows)
    order = np.argsort(arrive, kind="stable")
    moved = replace(requests, lat=lat, lon=lon).take(order)
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    arrive = arrive[order]
    patience = PATIENCE_MIN[0] + rng.exponential(PATIENCE_MIN[1], size=arrivals)
    leave = np.minimum(arrive + patience.astype(np.int64), DAY_MIN)
    declines = rng.random(arrivals) < DECLINE
    confirm = np.clip(rng.lognormal(np.log(CONFIRM_MEDIAN_MIN), 0.8, size=arrivals), 1, 120)

    # Offers: most exist at dawn; the rest come with the news, an hour or so behind the people.
    later = rng.random(offers) >= OFFERS_AT_START
    lagged = np.roll(profile, 60)
    lagged[:60] = profile[0]
    lagged[:ANNOUNCEMENT_MIN] *= 0.3
    opens = np.where(later, rng.choice(DAY_MIN, size=offers, p=lagged / lagged.sum()), 0).astype(
        np.int64
    )
    withdrawn = rng.random(offers) < WITHDRAWN
    span = (30 + rng.exponential(480, size=offers)).astype(np.int64)
    closes = np.where(withdrawn, np.minimum(opens + span, DAY_MIN), DAY_MIN).astype(np.int64)

    day_instance = replace(
        instance,
        problem=BedProblem(requests=moved, offers=instance.problem.offers),
        request_place=request_place[order],
    )
    bursts = np.concatenate(burst_rows) if burst_rows else np.zeros(0, dtype=np.int64)
    return SurgeDay(
        instance=day_instance,
        arrive=arrive,
        leave=leave.astype(np.int64),
        declines=declines,
        confirm_after=confirm.astype(np.int64),
        opens=opens,
        closes=closes,
        burst_rows=np.sort(rank[bursts]).astype(np.int64),
    )
