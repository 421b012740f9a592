from collections.abc import Iterable
from datetime import date, datetime
from uuid import UUID

from ninja import Field, Schema
from pydantic.json_schema import JsonDict, JsonValue

from haven.cases.models import GroupNeeds, MilitaryStatus, Need, Urgency
from haven.core.geography import LANGUAGE_NAMES
from haven.core.places import COUNTRIES, load_places
from haven.intake.forms import MAX_GROUP, other_place_id
from haven.messaging.services import MAX_TEXT


def _one_of(values: Iterable[JsonValue], **schema: JsonValue) -> JsonDict:
    """Publish a field's choices without letting pydantic refuse them first: the request form
    checks them and answers with its own message, in the caller's language."""
    return {"enum": list(values), **schema}


def _each_of(values: Iterable[str], **schema: JsonValue) -> JsonDict:
    # Not uniqueItems: a value named twice is taken once (the form's fields drop repeats), and the
    # document must not promise a refusal the server does not make.
    return {"items": {"type": "string", "enum": list(values)}, **schema}


def _place_ids() -> list[str]:
    return [place.id for place in load_places()] + [other_place_id(c) for c in COUNTRIES]


class IntakeIn(Schema):
    organisation: str = Field(
        "",
        max_length=40,
        description="Slug of the organisation; may be left out when only one takes requests.",
    )
    needs: list[str] = Field(
        ..., json_schema_extra=_each_of(Need.values, minItems=1), description="What is needed"
    )
    place: str = Field(
        ...,
        json_schema_extra=_one_of(_place_ids()),
        description="A place id such as kz-almaty, or kz-other for elsewhere in the country",
    )
    group_size: int | None = Field(
        None,
        json_schema_extra={"minimum": 1, "maximum": MAX_GROUP},
        description=f"People in the group, 1 to {MAX_GROUP}; left out, 1",
    )
    group_needs: list[str] = Field(
        default_factory=list, json_schema_extra=_each_of(GroupNeeds.values)
    )
    languages: list[str] = Field(
        default_factory=list,
        json_schema_extra=_each_of(LANGUAGE_NAMES),
        description="ISO 639-1 codes; left out, the language of the request",
    )
    urgency: int | None = Field(
        None,
        json_schema_extra=_one_of(Urgency.values),
        description="1 (within a month) to 5 (tonight); left out, 3 (within a week)",
    )
    date_from: date | None = Field(None, description="Left out, today")
    date_until: date | None = None
    contact: str = Field("", max_length=200, description="Empty only with messages_only")
    messages_only: bool = Field(
        False, description="Reach the requester only through Haven's messages (no contact)"
    )
    name: str = Field("", max_length=100)
    military_status: str = Field(
        "",
        json_schema_extra=_one_of(["", *MilitaryStatus.values]),
        description='"" when the requester prefers not to say',
    )
    location_detail: str = Field("", max_length=300)
    story: str = Field("", max_length=4000)
    for_counselor: str = Field("", max_length=2000)
    ping: str = Field(
        "",
        description=(
            "An e-mail address told only “There is an answer for you” when volunteers answer; "
            "sealed, never shown to anyone"
        ),
    )


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
    unread: int = Field(..., description="Messages from the volunteers not read yet")


class MessageIn(Schema):
    codename: str = Field(..., max_length=200)
    text: str = Field(..., description=f"1 to {MAX_TEXT} characters")


class MessageOut(Schema):
    number: int = Field(..., description="The message's place in the conversation, from 1")
    author: str = Field(
        ..., json_schema_extra=_one_of(["you", "volunteers"]), description="Who wrote it"
    )
    text: str
    photo: bool = Field(..., description="A photo came with it (read it on the status page)")
    hour: datetime = Field(..., description="When it was written, rounded to the hour")


class ThreadOut(Schema):
    messages: list[MessageOut]


class SentOut(Schema):
    number: int
    status: str = Field(..., description="Where the request stands now")
    repeated: bool = Field(..., description="True when this answers a retry of the same message")


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
