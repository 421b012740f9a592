"""The bot's conversation: the web form's request, asked one question at a time.

Nothing here knows Matrix. The Matrix side (haven.bot.matrix) hands in who wrote and what, and
sends back the replies; so the whole conversation is tested without a homeserver too.
"""

import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from haven.accounts.models import Organisation
from haven.bot.services import (
    State,
    conversation_forget,
    conversation_load,
    conversation_save,
    lookup_of,
)
from haven.cases.access import CaseRefused, RevealRefused
from haven.cases.models import Case, Need
from haven.cases.models import Status as CaseStatus
from haven.core.geography import country_name
from haven.core.places import COUNTRIES, UnknownPlace, load_places, name, place_by_id, places_in
from haven.core.ratelimit import Budget
from haven.crypto import InvalidCodename
from haven.crypto.codenames import normalise, requester_key_pair
from haven.intake.forms import RequestForm, codename_error_message, other_place_id
from haven.intake.queries import TooManyAttempts, case_by_codename
from haven.intake.services import (
    Submission,
    SubmissionConflict,
    intake_within_budget,
    request_submit,
)
from haven.messaging.queries import volunteers_wrote_after
from haven.messaging.services import MAX_TEXT, SentBefore, requester_sends, thread_for_requester

# How many places a typed name may match before the person is asked to type more of it.
MOST_MATCHES = 9
LANGUAGES = ("ru", "en")
# Each command, and the Russian word that means the same.
COMMANDS = {
    "/help": "help",
    "/помощь": "help",
    "/status": "status",
    "/статус": "status",
    "/login": "login",
    "/вход": "login",
    "/forget": "forget",
    "/забыть": "forget",
    "/language": "language",
    "/язык": "language",
    "/new": "new",
    "/заново": "new",
}
_NUMBERS = re.compile(r"[\s,;.]+")
_MINUTE = timedelta(minutes=1)
# The request form's limit for a contact.
CONTACT_LIMIT = 200


@dataclass(frozen=True)
class Reply:
    """One message from the bot. A `secret` one (the codename) is deleted from the room at the
    person's next message."""

    text: str
    secret: bool = False


@dataclass
class Outcome:
    replies: list[Reply] = field(default_factory=list)
    # Events of the bot's own to delete from the room (the codename, once written down).
    redact: list[str] = field(default_factory=list)


def _both(make: Callable[[], str]) -> str:
    """A text in Russian, then in English, for a person who has not chosen a language yet."""
    parts = []
    for language in LANGUAGES:
        with translation.override(language):
            parts.append(make())
    return "\n\n".join(parts)


def _in_language(make: Callable[[], str], language: str) -> str:
    """A text in the person's language, or in both before they chose one."""
    return make() if language else _both(make)


def _files_refused() -> str:
    return _(
        "I can take only text here: nothing of this file was kept. To send the volunteers a "
        "photo, use the status page of Haven's website with your codename; here, write in words."
    )


def _encrypted_refused() -> str:
    return _(
        "I could not decrypt your message (its keys did not reach me): nothing of it was kept. "
        "Send it again; if this happens again, start a new chat with me, or use Haven's web form."
    )


def _forgotten() -> str:
    return _(
        "I have deleted everything this bot kept about you. Your request, if you sent one, stays "
        "with the volunteers: read their answers on Haven's website with your codename, or link "
        "it here again with /login. Delete this chat too."
    )


def one_to_one_only() -> str:
    """What the bot says in a chat of more than two, before it leaves."""
    return _both(
        lambda: _("I answer only in a chat with one person. Start a direct chat with me instead.")
    )


def _language_question() -> str:
    return "1 — Русский\n2 — English"


