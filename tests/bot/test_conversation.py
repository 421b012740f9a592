"""The bot's conversation without a homeserver: the same request as the web form, one question at
a time, and a clear answer to everything that is not one."""

from collections.abc import Iterator
from itertools import count

import pytest
from django.db import connection
from django.utils import timezone

from haven.accounts.models import Organisation
from haven.bot.conversation import FrontDoor
from haven.bot.models import Conversation
from haven.bot.services import conversation_load
from haven.cases.lifecycle import case_triage
from haven.cases.models import Case, CaseSeal
from haven.crypto.codenames import normalise, requester_key_pair
from haven.messaging.models import Message
from haven.messaging.services import message_to_requester, thread_for_requester
from tests.conftest import Persona, keyring_of, stored

USER = "@lena:example.org"
_events = count(1)


class Person:
    """Someone writing to the bot: what they say, and everything it answered."""

    def __init__(self, door: FrontDoor, user_id: str = USER) -> None:
        self.door, self.user_id = door, user_id
        self.heard: list[str] = []

    def say(self, text: str) -> str:
        outcome = self.door.receive(
            user_id=self.user_id, text=text, event_id=f"$event{next(_events)}"
        )
        said = [reply.text for reply in outcome.replies]
        self.heard.extend(said)
        return "\n".join(said)


@pytest.fixture
def door(organisation: Organisation) -> FrontDoor:
    return FrontDoor(organisation=organisation)


@pytest.fixture
def person(door: FrontDoor) -> Iterator[Person]:
    yield Person(door)


def _walk(person: Person, *, language: str, place: str, contact: str) -> str:
    """Language, needs (a place to stay and legal advice), place, 2 people, today, contact, send:
    seven messages."""
    person.say(language)
    person.say("1 2")
    person.say(place)
    state = conversation_load(user_id=person.user_id)
    if state is not None and state.step == "place":  # a numbered choice of places
        person.say("1")
    person.say("2")
    person.say("1")
    person.say(contact)
    return person.say("1")


def _codename_of(answer: str) -> str:
    return answer.split("\n\n")[1]


def test_a_request_in_russian_gives_a_russian_codename_and_a_sealed_case(
    person: Person, organisation: Organisation
) -> None:
    greeting = person.say("привет")
    assert "homeserver" in greeting and "не зашифрован" in greeting
    assert "Что вам нужно" in person.say("1")
    assert "Где вы сейчас" in person.say("1, 2")
    noted = person.say("алматы")
    assert "Алматы" in noted and "Сколько человек" in noted
    assert "Насколько это срочно" in person.say("3")
    assert "Как волонтёрам с вами связаться" in person.say("1")
    summary = person.say("@lena_signal")
    assert "Алматы" in summary and "@lena_signal" in summary
    assert "Человек: 3" in summary and "Сегодня" in summary
    answer = person.say("1")
    codename = _codename_of(answer)
    assert len(codename.split()) == 7 and all(
        "а" <= letter <= "я" for word in codename.split() for letter in word
    )
    case = Case.objects.get()
    assert case.place == "kz-almaty" and case.need_shelter and case.need_legal
    # The whole group is matched to one bed, and tonight is tonight.
    assert case.group_size == 3 and case.urgency == 5
    assert case.languages == ["ru"]
    assert bytes(case.codename_digest)  # found by its codename's digest
    seal = CaseSeal.objects.get(case=case)
    assert b"lena_signal" not in stored(seal.contact)


def test_the_codename_is_never_stored_and_the_state_is_sealed(person: Person) -> None:
    answer = _walk(person, language="2", place="Tbilisi", contact="lena@example.org")
    codename = _codename_of(answer)
    assert Conversation.objects.count() == 1
    with connection.cursor() as cursor:
        cursor.execute("SELECT lookup, state FROM bot_conversation")
        lookup, state = (bytes(value) for value in cursor.fetchone())
    for secret in (codename, USER, "lena@example.org", "ge-tbilisi", "linked"):
        assert secret.encode() not in lookup + state
    opened = conversation_load(user_id=USER)
    assert opened is not None and opened.linked
    assert codename not in repr(opened.__dict__)
    assert opened.contact == ""  # sealed in the case now, not kept by the bot
    assert conversation_load(user_id="@someone-else:example.org") is None


def test_messages_pass_both_ways_between_the_person_and_the_case(
    person: Person, door: FrontDoor, coordinator: Persona
) -> None:
    codename = _codename_of(_walk(person, language="en", place="Almaty", contact="0"))
    case = Case.objects.get()
    assert case.messages_only
    assert "Passed on" in person.say("Is there a bed tonight?")
    case_triage(actor=coordinator.member, case=case, decision="accept")
    message_to_requester(
        actor=coordinator.member, keyring=keyring_of(coordinator), case=case, text="Yes, at 8 pm."
    )
    replies, last = door.news(user_id=USER)
    assert [reply.text for reply in replies] == ["From the volunteers:\n\nYes, at 8 pm."]
    door.news_delivered(user_id=USER, number=last)
    assert door.news(user_id=USER) == ([], 0)
    thread = thread_for_requester(
        case=case, requester_private=requester_key_pair(normalise(codename)).private
    )
    assert [opened.text for opened in thread] == ["Is there a bed tonight?", "Yes, at 8 pm."]
    assert "In progress" in person.say("/status") or "Triaged" in person.say("/status")


