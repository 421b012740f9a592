"""Statistics that expose no one: small counts suppressed, totals of what is shown, and only weeks
that are over, so two releases cannot be compared to find one person."""

import csv
import io
from collections.abc import Callable
from datetime import date, datetime, time, timedelta

from django.test import Client
from django.utils import timezone

from haven.accounts.models import Organisation
from haven.cases.models import Case
from haven.intake.services import Accepted
from haven.reports.queries import release
from haven.reports.release import Figure, closed_weeks, released, total, week_of
from tests.conftest import Persona, login


def test_counts_below_ten_are_suppressed_and_the_rest_rounded_to_five() -> None:
    assert [released(n).value for n in (0, 1, 9, 10, 12, 13, 27)] == [
        None,
        None,
        None,
        10,
        10,
        15,
        25,
    ]
    assert str(released(3)) == "<10"


def test_a_total_adds_only_the_figures_shown() -> None:
    figures = {"a": released(40), "b": released(4)}
    assert total(figures) == Figure(40)
    assert total({"a": released(4)}).suppressed


def test_only_weeks_that_are_over_are_released() -> None:
    thursday = date(2022, 9, 29)
    weeks = closed_weeks(thursday, weeks=2)
    assert weeks == [date(2022, 9, 19), date(2022, 9, 12)]
    assert week_of(thursday) not in weeks


def _requests(make_request: Callable[..., Accepted], count: int, *, place: str, week: date) -> None:
    hour = timezone.make_aware(datetime.combine(week + timedelta(days=2), time(10)))
    for _ in range(count):
        accepted = make_request(place=place)
        Case.objects.filter(pk=accepted.case.pk).update(created_hour=hour)


def test_one_more_person_cannot_be_read_off_two_releases(
    organisation: Organisation, make_request: Callable[..., Accepted]
) -> None:
    last_week = week_of(timezone.localdate()) - timedelta(weeks=1)
    _requests(make_request, 12, place="kz-almaty", week=last_week)
    before = release(organisation)
    # Someone asks for help today: the release of the weeks that are over does not move.
    make_request(place="kz-almaty", group_size=3)
    assert release(organisation) == before
    kazakhstan = next(row for row in before.rows if row.country == "KZ")
    assert kazakhstan.figures["requests"] == Figure(10)


def test_coordinator_sees_figures_and_csv_with_small_counts_suppressed(
    coordinator: Persona, organisation: Organisation, make_request: Callable[..., Accepted]
) -> None:
    last_week = week_of(timezone.localdate()) - timedelta(weeks=1)
    _requests(make_request, 13, place="kz-almaty", week=last_week)
    _requests(make_request, 3, place="ge-tbilisi", week=last_week)
    client = login(Client(), coordinator)
    page = client.get("/en/figures/").content.decode()
    assert "<td>Kazakhstan</td><td>15</td>" in page
    assert "<td>Georgia</td><td>&lt;10</td>" in page
    response = client.get("/en/figures/figures.csv")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[1][:3] == ["#date+start", "#country+code", "#affected+requests"]
    by_country = {row[1]: row for row in rows[2:]}
    assert by_country["KZ"][2] == "15"
    assert by_country["GE"][2] == "<10"
    body = response.content.decode()
    assert "@telegram_handle" not in body and "Алексей" not in body
