"""The request, asked one question at a time: the language, the needs, the place (found by its
typed name or picked from a list), how many people need a place to stay (when one is needed), how
urgent it is, a contact, and the summary to send, through the same form and service as the web's
request.

Each step takes the person's answer and returns the bot's replies; the state it moves to is sealed
and saved before it returns.
"""

import re
import secrets
from collections.abc import Callable

from django.utils import translation
from django.utils.translation import gettext as _

from haven.accounts.models import Organisation
from haven.bot.replies import (
    URGENCY_ORDER,
    Reply,
    both,
    contact_question,
    greeting,
    language_question,
    needs_question,
    numbered,
    people_question,
    place_question,
    urgency_question,
)
from haven.bot.services import State, conversation_save
from haven.cases.models import Need
from haven.core.geography import country_name
from haven.core.places import COUNTRIES, UnknownPlace, load_places, name, place_by_id, places_in
from haven.crypto.codenames import requester_key_pair
from haven.intake.forms import MAX_GROUP, RequestForm, other_place_id
from haven.intake.services import (
    Submission,
    SubmissionConflict,
    intake_within_budget,
    request_submit,
)

# How many places a typed name may match before the person is asked to type more of it.
MOST_MATCHES = 9
_NUMBERS = re.compile(r"[\s,;.]+")
# The request form's limit for a contact.
CONTACT_LIMIT = 200


def read_numbers(text: str) -> list[int] | None:
    parts = [part for part in _NUMBERS.split(text) if part]
    if not parts or not all(part.isdigit() for part in parts):
        return None
    return [int(part) for part in parts]


def fold(text: str) -> str:
    return " ".join(text.casefold().replace("ё", "е").replace("-", " ").split())


def _places_named(text: str) -> list[str]:
    """Place ids whose Russian or English name is the typed one, or else begins or holds it."""
    wanted = fold(text)
    if not wanted:
        return []
    exact, starting, holding = [], [], []
    for place in load_places():
        names = {fold(place.name_ru), fold(place.name_en)}
        if wanted in names:
            exact.append(place.id)
        elif any(one.startswith(wanted) for one in names):
            starting.append(place.id)
        elif len(wanted) >= 3 and any(wanted in one for one in names):
            holding.append(place.id)
    return exact or starting or holding


def _place_label(place_id: str) -> str:
    language = translation.get_language() or "ru"
    for country in COUNTRIES:
        if place_id == other_place_id(country):
            return _("Another place in %(country)s") % {"country": country_name(country)}
    try:
        place = place_by_id(place_id)
    except UnknownPlace:
        return place_id
    return f"{name(place, language)}, {country_name(place.country)}"


def choose_language(user_id: str, state: State | None, text: str) -> list[Reply]:
    choice = fold(text)
    language = ""
    if choice in {"1", "ru", "рус", "русский", "russian"}:
        language = "ru"
    elif choice in {"2", "en", "eng", "english", "английский", "англ"}:
        language = "en"
    if not language:
        if state is None:
            return [Reply(greeting(encrypted=False))]
        return [
            Reply(
                both(lambda: _("Send 1 for Russian or 2 for English.")) + "\n" + language_question()
            )
        ]
    state = state or State()
    state.language = language
    if state.step == "language":
        state.step = "needs"
    conversation_save(user_id=user_id, state=state)
    with translation.override(language):
        return [Reply(question(state))]


def question(state: State) -> str:
    """The question of the step the person is at."""
    if state.step == "place":
        return place_question()
    if state.step == "contact":
        return contact_question()
    if state.step == "confirm":
        return summary(state)
    if state.step == "linked":
        return _("Write to the volunteers here; I pass it on. /help lists the commands.")
    return needs_question()


def step_needs(
    organisation: Organisation, user_id: str, state: State, text: str, event_id: str
) -> list[Reply]:
    numbers = read_numbers(text)
    values = [value for value, _label in Need.choices]
    if not numbers or any(not 1 <= number <= len(values) for number in numbers):
        return [
            Reply(
                _("Send the numbers from the list, for example: 1 3")
                + "\n"
                + numbered([str(label) for _value, label in Need.choices])
            )
        ]
    state.needs = sorted({values[number - 1] for number in numbers})
    state.step = "place"
    state.choices = []
    conversation_save(user_id=user_id, state=state)
    return [Reply(place_question())]