def greeting(*, encrypted: bool) -> str:
    """The first message: what the homeserver and Matrix learn, before anything is asked."""

    def text() -> str:
        lines = [
            _(
                "This is Haven's front door on Matrix. Before you write anything, know who learns "
                "what:"
            ),
            _(
                "• The homeserver your account is on, and the one this bot uses, see that your "
                "account talks to this bot, when, and from which internet address; their "
                "operators, and whoever can compel them, can learn it."
            ),
        ]
        if encrypted:
            lines.append(
                _(
                    "• This chat is end-to-end encrypted: the homeserver cannot read what we "
                    "write, only that we talk, and when. I cannot verify your devices, so I write "
                    "to every device your homeserver lists for your account."
                )
            )
        else:
            lines.append(
                _(
                    "• This conversation is not end-to-end encrypted: the homeserver's operator "
                    "can read it, including the codename I give you. To keep the words from them, "
                    "start a new chat with me with encryption turned on."
                )
            )
        lines.append(
            _(
                "• Haven seals what you tell it. In its database it keeps about your Matrix "
                "account only a keyed digest of its name and this conversation's state, "
                "encrypted; the bot's own encryption keys, on its server, list your account and "
                "device."
            )
        )
        lines.append(
            _(
                "Use a Matrix account that is not tied to your phone number or real name, and "
                "delete this chat when you are done. The web form tells the homeserver nothing."
            )
        )
        return "\n".join(lines)

    return (
        _both(text)
        + "\n\n"
        + _both(lambda: _("Choose a language:"))
        + "\n"
        + (_language_question())
    )


def _help() -> str:
    return "\n".join(
        [
            _("Commands:"),
            _("/status — where your request stands"),
            _("/login <codename> — link a request you sent on the web (then delete that message)"),
            _("/forget — delete everything this bot keeps about you; your request stays"),
            _("/language — switch between Russian and English"),
            _("/new — start the questions again"),
            _("/help — this list"),
        ]
    )


def _needs_question() -> str:
    options = "\n".join(
        f"{index} — {label}" for index, (_value, label) in enumerate(Need.choices, 1)
    )
    return _("What do you need? Send the numbers, for example: 1 3") + "\n" + options


def _place_question() -> str:
    return _(
        "Where are you now? Type the name of the city or town (a city is enough, never an "
        "address), or send 0 for a list of countries."
    )


def _contact_question() -> str:
    return (
        _(
            "How can the volunteers reach you? A Telegram or Signal name, an e-mail address or a "
            "phone number: whatever is safe for you; it is encrypted before it is stored."
        )
        + "\n"
        + _("Or send 0 to be answered only through Haven's messages, which I pass on to this chat.")
    )


def _numbered(options: list[str]) -> str:
    return "\n".join(f"{index} — {label}" for index, label in enumerate(options, 1))


def _read_numbers(text: str) -> list[int] | None:
    parts = [part for part in _NUMBERS.split(text) if part]
    if not parts or not all(part.isdigit() for part in parts):
        return None
    return [int(part) for part in parts]


def _fold(text: str) -> str:
    return " ".join(text.casefold().replace("ё", "е").replace("-", " ").split())


def _places_named(text: str) -> list[str]:
    """Place ids whose Russian or English name is the typed one, or else begins or holds it."""
    wanted = _fold(text)
    if not wanted:
        return []
    exact, starting, holding = [], [], []
    for place in load_places():
        names = {_fold(place.name_ru), _fold(place.name_en)}
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


