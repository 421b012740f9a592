import re

import pytest

from haven.core import places
from haven.core.places import UnknownPlace

# (south, north, west, east) in degrees: generous boxes around each country's territory.
BOUNDING_BOXES: dict[str, tuple[float, float, float, float]] = {
    "AM": (38.8, 41.3, 43.4, 46.7),
    "BY": (51.2, 56.2, 23.1, 32.8),
    "DE": (47.2, 55.1, 5.8, 15.1),
    "EE": (57.5, 59.7, 21.7, 28.3),
    "FI": (59.7, 70.1, 20.5, 31.6),
    "FR": (41.3, 51.1, -5.2, 9.6),
    "GE": (41.0, 43.6, 40.0, 46.8),
    "IL": (29.4, 33.4, 34.2, 35.9),
    "KG": (39.1, 43.3, 69.2, 80.3),
    "KZ": (40.5, 55.5, 46.4, 87.4),
    "LT": (53.8, 56.5, 20.9, 26.9),
    "LV": (55.6, 58.1, 20.9, 28.3),
    "ME": (41.8, 43.6, 18.4, 20.4),
    "MN": (41.5, 52.2, 87.7, 119.9),
    "PL": (49.0, 54.9, 14.1, 24.2),
    "RS": (42.2, 46.2, 18.8, 23.1),
    "RU": (41.1, 82.0, 19.6, 180.0),
    "TR": (35.8, 42.2, 25.6, 44.9),
    "US": (18.9, 71.4, -179.2, -66.9),
    "UZ": (37.1, 45.6, 55.9, 73.2),
}


def test_ids_are_unique_and_slugged():
    ids = [place.id for place in places.load_places()]
    assert len(ids) == len(set(ids))
    for place in places.load_places():
        assert re.fullmatch(rf"{place.country.lower()}-[a-z0-9]+(-[a-z0-9]+)*", place.id)


def test_every_country_of_the_network_is_present():
    assert set(places.COUNTRIES) == set(BOUNDING_BOXES)
    assert len(places.load_places()) >= 180
    assert len(places.places_in("KZ")) >= 30


def test_coordinates_fall_inside_their_country():
    for place in places.load_places():
        south, north, west, east = BOUNDING_BOXES[place.country]
        assert south <= place.lat <= north, place
        assert west <= place.lon <= east, place


def test_almaty_to_astana_is_about_970_km():
    almaty = places.place_by_id("kz-almaty")
    astana = places.place_by_id("kz-astana")
    assert places.distance_km(almaty, astana) == pytest.approx(970, abs=30)
    assert places.distance_km(almaty, almaty) == 0


def test_language_codes_are_two_letters():
    for place in places.load_places():
        assert place.languages, place
        for code in place.languages:
            assert re.fullmatch(r"[a-z]{2}", code), place
        assert len(set(place.languages)) == len(place.languages)


def test_sizes_and_order():
    rows = places.load_places()
    assert all(place.size in (1, 2, 3) for place in rows)
    keys = [(place.country, -place.size, place.name_en) for place in rows]
    assert keys == sorted(keys)


def test_unknown_place_raises_a_named_key_error():
    with pytest.raises(UnknownPlace):
        places.place_by_id("kz-atlantis")
    with pytest.raises(KeyError):
        places.place_by_id("")


def test_name_follows_the_language():
    oral = places.place_by_id("kz-oral")
    assert places.name(oral, "ru") == "Уральск"
    assert places.name(oral, "ru-RU") == "Уральск"
    assert places.name(oral, "en") == "Oral"
    assert places.name(oral, "kk") == "Oral"
    for place in places.load_places():
        assert re.fullmatch(r"[А-Яа-яЁё\- ]+", place.name_ru), place
        assert re.fullmatch(r"[A-Za-z\- ]+", place.name_en), place


def test_places_in_is_case_insensitive():
    assert places.places_in("ge") == places.places_in("GE")
    assert places.places_in("XX") == ()
