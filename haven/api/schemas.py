from datetime import date, datetime
from uuid import UUID

from ninja import Field, Schema


class IntakeIn(Schema):
    organisation: str = Field(
        "",
        max_length=40,
        description="Slug of the organisation; may be left out when only one takes requests.",
    )
    needs: list[str] = Field(..., description="shelter, legal, route, money, medical, talk")
    place: str = Field(..., max_length=40, description="A place id such as kz-almaty, or kz-other")
    group_size: int = Field(..., description="People in the group, 1 to 30")
    group_needs: list[str] = Field(
        default_factory=list, description="children, women_only, pets, step_free"
    )
    languages: list[str] = Field(..., description="ISO 639-1 codes, for example ru, en")
    urgency: int = Field(..., description="1 (within a month) to 5 (tonight)")
    date_from: date
    date_until: date | None = None
    contact: str = Field("", max_length=200, description="Empty only with messages_only")
    messages_only: bool = Field(
        False, description="Reach the requester only through Haven's messages (no contact)"
    )
    name: str = Field("", max_length=100)
    military_status: str = Field("", max_length=20)
    location_detail: str = Field("", max_length=300)
    story: str = Field("", max_length=4000)
    for_counselor: str = Field("", max_length=2000)


class IntakeOut(Schema):
    codename: str = Field(..., description="Seven words; shown once and never stored")
    status: str
    repeated: bool = Field(..., description="True when this answers a retry of the same request")


class CodenameIn(Schema):
    codename: str = Field(..., max_length=200)


class StatusOut(Schema):
    status: str
    status_label: str
    updated: datetime


class Errors(Schema):
    errors: dict[str, list[str]]


class Detail(Schema):
    detail: str


class CaseOut(Schema):
    id: UUID
    status: str
    country: str
    place: str
    needs: list[str]
    group_size: int
    languages: list[str]
    urgency: int
    date_from: date
    date_until: date | None
    created_hour: datetime
    updated_hour: datetime


class CasePage(Schema):
    count: int = Field(..., description="Matching cases, counted up to 10,001")
    count_capped: bool = Field(
        ..., description="True when more than 10,000 match: count and pages are lower bounds"
    )
    page: int
    pages: int
    results: list[CaseOut]


class RevealIn(Schema):
    reason: str = Field(..., max_length=300)


class RevealOut(Schema):
    fields: dict[str, str]
