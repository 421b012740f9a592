"""A requester on Tor Browser at "Safest" (no JavaScript) answers a proposal to pass their request
to a partner organisation, in Russian and in English."""

from collections.abc import Callable

import pytest

from haven.cases.lifecycle import case_triage
from haven.intake.services import Accepted
from haven.messaging.models import Message
from haven.referrals.arrivals import arrival_answer
from haven.referrals.delivery import deliver_due
from haven.referrals.models import Arrival, Referral, ReferralStatus
from haven.referrals.partners import identity_ensure, partner_add_local
from haven.referrals.proposals import referral_propose
from tests.conftest import Persona, keyring_of

pytestmark = pytest.mark.browser

TEXT = {
    "ru": {
        "open": "Открыть",
        "see": "Посмотреть другие организации",
        "warning": "уничтожит только нашу копию",
        "yes": "Да, передать",
        "sent": "Передано; ждём их ответа.",
        "write": "Написать: Other group",
        "send": "Отправить",
        "answered": "Отправлено. Они прочтут это у себя.",
    },
    "en": {
        "open": "Open",
        "see": "See the other organisations",
        "warning": "destroys our copy only",
        "yes": "Yes, pass it on",
        "sent": "Passed on; waiting for their answer.",
        "write": "Write to Other group",
        "send": "Send",
        "answered": "Sent. They read it on their desk.",
    },
}


@pytest.mark.parametrize("language", ["ru", "en"])
def test_requester_consents_to_a_referral_without_javascript(
    visit: Callable[..., object],
    live_server: object,
    coordinator: Persona,
    outsider: Persona,
    make_request: Callable[..., Accepted],
    language: str,
) -> None:
    text = TEXT[language]
    identity_ensure(keyring=keyring_of(coordinator))
    identity_ensure(keyring=keyring_of(outsider))
    partner = partner_add_local(
        actor=coordinator.member,
        other=outsider.member.organisation,
        needs=["legal"],
        countries=["de"],
        languages=["ru"],
    )
    partner_add_local(
        actor=outsider.member,
        other=coordinator.member.organisation,
        needs=[],
        countries=[],
        languages=[],
    )
    accepted = make_request()
    case_triage(actor=coordinator.member, case=accepted.case, decision="accept")
    referral_propose(
        actor=coordinator.member,
        keyring=keyring_of(coordinator),
        case=accepted.case,
        partner=partner,
        fields=["name", "story"],
        with_thread=False,
        with_documents=False,
        reason="They need a lawyer in Germany.",
    )
    session = visit(javascript=False, locale=f"{language}-{language.upper()}")
    page = session.page  # type: ignore[attr-defined]
    page.goto(f"{live_server.url}/{language}/status/")  # type: ignore[attr-defined]
    page.locator("input[name=codename]").fill(accepted.codename)
    page.get_by_role("button", name=text["open"]).click()
    page.get_by_role("link", name=text["see"]).click()
    assert text["warning"] in page.locator("main").inner_text()
    page.get_by_role("button", name=text["yes"]).click()
    assert text["sent"] in page.locator("main").inner_text()
    referral = Referral.objects.get()
    assert referral.status == ReferralStatus.SENT
    assert Arrival.objects.filter(pk=referral.pk).exists()
    assert session.foreign() == []  # type: ignore[attr-defined]
    assert not any(url.endswith(".js") for url in session.requests)  # type: ignore[attr-defined]

    # Other takes the request; the requester answers it from the same page, still without script.
    arrival_answer(
        actor=outsider.member,
        keyring=keyring_of(outsider),
        arrival=Arrival.objects.get(pk=referral.pk),
        accept=True,
    )
    deliver_due()
    page.reload()
    page.get_by_label(text["write"]).fill("Во вторник смогу прийти.")
    page.get_by_role("button", name=text["send"]).click()
    assert text["answered"] in page.locator("main").inner_text()
    assert "Во вторник смогу прийти." in page.locator("main").inner_text()
    their_case = Arrival.objects.get(pk=referral.pk).case
    assert Message.objects.filter(case=their_case, from_requester=True).count() == 1
    assert not any(url.endswith(".js") for url in session.requests)  # type: ignore[attr-defined]
