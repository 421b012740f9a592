from collections.abc import Callable

from django.conf import settings
from django.test import Client

from haven.cases.models import Case, Status
from haven.intake.services import Accepted


def test_codename_opens_the_status_page_and_cycles_the_session(
    make_request: Callable[..., Accepted],
) -> None:
    accepted = make_request()
    client = Client()
    client.get("/en/status/")
    client.session.save()
    before = client.session.session_key
    response = client.post("/en/status/", {"codename": accepted.codename.upper()})
    assert response.status_code == 302
    assert client.session.session_key != before
    page = client.get("/en/status/").content.decode()
    assert "Volunteers have not looked at it yet" in page


def test_status_page_follows_the_case(make_request: Callable[..., Accepted]) -> None:
    accepted = make_request()
    Case.objects.filter(pk=accepted.case.pk).update(status=Status.IN_PROGRESS)
    client = Client()
    client.post("/ru/status/", {"codename": accepted.codename})
    assert "Волонтёры работают над ней" in client.get("/ru/status/").content.decode()


def test_misspelt_codename_says_which_word(make_request: Callable[..., Accepted]) -> None:
    words = make_request().codename.split()
    words[2] = words[2] + "q"
    response = Client().post("/en/status/", {"codename": " ".join(words)})
    assert response.status_code == 400
    assert f"“{words[2]}” is not one of the codename words" in response.content.decode()
    assert " ".join(words) in response.content.decode()  # what was typed stays


def test_unknown_codename_is_a_plain_error(case: Case) -> None:
    response = Client().post(
        "/ru/status/", {"codename": "abacus abdomen abdominal abide abiding ability ablaze"}
    )
    assert response.status_code == 400
    assert "Нет заявки с таким кодовым именем" in response.content.decode()


def test_guessing_is_throttled_globally_because_behind_tor_everyone_is_localhost(
    case: Case, settings: object
) -> None:
    settings.HAVEN_CODENAME_GLOBAL_FAILURES_PER_MINUTE = 3  # type: ignore[attr-defined]
    guesses = [
        "abacus abdomen abdominal abide abiding ability ablaze",
        "ablaze abacus abdomen abdominal abide abiding ability",
        "ability ablaze abacus abdomen abdominal abide abiding",
    ]
    for guess in guesses:
        assert Client().post("/en/status/", {"codename": guess}).status_code == 400
    response = Client().post("/en/status/", {"codename": guesses[0]})
    assert response.status_code == 429
    assert "Too many codenames were tried" in response.content.decode()


def test_leaving_forgets_the_requester(make_request: Callable[..., Accepted]) -> None:
    client = Client()
    client.post("/en/status/", {"codename": make_request().codename})
    client.post("/en/status/leave/")
    assert "Your codename" in client.get("/en/status/").content.decode()


def test_quick_exit_clears_everything_and_leaves(make_request: Callable[..., Accepted]) -> None:
    client = Client()
    client.post("/en/status/", {"codename": make_request().codename})
    response = client.get("/exit/")
    assert response.status_code == 303
    assert response["Location"] == settings.HAVEN_QUICK_EXIT_URL
    assert "cookies" in response["Clear-Site-Data"]
    assert "Your codename" in client.get("/en/status/").content.decode()


def test_requester_login_is_a_browser_session_cookie_that_ages_out(
    make_request: Callable[..., Accepted],
) -> None:
    client = Client()
    response = client.post("/en/status/", {"codename": make_request().codename})
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["expires"] == "" and cookie["max-age"] == ""
    session = client.session
    session["haven.requester-since"] -= 31 * 60
    session.save()
    assert "Your codename" in client.get("/en/status/").content.decode()
