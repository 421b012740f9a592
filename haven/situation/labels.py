"""What the board's values are called, in the reader's language."""

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from haven.situation.scoring import Incident, Outcome, Queue

OUTCOMES: dict[Outcome, Promise] = {
    Outcome.PASSED: _("Passed"),
    Outcome.TURNED_BACK: _("Turned back"),
    Outcome.DETAINED: _("Detained"),
}
INCIDENTS: dict[Incident, Promise] = {
    Incident.QUESTIONED: _("Questioned"),
    Incident.PHONE_SEARCHED: _("Phone searched"),
    Incident.SUMMONS: _("Summons handed"),
}
QUEUES: dict[Queue, Promise] = {
    Queue.NONE: _("No queue (under 30 minutes)"),
    Queue.UNDER_2H: _("Under 2 hours"),
    Queue.FROM_2H: _("2 to 6 hours"),
    Queue.FROM_6H: _("6 to 12 hours"),
    Queue.FROM_12H: _("12 to 24 hours"),
    Queue.OVER_24H: _("More than a day"),
}
