"""The words of a notification: counts and nothing else."""

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from haven.notifications.models import Topic


def compose(counts: dict[str, int]) -> tuple[str, str]:
    """Subject and body for what is waiting, in the active language. No name, place, story,
    organisation or case reference: a mailbox or a mail server that is read learns only that
    something is waiting on a Haven install."""
    parts = []
    proposals = counts.get(Topic.PROPOSAL, 0)
    messages = counts.get(Topic.MESSAGE, 0)
    if proposals:
        parts.append(
            ngettext("%(n)d new proposal", "%(n)d new proposals", proposals) % {"n": proposals}
        )
    if messages:
        parts.append(
            ngettext("%(n)d new message", "%(n)d new messages", messages) % {"n": messages}
        )
    waiting = ", ".join(parts)
    subject = _("Haven: something is waiting for you")
    body = "\n\n".join(
        [
            _("You have %(waiting)s.") % {"waiting": waiting},
            _("Log in to Haven to see them."),
            _(
                "This message says nothing more on purpose. To stop these messages, turn "
                "notifications off on your own page in Haven."
            ),
        ]
    )
    return subject, body


def compose_ping(status_address: str) -> tuple[str, str]:
    """A requester's ping, in the active language: that there is an answer and where to log in,
    nothing else. No name, place, story, organisation, case reference or codename, so a mailbox
    or a mail server that is read learns only that this address gets mail from this install."""
    subject = _("There is an answer for you")
    if status_address:
        body = _("There is an answer for you. Log in with your codename at %(address)s.") % {
            "address": status_address
        }
    else:
        body = _("There is an answer for you. Log in with your codename where you asked for help.")
    return subject, body