def test_a_retried_event_is_stored_once(person: Person, door: FrontDoor) -> None:
    _walk(person, language="en", place="Almaty", contact="0")
    for _attempt in range(2):
        door.receive(user_id=USER, text="hello", event_id="$same-event")
    assert Message.objects.count() == 1


def test_the_group_and_the_urgency_are_asked_and_a_bad_answer_asks_again(person: Person) -> None:
    person.say("en")
    person.say("1")
    assert "How many people need a place to stay" in person.say("Tbilisi")
    for bad in ("two", "0", "31", "2 3"):
        assert "Send a number from 1 to 30" in person.say(bad)
    urgency = person.say("4")
    assert urgency.splitlines()[1] == "1 — Today: nowhere safe to sleep tonight"
    assert urgency.splitlines()[5] == "5 — Within a month"
    for bad in ("soon", "6", "1 2"):
        assert "How urgent is it?" in person.say(bad)
    assert "How can the volunteers reach you?" in person.say("0")
    summary = person.say("@lena")
    assert "People: 4" in summary and "Urgency: not said (taken as within a week)" in summary
    person.say("1")
    case = Case.objects.get()
    assert case.group_size == 4 and case.urgency == 3  # the form's own default


def test_no_group_is_asked_without_a_place_to_stay(person: Person) -> None:
    person.say("en")
    person.say("2")  # legal advice only
    assert "How urgent is it?" in person.say("Tbilisi")
    person.say("2")
    summary = person.say("0")
    assert "People:" not in summary and "Urgency: Within two days" in summary
    person.say("1")
    case = Case.objects.get()
    assert case.group_size == 1 and case.urgency == 4


def test_a_place_typed_in_part_offers_a_numbered_choice(person: Person) -> None:
    person.say("en")
    person.say("1")
    choice = person.say("kara")
    assert "1 —" in choice
    assert "Noted" in person.say("1")


def test_a_numbered_list_of_countries_and_places(person: Person) -> None:
    person.say("en")
    person.say("1")
    countries = person.say("0")
    assert "Kazakhstan" in countries
    number = next(line.split(" — ")[0] for line in countries.splitlines() if "Georgia" in line)
    places = person.say(number)
    assert "Tbilisi" in places and "Another place" in places
    last = places.splitlines()[-1].split(" — ")[0]
    assert "Another place in Georgia" in person.say(last)


def test_bad_answers_are_answered_in_the_persons_language(person: Person) -> None:
    assert "Отправьте 1" in person.say("xyz") or "1 — Русский" in person.say("xyz")
    person.say("ru")
    assert "номера" in person.say("семь")
    person.say("1")
    assert "Не знаю места" in person.say("Гдетотам")
    assert "не знаю команды /дом" in person.say("/дом").lower()


def test_a_huge_message_is_refused_whole_with_the_limit(person: Person) -> None:
    _walk(person, language="en", place="Almaty", contact="0")
    answer = person.say("x" * 4001)
    assert "4001" in answer and "4000" in answer and "none of it" in answer
    assert Message.objects.count() == 0


def test_a_flood_is_answered_once_and_nothing_beyond_the_budget_is_kept(
    person: Person, settings: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    # One minute's budget, whatever the clock says while the test runs.
    moment = timezone.now().replace(second=5)
    monkeypatch.setattr(timezone, "now", lambda: moment)
    settings.HAVEN_BOT_MESSAGES_PER_MINUTE = 10  # type: ignore[attr-defined]
    _walk(person, language="en", place="Almaty", contact="0")  # 7 messages
    person.say("zero")
    person.say("one")
    person.say("two")
    answers = [person.say(f"flood {number}") for number in range(5)]
    assert "10 a minute" in answers[0] and "send it again" in answers[0]
    assert answers[1:] == ["", "", "", ""]
    assert Message.objects.count() == 3


def test_an_attachment_is_answered_and_points_to_the_status_page(
    person: Person, door: FrontDoor
) -> None:
    person.say("ru")
    [reply] = door.attachment(user_id=USER)
    assert "страницу статуса" in reply.text or "страниц" in reply.text
    assert "ничего" in reply.text.lower()


def test_forget_deletes_everything_the_bot_kept(person: Person) -> None:
    _walk(person, language="en", place="Almaty", contact="0")
    assert "deleted everything" in person.say("/forget")
    assert not Conversation.objects.exists()
    assert Case.objects.count() == 1


def test_login_links_a_request_sent_on_the_web(door: FrontDoor, make_request: object) -> None:
    accepted = make_request()  # type: ignore[operator]
    person = Person(door, "@web:example.org")
    person.say("en")
    assert "seven" in person.say("/login two words")
    assert "linked" in person.say(f"/login {accepted.codename}")
    assert "Passed on" in person.say("hello from matrix")
    assert Message.objects.filter(case=accepted.case, from_requester=True).count() == 1
