"""A requester for whom any contact is a risk may give none and be reached only through Haven's
messages; the desk shows which."""

from django.test import Client

from haven.accounts.models import Organisation
from haven.cases.models import Case, CaseSeal
from tests.conftest import Persona, login
from tests.intake.test_ask import _fresh_form


def test_a_request_without_a_contact_is_reached_only_through_messages(
    organisation: Organisation, coordinator: Persona
) -> None:
    client = Client()
    form = {**_fresh_form(client), "contact": "", "messages_only": "on"}
    assert client.post("/ru/help/ark/", form).status_code == 201
    case = Case.objects.get()
    assert case.messages_only
    assert CaseSeal.objects.get(case=case).contact is None
    desk = login(Client(), coordinator)
    assert "messages only" in desk.get("/en/desk/").content.decode()
    page = desk.get(f"/en/desk/{case.pk}/").content.decode()
    assert "they gave no contact" in page and "At the contact they gave" not in page


def test_neither_a_contact_nor_messages_only_is_refused_in_the_requesters_language(
    organisation: Organisation,
) -> None:
    client = Client()
    response = client.post("/ru/help/ark/", {**_fresh_form(client), "contact": ""})
    assert response.status_code == 400
    html = response.content.decode()
    assert "только через сообщения Haven" in html and "Ушёл из части, нужен юрист." in html
    assert not Case.objects.exists()


def test_a_contact_and_messages_only_together_ask_the_requester_to_choose(
    organisation: Organisation,
) -> None:
    client = Client()
    response = client.post("/en/help/ark/", {**_fresh_form(client, "en"), "messages_only": "on"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "clear the contact, or untick this" in html and 'value="@signal_person"' in html
    assert not Case.objects.exists()


def test_a_request_with_a_contact_shows_on_the_desk_as_reachable_there(
    organisation: Organisation, coordinator: Persona
) -> None:
    client = Client()
    assert client.post("/ru/help/ark/", _fresh_form(client)).status_code == 201
    case = Case.objects.get()
    assert not case.messages_only
    page = login(Client(), coordinator).get(f"/en/desk/{case.pk}/").content.decode()
    assert "At the contact they gave (sealed)" in page
