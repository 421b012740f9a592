"""The bot's commands, in English or Russian: help, status, login with a codename, forget,
language and starting again."""

from django.utils import translation
from django.utils.translation import gettext as _

from haven.accounts.models import Organisation
from haven.bot.questions import question
from haven.bot.replies import Reply, forgotten, greeting, help_text, in_language, needs_question
from haven.bot.services import State, conversation_forget, conversation_save
from haven.cases.models import Case
from haven.cases.models import Status as CaseStatus
from haven.crypto import InvalidCodename
from haven.crypto.codenames import normalise, requester_key_pair
from haven.intake.forms import codename_error_message
from haven.intake.queries import TooManyAttempts, case_by_codename

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


def run_command(
    organisation: Organisation, user_id: str, state: State | None, text: str
) -> list[Reply]:
    word, _space, rest = text.partition(" ")
    command = COMMANDS.get(word.lower())
    language = state.language if state is not None else ""
    if command is None:

        def unknown() -> str:
            said = _("I do not know the command %(command)s.") % {"command": word[:40]}
            return said + "\n" + help_text()

        return [Reply(in_language(unknown, language))]
    if command == "help":
        return [Reply(in_language(help_text, language))]
    if command == "forget":
        conversation_forget(user_id=user_id)
        return [Reply(in_language(forgotten, language))]
    if state is None or not state.language:
        return [Reply(greeting(encrypted=False))]
    if command == "language":
        state.language = "en" if state.language == "ru" else "ru"
        conversation_save(user_id=user_id, state=state)
        with translation.override(state.language):
            return [Reply(_("From now on I write in English.")), Reply(question(state))]
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
        return [Reply(needs_question())]
    if command == "status":
        return _status(state)
    return _login(organisation, user_id, state, rest)


def _status(state: State) -> list[Reply]:
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


def _login(organisation: Organisation, user_id: str, state: State, codename: str) -> list[Reply]:
    if not codename.strip():
        return [Reply(_("Send /login followed by your seven words."))]
    try:
        normalised = normalise(codename)
        case = case_by_codename(normalised)
    except InvalidCodename as error:
        return [Reply(codename_error_message(error))]
    except TooManyAttempts:
        return [Reply(_("Too many attempts. Wait a few minutes and try again."))]
    if case is None or case.organisation_id != organisation.pk:
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
