"""The offers' potentials on the desk: the worker prices free beds, a case's suggestions rank by
value minus potential while that is fresh, the organisation can switch it off, and the surge
signal says how many urgent people the plan leaves unplaced and why."""

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from haven.accounts.models import Organisation
from haven.accounts.organisations import organisation_configure
from haven.cases.models import Case
from haven.intake.services import Accepted
from haven.matching.models import MatchRun, OfferPotential, PotentialsRun
from haven.matching.potentials import potentials_compute, potentials_run_all
from haven.matching.services import suggestions_for
from haven.ops.worker import run_due
from haven.volunteers.models import BedOffer
from tests.conftest import Persona, login
from tests.matching.test_desk_matching import _beds

HELD = "kept for a more urgent group nearby"


def _crowded_town(
    host: Persona, make_request: Callable[..., Accepted]
) -> tuple[Case, BedOffer, BedOffer]:
    """A calm single and an urgent women-only single in Almaty; one bed there takes women only,
    another lies in Taldykorgan (230 km). The LP gives the Almaty bed to the urgent group, so it
    costs the calm one more than the drive does."""
    far = _beds(host, "kz-taldykorgan", 1)
    near = _beds(host, "kz-almaty", 1, accepts=["women"])
    calm = make_request(place="kz-almaty", urgency=1).case
    make_request(place="kz-almaty", urgency=5, group_needs=("women_only",))
    return calm, near, far


def test_the_job_stores_potentials_without_anyones_data(
    organisation: Organisation, host: Persona, make_request: Callable[..., Accepted]
) -> None:
    _calm, near, _far = _crowded_town(host, make_request)
    run = potentials_compute(organisation_id=organisation.pk, horizon_minutes=0)
    assert (run.waiting, run.forecast) == (2, 0)
    prices = dict(OfferPotential.objects.values_list("offer_id", "potential"))
    assert prices.get(near.pk, 0) > 0
    # Replaced, not added to: a second run leaves one row per offer and one run.
    potentials_compute(organisation_id=organisation.pk, horizon_minutes=0)
    assert OfferPotential.objects.count() == len(prices)
    assert PotentialsRun.objects.count() == 1
    columns = {field.name for field in OfferPotential._meta.get_fields()}
    assert columns == {"id", "organisation", "offer", "potential", "computed_at"}


def test_a_bed_kept_for_a_more_urgent_group_is_marked_and_ranked_lower(
    coordinator: Persona, host: Persona, make_request: Callable[..., Accepted]
) -> None:
    calm, near, far = _crowded_town(host, make_request)
    plain = suggestions_for(calm)
    assert [item.offer.pk for item in plain] == [near.pk, far.pk]
    assert not any(item.priced or item.terms.held_back for item in plain)
    potentials_compute(organisation_id=coordinator.member.organisation_id, horizon_minutes=0)
    priced = suggestions_for(calm)
    assert [item.offer.pk for item in priced] == [far.pk, near.pk]
    assert [item.terms.held_back for item in priced] == [False, True]
    assert all(item.priced for item in priced)
    page = login(Client(), coordinator).get(f"/en/desk/{calm.pk}/").content.decode()
    beds = page.split('class="suggestions"')[1].split("</table>")[0]
    assert beds.count(HELD) == 1
    assert beds.index("Taldykorgan") < beds.index(HELD)
    assert "Ranked with the current potentials" in page
    # Nothing about the other group: not its urgency, needs or reference.
    assert "women" not in beds.lower()
    russian = login(Client(), coordinator).get(f"/ru/desk/{calm.pk}/").content.decode()
    assert "оставлено для более срочной группы рядом" in russian


def test_stale_potentials_are_not_used(
    organisation: Organisation, host: Persona, make_request: Callable[..., Accepted]
) -> None:
    calm, near, far = _crowded_town(host, make_request)
    potentials_compute(
        organisation_id=organisation.pk,
        horizon_minutes=0,
        now=timezone.now() - timedelta(minutes=31),
    )
    found = suggestions_for(calm)
    assert [item.offer.pk for item in found] == [near.pk, far.pk]
    assert not found[0].priced


