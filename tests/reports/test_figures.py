"""Figures that expose no one, from real requests, placements and outcomes: the coordinators'
page, the public pages for funders, and the CSV and HXL exports of the same released figures."""

import csv
import io
from collections.abc import Callable
from datetime import date, datetime, time, timedelta

import hxl
from django.test import Client
from django.utils import timezone

from haven.accounts.models import Organisation
from haven.audit.models import Event
from haven.cases.lifecycle import case_move, case_triage
from haven.cases.models import Case
from haven.intake.services import Accepted
from haven.reports.models import Sharing, WeeklyRelease
from haven.reports.queries import COUNTRIES, exact_counts
from haven.reports.release import MEASURES, closed_weeks, released, week_of
from haven.reports.services import sharing_set
from haven.volunteers.models import Placement
from haven.volunteers.offering import bed_offer_save
from haven.volunteers.placements import placement_confirm, placement_decide
from tests.conftest import Persona, keyring_of, login
from tests.intake.test_weight import LIMIT, weigh


def test_counts_below_ten_are_suppressed_and_the_rest_rounded_to_five() -> None:
    assert [released(n).value for n in (-4, 0, 1, 9, 10, 12, 13, 27)] == [
        None,
        None,
        None,
        None,
        10,
        10,
        15,
        25,
    ]
    assert str(released(3)) == "<10"


def test_only_weeks_that_are_over_are_released() -> None:
    thursday = date(2022, 9, 29)
    weeks = closed_weeks(thursday, weeks=2)
    assert weeks == [date(2022, 9, 19), date(2022, 9, 12)]
    assert week_of(thursday) not in weeks


def _hour(week: date, day: int = 2) -> datetime:
    return timezone.make_aware(datetime.combine(week + timedelta(days=day), time(10)))


def _requests(
    make_request: Callable[..., Accepted], count: int, *, week: date, **fields: object
) -> list[Case]:
    cases = [make_request(**fields).case for _ in range(count)]
    Case.objects.filter(pk__in=[case.pk for case in cases]).update(created_hour=_hour(week))
    return cases


def _last_week() -> date:
    return week_of(timezone.localdate()) - timedelta(weeks=1)


def test_placements_and_outcomes_are_counted_from_the_cases_and_the_hosts_answers(
    coordinator: Persona, host: Persona, make_request: Callable[..., Accepted]
) -> None:
    week = _last_week()
    cases = _requests(make_request, 4, week=week, place="kz-almaty", group_size=5)
    spam = _requests(make_request, 1, week=week, place="kz-almaty")[0]
    case_triage(actor=coordinator.member, case=spam, decision="spam")
    offer = bed_offer_save(
        actor=host.member,
        offer=None,
        place="kz-almaty",
        capacity=12,
        available_from=timezone.localdate(),
        available_until=timezone.localdate() + timedelta(days=30),
        languages=["ru"],
        accepts=[],
        address="ул. Абая 1",
        contact="@hana",
        rules="",
    )
    for case in cases:
        case_triage(actor=coordinator.member, case=case, decision="accept")
    placement = placement_confirm(actor=coordinator.member, case=cases[0], offer=offer)
    placement_decide(keyring=keyring_of(host), placement=placement, accept=True)
    declined = placement_confirm(actor=coordinator.member, case=cases[1], offer=offer)
    placement_decide(keyring=keyring_of(host), placement=declined, accept=False)
    case_move(actor=coordinator.member, case=cases[0], status="resolved")
    case_move(actor=coordinator.member, case=cases[2], status="closed", reason="no_answer")
    Placement.objects.update(decided_at=_hour(week, 3))
    Case.objects.filter(ended_hour__isnull=False).update(ended_hour=_hour(week, 4))
    counts = exact_counts(coordinator.member.organisation, week)
    assert counts["KZ"]["requests"] == 4  # spam is not a request for help
    assert counts["KZ"]["people"] == 16  # groups of five count as four
    assert counts["KZ"]["need_legal"] == 4
    assert counts["KZ"]["placements"] == 1  # the declined one is not a placement
    assert counts["KZ"]["outcome_helped"] == 1
    assert counts["KZ"]["outcome_stopped"] == 1
    assert exact_counts(coordinator.member.organisation, week - timedelta(weeks=1)) == {}


def test_coordinator_sees_released_figures_ledger_and_csv_with_no_row_level_data(
    coordinator: Persona, organisation: Organisation, make_request: Callable[..., Accepted]
) -> None:
    _requests(make_request, 40, week=_last_week(), place="kz-almaty")
    client = login(Client(), coordinator)
    page = client.get("/en/figures/").content.decode()
    assert "<td>Kazakhstan</td>" in page
    assert "Privacy ledger" in page and "<td>2.00</td>" in page
    assert '<svg class="weekly"' in page
    released_week = WeeklyRelease.objects.get(organisation=organisation, week=_last_week())
    response = client.get("/en/figures/figures.csv")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["week_start", "country", *MEASURES]
    by_country = {row[1]: row for row in rows[1:] if row[0] == _last_week().isoformat()}
    assert by_country["KZ"][2] == str(released(released_week.figures["KZ"]["requests"]))
    body = response.content.decode()
    assert "@telegram_handle" not in body and "Алексей" not in body
    # A page read again draws no new noise: the same release, the same ledger.
    assert client.get("/en/figures/figures.csv").content == response.content
    assert WeeklyRelease.objects.filter(organisation=organisation).count() == 12


