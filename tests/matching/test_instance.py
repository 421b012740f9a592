import numpy as np

from haven.core.places import load_places
from haven.matching.engine.instance import surge_instance
from tests.conftest import SQLITE_HALF_ONLY

pytestmark = SQLITE_HALF_ONLY


def test_same_seed_same_surge_and_other_seed_other_surge():
    a = surge_instance(2000, 600, seed=11).problem
    b = surge_instance(2000, 600, seed=11).problem
    c = surge_instance(2000, 600, seed=12).problem
    for name in ("lat", "size", "urgency", "languages", "earliest", "constraints"):
        assert np.array_equal(getattr(a.requests, name), getattr(b.requests, name))
    assert np.array_equal(a.offers.capacity, b.offers.capacity)
    assert not np.array_equal(a.requests.urgency, c.requests.urgency)


def test_surge_has_the_shape_of_a_mobilisation_wave():
    instance = surge_instance(20_000, 6_000, seed=1)
    requests, offers = instance.problem.requests, instance.problem.offers
    assert set(np.unique(requests.size)) == {1, 2, 3, 4}
    assert np.bincount(requests.size).argmax() == 1
    assert set(np.unique(offers.capacity)) == {1, 2, 3, 4, 5, 6}
    assert (
        np.bincount(requests.urgency)[1:] == np.sort(np.bincount(requests.urgency)[1:])[::-1]
    ).all()
    ratio = requests.size.sum() / offers.capacity.sum()
    assert 1.8 < ratio < 2.2
    places = load_places()
    countries = {places[i].country for i in instance.request_place}
    assert {"KZ", "GE", "AM", "MN", "FI", "RU"} <= countries
    kz = np.mean([places[i].country == "KZ" for i in instance.request_place])
    assert 0.3 < kz < 0.4
    coords = {(p.lat, p.lon) for p in places}
    assert all(
        (la, lo) in coords for la, lo in zip(offers.lat[:200], offers.lon[:200], strict=True)
    )