def test_switching_dual_prices_off_restores_the_plain_order_and_the_job_skips(
    organisation: Organisation, host: Persona, make_request: Callable[..., Accepted]
) -> None:
    calm, near, far = _crowded_town(host, make_request)
    potentials_compute(organisation_id=organisation.pk, horizon_minutes=0)
    assert suggestions_for(calm)[0].offer.pk == far.pk
    call_command("org", "set", organisation.slug, "--dual-prices", "off", stdout=None)
    assert not Organisation.objects.get(pk=organisation.pk).dual_prices
    found = suggestions_for(calm)
    assert [item.offer.pk for item in found] == [near.pk, far.pk]
    assert not any(item.priced or item.terms.held_back for item in found)
    assert potentials_run_all()["organisations"] == 0
    assert not OfferPotential.objects.exists() and not PotentialsRun.objects.exists()
    organisation_configure(organisation=organisation, dual_prices=True)
    assert potentials_run_all()["organisations"] == 1


def test_a_suggestion_never_breaks_a_constraint_whatever_the_potentials(
    organisation: Organisation, host: Persona, make_request: Callable[..., Accepted]
) -> None:
    calm, _near, _far = _crowded_town(host, make_request)
    _beds(host, "kz-almaty", 4, accepts=["pets"])
    _beds(host, "kz-almaty", 2, accepts=["families"])
    fits = _beds(host, "kz-almaty", 3, accepts=["families"])
    family = make_request(place="kz-almaty", urgency=2, group_size=3, group_needs=("children",))
    women = Case.objects.get(women_only=True)
    cases = [calm, family.case, women]
    plain = [{item.offer.pk for item in suggestions_for(case, k=10)} for case in cases]
    potentials_compute(organisation_id=organisation.pk, horizon_minutes=600, seed=7)
    priced = [suggestions_for(case, k=10) for case in cases]
    assert all(item.priced for found in priced for item in found)
    # The same beds, only in another order: the filters stay whatever the prices.
    assert [{item.offer.pk for item in found} for found in priced] == plain
    assert [item.offer.pk for item in priced[1]] == [fits.pk]
    assert {BedOffer.objects.get(pk=item.offer.pk).accepts[0] for item in priced[2]} == {"women"}


def test_the_worker_prices_beds_with_a_forecast(
    organisation: Organisation, host: Persona, make_request: Callable[..., Accepted]
) -> None:
    _crowded_town(host, make_request)
    assert "potentials" in run_due()
    run = PotentialsRun.objects.get()
    assert run.waiting == 2 and run.offers_priced >= 1
    assert run.computed_at > timezone.now() - timedelta(minutes=1)


@pytest.mark.parametrize("language", ["en", "ru"])
def test_the_surge_signal_says_who_the_plan_leaves_unplaced_and_why(
    coordinator: Persona, host: Persona, make_request: Callable[..., Accepted], language: str
) -> None:
    _beds(host, "ge-tbilisi", 2)
    make_request(place="ge-tbilisi", urgency=5, group_size=2)  # placed
    make_request(place="ge-tbilisi", urgency=5, group_size=3)  # too large for any bed
    make_request(place="ge-tbilisi", urgency=4, group_needs=("women_only",))  # no such bed
    make_request(place="am-yerevan", urgency=5, group_size=2)  # nothing within reach
    make_request(place="ge-tbilisi", urgency=5, group_size=2)  # the bed went to the first
    make_request(place="ge-tbilisi", urgency=1, group_size=4)  # not urgent: not counted
    run_due()
    run = MatchRun.objects.get()
    assert run.urgent_unplaced == {
        "group_too_large": 3,
        "women_only": 1,
        "no_bed_in_range": 2,
        "beds_taken": 2,
    }
    page = login(Client(), coordinator).get(f"/{language}/desk/").content.decode()
    if language == "en":
        assert (
            "Left unplaced by the current plan: 8 urgent — no offer takes a group this large 3, "
            "no free bed within reach 2, the beds that fit went to more urgent groups 2, "
            "no women-only bed 1"
        ) in page
    else:
        assert "Без места по текущему плану: 8 срочных" in page
        assert "нет места только для женщин 1" in page


def test_the_bench_times_the_job_on_a_small_organisation(db: None) -> None:
    import json

    from haven.bench.potentials import run

    lines: list[str] = []
    run(12, 5, 1, True, lines.append)
    figures = json.loads(lines[0])
    assert (figures["waiting_cases"], figures["offers"], figures["repeats"]) == (12, 5, 1)
    assert figures["job_s_median"] > 0 and figures["suggestion_p50_ms"] is not None
