"""What the bot says whatever the step: its greeting, its questions, its refusals and its help,
in the person's language or, before they chose one, in both."""

from collections.abc import Callable
from dataclasses import dataclass

from django.utils import translation
from django.utils.translation import gettext as _

from haven.cases.models import Need, Urgency
from haven.intake.forms import MAX_GROUP

LANGUAGES = ("ru", "en")


@dataclass(frozen=True)
class Reply:
    """One message from the bot. A `secret` one (the codename) is deleted from the room at the
    person's next message."""

    text: str
    secret: bool = False


def both(make: Callable[[], str]) -> str:
    """A text in Russian, then in English, for a person who has not chosen a language yet."""
    parts = []
    for language in LANGUAGES:
        with translation.override(language):
            parts.append(make())
    return "\n\n".join(parts)


def in_language(make: Callable[[], str], language: str) -> str:
    """A text in the person's language, or in both before they chose one."""
    return make() if language else both(make)


def files_refused() -> str:
    return _(
        "I can take only text here: nothing of this file was kept. To send the volunteers a "
        "photo, use the status page of Haven's website with your codename; here, write in words."
    )


def encrypted_refused() -> str:
    return _(
        "I could not decrypt your message (its keys did not reach me): nothing of it was kept. "
        "Send it again; if this happens again, start a new chat with me, or use Haven's web form."
    )


def forgotten() -> str:
    return _(
        "I have deleted everything this bot kept about you. Your request, if you sent one, stays "
        "with the volunteers: read their answers on Haven's website with your codename, or link "
        "it here again with /login. Delete this chat too."
    )


def one_to_one_only() -> str:
    """What the bot says in a chat of more than two, before it leaves."""
    return both(
        lambda: _("I answer only in a chat with one person. Start a direct chat with me instead.")
    )


def language_question() -> str:
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
        both(text) + "\n\n" + both(lambda: _("Choose a language:")) + "\n" + (language_question())
    )


def help_text() -> str:
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


def needs_question() -> str:
    options = "\n".join(
        f"{index} — {label}" for index, (_value, label) in enumerate(Need.choices, 1)
    )
    return _("What do you need? Send the numbers, for example: 1 3") + "\n" + options


def place_question() -> str:
    return _(
        "Where are you now? Type the name of the city or town (a city is enough, never an "
        "address), or send 0 for a list of countries."
    )


def people_question() -> str:
    return _(
        "How many people need a place to stay, you included? Send a number from 1 to %(most)d."
    ) % {"most": MAX_GROUP}


def urgency_question() -> str:
    return (
        _("How urgent is it? Send its number:")
        + "\n"
        + numbered([str(label) for _value, label in URGENCY_ORDER])
        + "\n"
        + _("Or send 0 to skip: it is taken as “within a week”.")
    )


def contact_question() -> str:
    return (
        _(
            "How can the volunteers reach you? A Telegram or Signal name, an e-mail address or a "
            "phone number: whatever is safe for you; it is encrypted before it is stored."
        )
        + "\n"
        + _("Or send 0 to be answered only through Haven's messages, which I pass on to this chat.")
    )


# The urgencies as the bot lists them: the most urgent first, as a person in danger reads them.
URGENCY_ORDER = sorted(Urgency.choices, key=lambda choice: -int(choice[0]))


def numbered(options: list[str]) -> str:
    return "\n".join(f"{index} — {label}" for index, label in enumerate(options, 1))