def step_place(
    organisation: Organisation, user_id: str, state: State, text: str, event_id: str
) -> list[Reply]:
    numbers = read_numbers(text)
    if numbers == [0]:
        state.choices = [f"country:{country}" for country in COUNTRIES]
        conversation_save(user_id=user_id, state=state)
        return [
            Reply(
                _("Send the number of the country you are in:")
                + "\n"
                + numbered([country_name(country) for country in COUNTRIES])
            )
        ]
    if numbers is not None and len(numbers) == 1 and state.choices:
        if not 1 <= numbers[0] <= len(state.choices):
            return [
                Reply(
                    _("Send a number from 1 to %(last)d, or type the city's name.")
                    % {"last": len(state.choices)}
                )
            ]
        chosen = state.choices[numbers[0] - 1]
        if chosen.startswith("country:"):
            return _places_of(user_id, state, chosen.split(":", 1)[1])
        return _place_chosen(user_id, state, chosen)
    if numbers is not None:
        return [Reply(place_question())]
    found = _places_named(text)
    if len(found) == 1:
        return _place_chosen(user_id, state, found[0])
    if not found:
        return [
            Reply(
                _(
                    "I know no place called “%(name)s”. Check the spelling, type the name in "
                    "Russian or English, or send 0 for a list of countries."
                )
                % {"name": text[:60]}
            )
        ]
    if len(found) > MOST_MATCHES:
        return [
            Reply(
                _(
                    "“%(name)s” fits %(count)d places: type more of the name, or send 0 for a "
                    "list of countries."
                )
                % {"name": text[:60], "count": len(found)}
            )
        ]
    state.choices = found
    conversation_save(user_id=user_id, state=state)
    return [
        Reply(
            _("Which one? Send its number:")
            + "\n"
            + numbered([_place_label(place_id) for place_id in found])
        )
    ]


def _places_of(user_id: str, state: State, country: str) -> list[Reply]:
    language = translation.get_language() or "ru"
    places = sorted(places_in(country), key=lambda place: name(place, language))
    state.choices = [place.id for place in places] + [other_place_id(country)]
    conversation_save(user_id=user_id, state=state)
    labels = [name(place, language) for place in places] + [_("Another place")]
    return [Reply(_("Send the number of your place:") + "\n" + numbered(labels))]


def _place_chosen(user_id: str, state: State, place_id: str) -> list[Reply]:
    state.place = place_id
    state.choices = []
    # A bed is matched to the whole group, so its size is asked whenever a place to stay is.
    state.step = "people" if Need.SHELTER in state.needs else "urgency"
    conversation_save(user_id=user_id, state=state)
    return [
        Reply(_("Noted: %(place)s.") % {"place": _place_label(place_id)}),
        Reply(people_question() if state.step == "people" else urgency_question()),
    ]


def step_people(
    organisation: Organisation, user_id: str, state: State, text: str, event_id: str
) -> list[Reply]:
    numbers = read_numbers(text)
    if numbers is None or len(numbers) != 1 or not 1 <= numbers[0] <= MAX_GROUP:
        return [Reply(people_question())]
    state.group_size = numbers[0]
    state.step = "urgency"
    conversation_save(user_id=user_id, state=state)
    return [Reply(urgency_question())]


def step_urgency(
    organisation: Organisation, user_id: str, state: State, text: str, event_id: str
) -> list[Reply]:
    numbers = read_numbers(text)
    if numbers is None or len(numbers) != 1 or not 0 <= numbers[0] <= len(URGENCY_ORDER):
        return [Reply(urgency_question())]
    state.urgency = int(URGENCY_ORDER[numbers[0] - 1][0]) if numbers[0] else 0
    state.step = "contact"
    conversation_save(user_id=user_id, state=state)
    return [Reply(contact_question())]


