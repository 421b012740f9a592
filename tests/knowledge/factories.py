"""Knowledge-base changes made the way a coordinator makes them, for tests that need one."""

from datetime import date

from haven.accounts.models import Member
from haven.knowledge.content import Source, Text
from haven.knowledge.models import FactRevision
from haven.knowledge.queries import fact
from haven.knowledge.services import fact_edit

NEW_SOURCE = Source(
    url="https://www.gov.kz/memleket/entities/migration/press/news",
    title="Migration Service of Kazakhstan: rules for EAEU citizens",
    date="2026-11-20",
)


def edit_kazakh_stay(actor: Member, *, days: int = 30, day: date | None = None) -> FactRevision:
    """Change KZ.visa_free_days to a new number of days, with a new dated source."""
    source = NEW_SOURCE if day is None else Source(NEW_SOURCE.url, NEW_SOURCE.title, str(day))
    found = fact("KZ", "visa_free_days")
    assert found is not None
    return fact_edit(
        actor=actor,
        fact=found,
        value=Text(
            en=f"At most {days} days in any 180 for citizens of EAEU states.",
            ru=f"Не больше {days} дней из любых 180 для граждан стран ЕАЭС.",
        ),
        sources=[source],
        uncertain=False,
        details={"days": days, "visa": "none"},
        note="The rule changed.",
    )
