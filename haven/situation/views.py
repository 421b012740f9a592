"""The situation board: one light page for requesters (no script) with the report form anyone can
send, and the desk's fuller view where members confirm or dismiss reports."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from haven.accounts.models import Member
from haven.intake.views import requester_case, requester_page
from haven.situation.crossings import crossing_by_slug
from haven.situation.forms import ReportForm, ReviewForm, VolunteerReportForm
from haven.situation.labels import INCIDENTS, OUTCOMES, QUEUES
from haven.situation.present import shown
from haven.situation.queries import board as board_states
from haven.situation.queries import note_of, recent_reports, report_by_id
from haven.situation.scoring import Incident, Outcome, Queue, Review
from haven.situation.services import OverBudget, Reporter, report_review, report_submit


def _member(request: HttpRequest) -> Member | None:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    member: Member = user
    return member if member.is_active and member.suspended_at is None else None


def _reporter(request: HttpRequest) -> Reporter:
    member = _member(request)
    if member is not None:
        return Reporter.volunteer(member)
    case = requester_case(request)
    if case is not None:
        return Reporter.requester(str(case.pk))
    return Reporter.anonymous()


def _pairs() -> list[dict[str, object]]:
    return [
        {"pair": pair, "crossings": [shown(state) for state in pair.crossings]}
        for pair in board_states()
    ]


@requester_page
def board(request: HttpRequest) -> HttpResponse:
    """The board: every crossing, what reports say of it, and how sure that is."""
    return render(request, "situation/board.html", {"pairs": _pairs()})


@requester_page
@require_http_methods(["GET", "POST"])
def report(request: HttpRequest) -> HttpResponse:
    """Report a crossing. No account needed; a requester logged in with the codename, or a
    volunteer, weighs more. Nothing that says who sent it is kept."""
    reporter = _reporter(request)
    form_class = VolunteerReportForm if reporter.member is not None else ReportForm
    context: dict[str, object] = {"reporter": reporter.kind}
    if request.method == "GET":
        context["form"] = form_class(initial={"crossing": request.GET.get("crossing", "")})
        return render(request, "situation/report.html", context)
    form = form_class(request.POST)
    context["form"] = form
    if not form.is_valid():
        return render(request, "situation/report.html", context, status=400)
    try:
        report_submit(
            reporter=reporter,
            sighting=form.sighting(),
            note=form.cleaned_data.get("note", ""),
        )
    except OverBudget:
        context["busy"] = True
        return render(request, "situation/report.html", context, status=429)
    return render(request, "situation/sent.html", {"reporter": reporter.kind}, status=201)


# The desk lists the newest reports of the window; in a flood the board's counts say the rest.
DESK_REPORTS = 300


def desk(request: HttpRequest) -> HttpResponse:
    """The desk's view: the board, then every report of the window with confirm and dismiss."""
    keyring = getattr(request, "keyring", None)
    crossings = crossing_by_slug()
    reports = [
        {
            "report": item,
            "crossing": crossings.get(item.crossing),
            "outcome": OUTCOMES[Outcome(item.outcome)],
            "queue": QUEUES[Queue(item.queue)],
            "incidents": ", ".join(
                str(INCIDENTS[incident])
                for incident, named in (
                    (Incident.QUESTIONED, item.questioned),
                    (Incident.PHONE_SEARCHED, item.phone_searched),
                    (Incident.SUMMONS, item.summons),
                )
                if named
            ),
            "note": note_of(item, keyring),
        }
        for item in recent_reports(limit=DESK_REPORTS)
    ]
    return render(request, "situation/desk.html", {"pairs": _pairs(), "reports": reports})


@require_POST
def review(request: HttpRequest, report_id: str) -> HttpResponse:
    """Confirm or dismiss one report of the window."""
    found = report_by_id(report_id)
    if found is None:
        raise Http404
    form = ReviewForm(request.POST)
    if not form.is_valid():
        return redirect("situation:desk")
    member = _member(request)
    if member is None:
        raise Http404
    report_review(actor=member, report=found, decision=Review(form.cleaned_data["decision"]))
    return redirect("situation:desk")
