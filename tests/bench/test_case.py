"""`haven bench case` runs end to end on a tiny case: a fresh organisation, a worked case, the
coordinator's login with a second factor, the case page sealed and opened with a reason."""

import json

import pytest

from haven.audit.models import Event
from haven.bench.case import run


@pytest.mark.django_db
def test_the_case_bench_opens_the_case_and_times_every_page() -> None:
    printed: list[str] = []
    run(3, 2, True, printed.append)
    result = json.loads("".join(printed))
    assert result["notes"] == 3 and result["messages"] == 3
    assert list(result["pages"]) == [
        "desk list page (baseline)",
        "case page, sealed (coarse only)",
        "case page, opened (3 notes + 3 messages)",
    ]
    for page in result["pages"].values():
        assert page["p50_ms"] > 0 and page["p95_ms"] >= page["p50_ms"]
    # The page was opened as a member opens it: with a reason, audited.
    assert Event.objects.filter(action="case.reveal").count() == 1