class FrontDoor:
    """One organisation's front door: answers each message, keeps each person's state sealed."""

    def __init__(self, *, organisation: Organisation) -> None:
        self.organisation = organisation
        # Who was told of their flood in which minute, by the digest of their account, so the
        # bot answers a flood once, not once per message.
        self._told_of_flood: dict[bytes, int] = {}

    # What comes in

    def receive(self, *, user_id: str, text: str, event_id: str) -> Outcome:
        """Answer one text message from a person."""
        outcome = Outcome()
        state = conversation_load(user_id=user_id)
        if state is not None and state.codename_event:
            outcome.redact.append(state.codename_event)
            state.codename_event = ""
            conversation_save(user_id=user_id, state=state)
        language = state.language if state is not None and state.language else ""
        with translation.override(language or "ru"):
            refusal = self._refusal(user_id, text, language)
            if refusal is not None:
                if refusal:
                    outcome.replies.append(Reply(refusal))
                return outcome
            outcome.replies.extend(self._answer(user_id, state, text.strip(), event_id))
        return outcome

    def attachment(self, *, user_id: str) -> list[Reply]:
        """A file, photo, voice message or anything else that is not text."""
        state = conversation_load(user_id=user_id)
        language = state.language if state is not None and state.language else ""
        with translation.override(language or "ru"):
            refusal = self._refusal(user_id, "", language)
            if refusal is not None:
                return [Reply(refusal)] if refusal else []
            return [Reply(_in_language(_files_refused, language))]

    def unreadable(self, *, user_id: str) -> list[Reply]:
        """An end-to-end encrypted message the bot has no key for."""
        state = conversation_load(user_id=user_id)
        language = state.language if state is not None and state.language else ""
        with translation.override(language or "ru"):
            if self._refusal(user_id, "", language) is not None:
                return []
            return [Reply(_in_language(_encrypted_refused, language))]

    def codename_shown(self, *, user_id: str, event_id: str) -> None:
        """Remember the event that showed the codename, to delete it at the next message."""
        state = conversation_load(user_id=user_id)
        if state is not None:
            state.codename_event = event_id
            conversation_save(user_id=user_id, state=state)

    # What goes out without being asked

    def news(self, *, user_id: str) -> tuple[list[Reply], int]:
        """The volunteers' messages not yet passed on to this person, and the last one's number
        (to hand to `news_delivered` once they are sent)."""
        state = conversation_load(user_id=user_id)
        if state is None or not state.linked:
            return [], 0
        case = Case.objects.filter(pk=state.case_id).first()
        if case is None or case.shredded or not volunteers_wrote_after(case, state.relayed):
            return [], 0
        with translation.override(state.language or "ru"):
            try:
                thread = thread_for_requester(
                    case=case, requester_private=bytes.fromhex(state.requester_private)
                )
            except RevealRefused:
                return [], 0
            new = [
                opened
                for opened in thread
                if not opened.message.from_requester and opened.message.number > state.relayed
            ]
            replies = [
                Reply(_("From the volunteers:") + "\n\n" + opened.text)
                for opened in new
                if opened.text
            ]
        return replies, max((opened.message.number for opened in new), default=0)

    def news_delivered(self, *, user_id: str, number: int) -> None:
        """The volunteers' messages up to `number` reached the person."""
        state = conversation_load(user_id=user_id)
        if state is not None and number > state.relayed:
            state.relayed = number
            conversation_save(user_id=user_id, state=state)

    # Within the conversation

    def _refusal(self, user_id: str, text: str, language: str) -> str | None:
        """Why this message is not taken: a flood, or too long. "" means say nothing more."""
        lookup = lookup_of(user_id)
        budget = Budget("bot-messages", settings.HAVEN_BOT_MESSAGES_PER_MINUTE, window=_MINUTE)
        minute = int(timezone.now().timestamp() // 60)
        if budget.exhausted(lookup):
            if self._told_of_flood.get(lookup) == minute:
                return ""
            if len(self._told_of_flood) > 10_000:
                self._told_of_flood.clear()
            self._told_of_flood[lookup] = minute
            budget.refusing()
            limit = settings.HAVEN_BOT_MESSAGES_PER_MINUTE

            def flood() -> str:
                return _(
                    "You are sending messages faster than I can take them (%(limit)d a minute). "
                    "I did not keep what you sent from this one on: wait a minute, then send it "
                    "again."
                ) % {"limit": limit}

            return _in_language(flood, language)
        budget.spend(lookup)
        if len(text) > MAX_TEXT:

            def too_long() -> str:
                return _(
                    "Your message has %(length)d characters; I take at most %(limit)d. I kept "
                    "none of it: send it again in shorter parts."
                ) % {"length": len(text), "limit": MAX_TEXT}

            return _in_language(too_long, language)
        return None

    def _answer(self, user_id: str, state: State | None, text: str, event_id: str) -> list[Reply]:
        if text.startswith("/"):
            return self._command(user_id, state, text)
        if state is None or state.step == "language":
            return self._language(user_id, state, text)
        if not text:
            return [Reply(_("Write your answer in words, please."))]
        step = getattr(self, f"_step_{state.step}", None)
        if step is None:
            state.step = "needs"
            conversation_save(user_id=user_id, state=state)
            return [Reply(_needs_question())]
        replies: list[Reply] = step(user_id, state, text, event_id)
        return replies

    def _language(self, user_id: str, state: State | None, text: str) -> list[Reply]:
        choice = _fold(text)
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
                    _both(lambda: _("Send 1 for Russian or 2 for English."))
                    + "\n"
                    + _language_question()
                )
            ]
        state = state or State()
        state.language = language
        if state.step == "language":
            state.step = "needs"
        conversation_save(user_id=user_id, state=state)
        with translation.override(language):
            return [Reply(self._question(state))]

    def _question(self, state: State) -> str:
        """The question of the step the person is at."""
        if state.step == "place":
            return _place_question()
        if state.step == "contact":
            return _contact_question()
        if state.step == "confirm":
            return self._summary(state)
        if state.step == "linked":
            return _("Write to the volunteers here; I pass it on. /help lists the commands.")
        return _needs_question()

    def _step_needs(self, user_id: str, state: State, text: str, event_id: str) -> list[Reply]:
        numbers = _read_numbers(text)
        values = [value for value, _label in Need.choices]
        if not numbers or any(not 1 <= number <= len(values) for number in numbers):
            return [
                Reply(
                    _("Send the numbers from the list, for example: 1 3")
                    + "\n"
                    + _numbered([str(label) for _value, label in Need.choices])
                )
            ]
        state.needs = sorted({values[number - 1] for number in numbers})
        state.step = "place"
        state.choices = []
        conversation_save(user_id=user_id, state=state)
        return [Reply(_place_question())]

    def _step_place(self, user_id: str, state: State, text: str, event_id: str) -> list[Reply]:
        numbers = _read_numbers(text)
        if numbers == [0]:
            state.choices = [f"country:{country}" for country in COUNTRIES]
            conversation_save(user_id=user_id, state=state)
            return [
                Reply(
                    _("Send the number of the country you are in:")
                    + "\n"
                    + _numbered([country_name(country) for country in COUNTRIES])
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
                return self._places_of(user_id, state, chosen.split(":", 1)[1])
            return self._place_chosen(user_id, state, chosen)
        if numbers is not None:
            return [Reply(_place_question())]
        found = _places_named(text)
        if len(found) == 1:
            return self._place_chosen(user_id, state, found[0])
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
                + _numbered([_place_label(place_id) for place_id in found])
            )
        ]

    def _places_of(self, user_id: str, state: State, country: str) -> list[Reply]:
        language = translation.get_language() or "ru"
        places = sorted(places_in(country), key=lambda place: name(place, language))
        state.choices = [place.id for place in places] + [other_place_id(country)]
        conversation_save(user_id=user_id, state=state)
        labels = [name(place, language) for place in places] + [_("Another place")]
        return [Reply(_("Send the number of your place:") + "\n" + _numbered(labels))]

    def _place_chosen(self, user_id: str, state: State, place_id: str) -> list[Reply]:
        state.place = place_id
        state.choices = []
        state.step = "contact"
        conversation_save(user_id=user_id, state=state)
        return [
            Reply(_("Noted: %(place)s.") % {"place": _place_label(place_id)}),
            Reply(_contact_question()),
        ]

    def _step_contact(self, user_id: str, state: State, text: str, event_id: str) -> list[Reply]:
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
        return [Reply(self._summary(state))]

    def _summary(self, state: State) -> str:
        needs = ", ".join(str(label) for value, label in Need.choices if value in state.needs)
        contact = state.contact or _("only through Haven's messages, passed on to this chat")
        return "\n".join(
            [
                _("Your request:"),
                _("Needs: %(needs)s") % {"needs": needs},
                _("Place: %(place)s") % {"place": _place_label(state.place)},
                _("Contact: %(contact)s") % {"contact": contact},
                "",
                _("1 — send it"),
                _("2 — change the answers"),
            ]
        )

    def _step_confirm(self, user_id: str, state: State, text: str, event_id: str) -> list[Reply]:
        if text == "2":
            state.step = "needs"
            conversation_save(user_id=user_id, state=state)
            return [Reply(_needs_question())]
        if text != "1":
            return [Reply(_("Send 1 to send the request, or 2 to change the answers."))]
        return self._submit(user_id, state)

    def _submit(self, user_id: str, state: State) -> list[Reply]:
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
            return [Reply(problems), Reply(_needs_question())]
        try:
            accepted = request_submit(
                organisation=self.organisation,
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

    def _step_linked(self, user_id: str, state: State, text: str, event_id: str) -> list[Reply]:
        case = Case.objects.filter(pk=state.case_id).first()
        if case is None:
            return [Reply(_("Your request no longer exists here. Send /forget, then /new."))]
        try:
            requester_sends(
                case=case,
                requester_private=bytes.fromhex(state.requester_private),
                text=text,
                idempotency_key=event_id,
            )
        except (CaseRefused, RevealRefused) as refusal:
            return [Reply(str(refusal))]
        except SentBefore:
            return []
        return [Reply(_("Passed on to the volunteers."))]

    # Commands

    def _command(self, user_id: str, state: State | None, text: str) -> list[Reply]:
        word, _space, rest = text.partition(" ")
        command = COMMANDS.get(word.lower())
        language = state.language if state is not None else ""
        if command is None:

            def unknown() -> str:
                said = _("I do not know the command %(command)s.") % {"command": word[:40]}
                return said + "\n" + _help()

            return [Reply(_in_language(unknown, language))]
        if command == "help":
            return [Reply(_in_language(_help, language))]
        if command == "forget":
            conversation_forget(user_id=user_id)
            return [Reply(_in_language(_forgotten, language))]
        if state is None or not state.language:
            return [Reply(greeting(encrypted=False))]
        if command == "language":
            state.language = "en" if state.language == "ru" else "ru"
            conversation_save(user_id=user_id, state=state)
            with translation.override(state.language):
                return [Reply(_("From now on I write in English.")), Reply(self._question(state))]
        if command == "new":
            if state.linked:
                return [
                    Reply(
                        _(
                            "This chat is linked to a request already. To send another, "
                            "send /forget first."
                        )
                    )
                ]
            state.step, state.choices = "needs", []
            conversation_save(user_id=user_id, state=state)
            return [Reply(_needs_question())]
        if command == "status":
            return self._status(state)
        return self._login(user_id, state, rest)

    def _status(self, state: State) -> list[Reply]:
        if not state.linked:
            return [
                Reply(
                    _(
                        "No request is linked to this chat yet. Answer the questions to send one, "
                        "or link one you sent on the web with /login and your codename."
                    )
                )
            ]
        case = Case.objects.filter(pk=state.case_id).first()
        if case is None or case.shredded:
            return [Reply(_("Your request no longer exists here. Send /forget, then /new."))]
        return [
            Reply(
                _("Your request: %(status)s (last change %(hour)s UTC).")
                % {
                    "status": CaseStatus(case.status).label,
                    "hour": case.updated_hour.strftime("%Y-%m-%d %H:00"),
                }
            )
        ]

    def _login(self, user_id: str, state: State, codename: str) -> list[Reply]:
        if not codename.strip():
            return [Reply(_("Send /login followed by your seven words."))]
        try:
            normalised = normalise(codename)
            case = case_by_codename(normalised)
        except InvalidCodename as error:
            return [Reply(codename_error_message(error))]
        except TooManyAttempts:
            return [Reply(_("Too many attempts. Wait a few minutes and try again."))]
        if case is None or case.organisation_id != self.organisation.pk:
            return [Reply(_("No request has this codename."))]
        state.case_id = str(case.pk)
        state.requester_private = requester_key_pair(normalised).private.hex()
        state.step, state.relayed, state.choices = "linked", 0, []
        conversation_save(user_id=user_id, state=state)
        return [
            Reply(
                _(
                    "Your request is linked to this chat: the volunteers' answers come here, and "
                    "what you write here goes to them. Now delete your message with the codename "
                    "from this chat."
                )
            )
        ]