def step_contact(
    organisation: Organisation, user_id: str, state: State, text: str, event_id: str
) -> list[Reply]:
    if text == "0":
        state.contact, state.messages_only = "", True
    else:
        limit = CONTACT_LIMIT
        if len(text) > limit:
            return [
                Reply(
                    _(
                        "A contact may be at most %(limit)d characters; this one has "
                        "%(length)d. Send a shorter one, or 0."
                    )
                    % {"limit": limit, "length": len(text)}
                )
            ]
        state.contact, state.messages_only = text, False
    state.step = "confirm"
    # A new key for these answers: a retry of the same answers gets the same codename.
    state.submission = secrets.token_urlsafe(24)
    conversation_save(user_id=user_id, state=state)
    return [Reply(summary(state))]


def summary(state: State) -> str:
    needs = ", ".join(str(label) for value, label in Need.choices if value in state.needs)
    contact = state.contact or _("only through Haven's messages, passed on to this chat")
    return "\n".join(
        [
            _("Your request:"),
            _("Needs: %(needs)s") % {"needs": needs},
            _("Place: %(place)s") % {"place": _place_label(state.place)},
            *(
                [_("People: %(count)d") % {"count": state.group_size}]
                if Need.SHELTER in state.needs
                else []
            ),
            _("Urgency: %(urgency)s") % {"urgency": _urgency_label(state.urgency)},
            _("Contact: %(contact)s") % {"contact": contact},
            "",
            _("1 — send it"),
            _("2 — change the answers"),
        ]
    )


def _urgency_label(urgency: int) -> str:
    labels = dict(URGENCY_ORDER)
    if urgency in labels:
        return str(labels[urgency])
    return _("not said (taken as within a week)")


def step_confirm(
    organisation: Organisation, user_id: str, state: State, text: str, event_id: str
) -> list[Reply]:
    if text == "2":
        state.step = "needs"
        conversation_save(user_id=user_id, state=state)
        return [Reply(needs_question())]
    if text != "1":
        return [Reply(_("Send 1 to send the request, or 2 to change the answers."))]
    return _submit(organisation, user_id, state)


def _submit(organisation: Organisation, user_id: str, state: State) -> list[Reply]:
    if not intake_within_budget():
        return [
            Reply(
                _(
                    "Very many people are asking for help right now. Your answers are kept: "
                    "wait a minute and send 1 again."
                )
            )
        ]
    form = RequestForm(
        {
            "needs": state.needs,
            "place": state.place,
            "group_size": state.group_size if Need.SHELTER in state.needs else 1,
            "urgency": state.urgency or "",
            "contact": state.contact,
            "messages_only": state.messages_only,
            "languages": [state.language],
            "submission": state.submission,
        }
    )
    if not form.is_valid():
        state.step = "needs"
        conversation_save(user_id=user_id, state=state)
        problems = "\n".join(str(error) for errors in form.errors.values() for error in errors)
        return [Reply(problems), Reply(needs_question())]
    try:
        accepted = request_submit(
            organisation=organisation,
            submission=Submission.from_cleaned(form.cleaned_data),
            submission_key=state.submission,
            codename_language=state.language,
        )
    except SubmissionConflict:
        state.submission = secrets.token_urlsafe(24)
        conversation_save(user_id=user_id, state=state)
        return [Reply(_("Something went wrong on the way; send 1 again."))]
    state.case_id = str(accepted.case.pk)
    state.requester_private = requester_key_pair(accepted.codename).private.hex()
    state.step, state.relayed, state.submission = "linked", 0, ""
    state.contact = ""  # sealed in the case now; the bot needs it no more
    conversation_save(user_id=user_id, state=state)
    return [
        Reply(
            _("Your request is sent. Your codename:")
            + "\n\n"
            + accepted.codename
            + "\n\n"
            + _(
                "Write it down now, on paper if you can. It is the only way into your request "
                "on Haven's website, and nobody can tell it to you again. When you next write "
                "here, I delete this message from the chat (the homeserver may keep a copy for "
                "some days)."
            ),
            secret=True,
        ),
        Reply(
            _(
                "Volunteers will read your request. Write to them here and I pass it on; "
                "their answers come to this chat. /status shows where your request stands, "
                "/forget deletes what this bot keeps about you."
            )
        ),
    ]


# Each step of the questions, by the name its state keeps.
STEPS: dict[str, Callable[[Organisation, str, State, str, str], list[Reply]]] = {
    "needs": step_needs,
    "place": step_place,
    "people": step_people,
    "urgency": step_urgency,
    "contact": step_contact,
    "confirm": step_confirm,
}
