"""The request form, as a requester on a phone with JavaScript off would use it."""

import re
from urllib.parse import urlencode

import pytest
from django.test import Client
from django.utils import timezone

from haven.accounts.models import Organisation
from haven.cases.models import Case
from haven.crypto.codenames import normalise

FORM = {
    "needs": ["shelter", "legal"],
    "place": "ge-tbilisi",
    "group_size": "2",
    "languages": ["ru", "en"],
    "urgency": "5",
    "date_from": timezone.localdate().isoformat(),
    "contact": "@signal_person",
    "name": "Дмитрий",
    "military_status": "deserter",
    "story": "Ушёл из части, нужен юрист.",
}


def _fresh_form(client: Client, language: str = "ru") -> dict[str, object]:
    page = client.get(f"/{language}/help/ark/").content.decode()
    submission = re.search(r'name="submission" value="([^"]+)"', page)
    assert submission
    return {**FORM, "submission": submission.group(1)}


def _codename(html: str) -> str:
    found = re.search(r'<p class="codename" id="codename">([^<]+)</p>', html)
    assert found
    return found.group(1)


def test_one_organisation_sends_requesters_straight_to_its_form(organisation: Organisation) -> None:
    response = Client().get("/ru/help/")
    assert response.status_code == 302
    assert response["Location"] == "/ru/help/ark/"


def test_request_is_stored_and_answered_with_a_codename_once(organisation: Organisation) -> None:
    client = Client()
    response = client.post("/ru/help/ark/", _fresh_form(client))
    assert response.status_code == 201
    html = response.content.decode()
    codename = _codename(html)
    assert normalise(codename) == codename
    assert "только этот один раз" in html  # the warning, in Russian
    case = Case.objects.get()
    assert (case.country, case.place, case.group_size, case.urgency) == ("GE", "ge-tbilisi", 2, 5)
    assert case.need_shelter and case.need_legal and not case.need_money
    assert case.languages == ["ru", "en"]
    assert (case.created_hour.minute, case.created_hour.second) == (0, 0)


def test_retried_form_creates_no_second_request_and_shows_the_same_codename(
    organisation: Organisation,
) -> None:
    client = Client()
    form = _fresh_form(client)
    first = _codename(client.post("/ru/help/ark/", form).content.decode())
    second = client.post("/ru/help/ark/", form)
    assert _codename(second.content.decode()) == first
    assert Case.objects.count() == 1


def test_same_form_sent_again_with_other_answers_is_refused_plainly(
    organisation: Organisation,
) -> None:
    client = Client()
    form = _fresh_form(client)
    client.post("/ru/help/ark/", form)
    response = client.post("/ru/help/ark/", {**form, "contact": "@someone_else"})
    assert response.status_code == 409
    assert Case.objects.count() == 1
    assert "@someone_else" in response.content.decode()


@pytest.mark.parametrize(
    ("language", "message"),
    [("ru", "Укажите хотя бы один способ связи"), ("en", "Give one way to reach you")],
)
def test_errors_are_shown_beside_the_field_in_the_requesters_language_and_keep_the_answers(
    organisation: Organisation, language: str, message: str
) -> None:
    client = Client()
    form = {**_fresh_form(client, language), "contact": "", "group_size": "500"}
    response = client.post(f"/{language}/help/ark/", form)
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert 'id="id_contact_error"' in html
    assert 'id="id_group_size_error"' in html
    # What was typed is still there.
    assert "Ушёл из части, нужен юрист." in html
    assert 'value="Дмитрий"' in html
    assert re.search(r"<option selected>(Tbilisi|Тбилиси)<", html)
    assert Case.objects.count() == 0


def test_every_field_has_a_limit(organisation: Organisation) -> None:
    client = Client()
    form = {
        **_fresh_form(client, "en"),
        "story": "x" * 4001,
        "contact": "y" * 201,
        "name": "z" * 101,
        "for_counselor": "w" * 2001,
        "location_detail": "v" * 301,
    }
    response = client.post("/en/help/ark/", form)
    assert response.status_code == 400
    # Each said twice: in the summary at the top and beside its field.
    assert response.content.decode().count("Ensure this value has at most") == 2 * 5


def test_unknown_place_and_forged_choices_are_refused(organisation: Organisation) -> None:
    client = Client()
    form = {
        **_fresh_form(client, "en"),
        "place": "xx-nowhere",
        "needs": ["weapons"],
        "urgency": "9",
        "submission": "short",
    }
    response = client.post("/en/help/ark/", form)
    assert response.status_code == 400
    html = response.content.decode()
    for field in ("place", "needs", "urgency", "submission"):
        assert f"id_{field}_error" in html or field == "submission"
    assert "This form is damaged" in html
    assert Case.objects.count() == 0