def test_hxl_export_carries_the_humanitarian_hashtags_and_numbers_libhxl_reads(
    coordinator: Persona, make_request: Callable[..., Accepted]
) -> None:
    _requests(make_request, 60, week=_last_week(), place="kz-almaty")
    client = login(Client(), coordinator)
    csv_rows = list(csv.reader(io.StringIO(client.get("/en/figures/figures.csv").content.decode())))
    response = client.get("/en/figures/figures-hxl.csv")
    dataset = hxl.data(io.BytesIO(response.content))
    tags = dataset.display_tags
    assert tags[:4] == ["#date+start", "#country+code", "#affected+requests", "#affected+ind"]
    assert "#inneed+shelter" in tags and "#reached+ind+shelter" in tags
    assert "#reached+helped" in tags
    rows = list(dataset)
    assert len(rows) == len(csv_rows) - 1
    kazakhstan = next(row for row in rows if row.get("#country") == "KZ")
    assert kazakhstan.get("#date+start") == _last_week().isoformat()
    assert int(kazakhstan.get("#affected+requests")) % 5 == 0
    # Every figure is a number or empty (suppressed): libhxl's schema says so, row by row.
    schema = hxl.schema([["#valid_tag", "#valid_datatype"], *([tag, "number"] for tag in tags[2:])])
    assert schema.validate(hxl.data(io.BytesIO(response.content)))


def test_public_page_opens_only_once_a_coordinator_publishes_and_the_change_is_audited(
    coordinator: Persona, organisation: Organisation, make_request: Callable[..., Accepted]
) -> None:
    _requests(make_request, 30, week=_last_week(), place="ge-tbilisi")
    anyone = Client()
    assert anyone.get("/en/figures/org/ark/").status_code == 404
    assert anyone.get("/en/figures/org/ark/figures-hxl.csv").status_code == 404
    client = login(Client(), coordinator)
    client.post("/en/figures/sharing/", {"public": "on"})
    assert Sharing.objects.get(organisation=organisation).public
    event = Event.objects.filter(action="reports.sharing").latest("id")
    assert event.actor_id == coordinator.member.pk
    assert event.data["public"] is True and event.data["network"] is False
    english = anyone.get("/en/figures/org/ark/")
    assert english.status_code == 200
    assert "Georgia" in english.content.decode()
    russian = anyone.get("/ru/figures/org/ark/").content.decode()
    assert "Грузия" in russian and "Заявки" in russian
    assert weigh(anyone, english.content) <= LIMIT
    assert weigh(anyone, russian.encode()) <= LIMIT
    # Not counted in the network until the second box is ticked too.
    assert "0 organisations" in anyone.get("/en/figures/network/").content.decode()


def test_network_page_sums_only_the_organisations_that_count_themselves_in(
    coordinator: Persona, outsider: Persona, make_request: Callable[..., Accepted]
) -> None:
    _requests(make_request, 30, week=_last_week(), place="kz-almaty")
    sharing_set(actor=coordinator.member, public=False, network=True)
    anyone = Client()
    page = anyone.get("/en/figures/network/")
    assert page.status_code == 200
    assert "1 organisation " in page.content.decode()
    assert weigh(anyone, page.content) <= LIMIT
    # The other organisation's release is not even drawn while it stays out.
    assert not WeeklyRelease.objects.filter(organisation=outsider.member.organisation).exists()
    hxl_rows = list(hxl.data(io.BytesIO(anyone.get("/en/figures/network/figures-hxl.csv").content)))
    assert {row.get("#country") for row in hxl_rows} <= set(COUNTRIES)


def test_a_coordinator_changes_only_their_own_organisations_sharing(
    coordinator: Persona, outsider: Persona, counselor: Persona
) -> None:
    login(Client(), outsider).post("/en/figures/sharing/", {"public": "on", "network": "on"})
    assert not Sharing.objects.filter(organisation=coordinator.member.organisation).exists()
    assert Sharing.objects.get(organisation=outsider.member.organisation).network
    assert (
        login(Client(), counselor).post("/en/figures/sharing/", {"public": "on"}).status_code == 403
    )


def test_public_page_of_a_surge_in_every_country_stays_within_the_budget(
    coordinator: Persona, organisation: Organisation
) -> None:
    # The page's worst case: every week and every country with large figures.
    weeks = closed_weeks(timezone.localdate(), weeks=12)
    for week in weeks:
        WeeklyRelease.objects.create(
            organisation=organisation,
            week=week,
            figures={country: dict.fromkeys(MEASURES, 1234) for country in COUNTRIES},
            epsilon={
                "requests": 0.8,
                "people": 0.4,
                "needs": 0.4,
                "placements": 0.2,
                "outcomes": 0.2,
            },
            published_hour=timezone.now(),
        )
    sharing_set(actor=coordinator.member, public=True, network=True)
    anyone = Client()
    weights = {}
    for path in ("/ru/figures/org/ark/", "/en/figures/org/ark/", "/ru/figures/network/"):
        page = anyone.get(path)
        assert page.content.decode().count("<tr>") >= 12 + len(COUNTRIES)
        weights[path] = weigh(anyone, page.content)
    print(f"\nfigures pages of a surge in every country, bytes with stylesheets: {weights}")
    assert max(weights.values()) <= LIMIT, weights
