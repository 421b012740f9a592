"""Referrals between installs in the JSON API: one endpoint that takes signed deliveries.

Who may post is decided by the signature, not a token: a delivery is taken only from a partner the
addressed organisation confirmed, signed with the keys it confirmed. Everything else gets a 4xx
with a code and is recorded in the audit chain; nothing of it is kept.
"""

from django.conf import settings
from django.http import HttpRequest
from ninja import Router, Schema, Status

from haven.referrals.envelopes import SIGNATURE_HEADER
from haven.referrals.receiving import receive, refuse_too_large

router = Router(tags=["referrals"])


class DeliveryOut(Schema):
    code: str
    detail: str


@router.post(
    "/referrals",
    response={
        200: DeliveryOut,
        201: DeliveryOut,
        400: DeliveryOut,
        401: DeliveryOut,
        403: DeliveryOut,
        404: DeliveryOut,
        409: DeliveryOut,
        413: DeliveryOut,
        422: DeliveryOut,
        429: DeliveryOut,
    },
    url_name="referrals",
    summary="Deliver a referral or its answer",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": {"type": "object"}}},
        }
    },
)
def deliver(request: HttpRequest) -> Status[object]:
    """Take a signed delivery (JSON; its Ed25519 signature, base64, in the `Haven-Signature`
    header). The referral id makes it idempotent: the same delivery again answers 200."""
    limit = settings.HAVEN_REFERRAL_MAX_BYTES
    declared = request.META.get("CONTENT_LENGTH") or "0"
    if declared.isdigit() and int(declared) > limit:
        # Refused before reading: a body this large is not taken into memory at all.
        outcome = refuse_too_large(int(declared))
    else:
        body = request.read(limit + 1)
        outcome = (
            refuse_too_large(len(body))
            if len(body) > limit
            else receive(body, request.headers.get(SIGNATURE_HEADER))
        )
    return Status(outcome.status, {"code": outcome.code or "ok", "detail": outcome.message})