def test_expired_page_keeps_the_answers(organisation: Organisation) -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post("/en/help/ark/", _fresh_form(client, "en"))
    assert response.status_code == 403
    html = response.content.decode()
    assert "nothing was sent yet" in html
    assert "Ушёл из части, нужен юрист." in html
    assert Case.objects.count() == 0


def test_closed_intake_is_not_found(organisation: Organisation) -> None:
    Organisation.objects.filter(pk=organisation.pk).update(accepts_requests=False)
    assert Client().get("/en/help/ark/").status_code == 404


def test_each_language_is_offered_in_its_own_name(organisation: Organisation) -> None:
    html = Client().get("/ru/help/ark/").content.decode()
    assert '<a href="/en/help/ark/" lang="en">English</a>' in html
    assert "<strong>Русский</strong>" in html


def test_forms_share_choices_but_not_what_one_form_changes() -> None:
    from haven.intake.forms import RequestForm

    first, second = RequestForm(), RequestForm()
    assert first.fields["needs"].choices is second.fields["needs"].choices  # type: ignore[attr-defined]  # a ChoiceField
    first.fields["needs"].widget.attrs["autofocus"] = True
    first.fields["needs"].error_messages["required"] = "changed"
    assert "autofocus" not in second.fields["needs"].widget.attrs
    assert second.fields["needs"].error_messages["required"] != "changed"
    assert "autofocus" not in RequestForm().fields["needs"].widget.attrs


@pytest.mark.django_db
def test_each_requester_sees_their_own_codename_on_a_page_in_their_language(
    organisation: Organisation,
) -> None:
    client = Client()
    pages = {
        language: [
            client.post(f"/{language}/help/ark/", _fresh_form(client, language)).content.decode()
            for _ in range(2)
        ]
        for language in ("ru", "en")
    }
    codenames = [_codename(page) for shown in pages.values() for page in shown]
    assert len(set(codenames)) == 4
    assert Case.objects.count() == 4
    assert 'href="/en/help/ark/" lang="en"' in pages["ru"][1]
    assert 'href="/ru/help/ark/" lang="ru"' in pages["en"][1]
    assert "только этот один раз" in pages["ru"][1]
    assert "It is shown only this once" in pages["en"][1]


# How a browser sends the request form (it has no file field).
FORM_TYPE = "application/x-www-form-urlencoded"


def test_a_post_over_the_size_limit_is_refused_with_every_answer_kept(
    organisation: Organisation, settings: object
) -> None:
    client = Client()
    story = "Нас трое. " * 30_000  # about 300,000 characters, 3 MB once form-encoded
    form = {**_fresh_form(client, "en"), "story": story, "name": "Дмитрий"}
    response = client.post("/en/help/ark/", urlencode(form, doseq=True), content_type=FORM_TYPE)
    assert response.status_code == 413
    page = response.content.decode()
    assert "too long to send, so nothing was sent yet" in page
    assert "Your situation in your own words (optional): Ensure this value has at most 4000" in page
    assert 'value="Дмитрий"' in page and 'value="@signal_person"' in page
    assert (
        "Content-Security-Policy" in response
        and "script-src 'none'" in response["Content-Security-Policy"]
    )
    assert Case.objects.count() == 0


def test_a_post_far_over_the_size_limit_still_keeps_what_came_first(
    organisation: Organisation,
) -> None:
    client = Client()
    form = {**_fresh_form(client, "en"), "contact": "@kept", "story": "x" * 5_000_000}
    response = client.post("/en/help/ark/", urlencode(form, doseq=True), content_type=FORM_TYPE)
    assert response.status_code == 413
    assert 'value="@kept"' in response.content.decode()


def test_a_russian_page_gives_a_russian_codename_that_opens_in_either_script(
    organisation: Organisation,
) -> None:
    from haven.crypto.spelling import latin_spellings

    client = Client()
    codename = _codename(client.post("/ru/help/ark/", _fresh_form(client, "ru")).content.decode())
    words = codename.split()
    assert len(words) == 7 and all("а" <= letter <= "я" for word in words for letter in word)
    latin = " ".join(sorted(latin_spellings(word))[0] for word in words)
    for typed in (codename, latin, codename.upper()):
        assert Client().post("/en/status/", {"codename": typed}).status_code == 302, typed
    english = Client()
    english_codename = _codename(
        english.post("/en/help/ark/", _fresh_form(english, "en")).content.decode()
    )
    assert english_codename.isascii()
    assert Client().post("/ru/status/", {"codename": english_codename}).status_code == 302
