"""The sealed columns of the volunteer network's rows, and the digest an application is found by:
what its reads and its writes both need."""

from collections.abc import Sequence

from django.conf import settings
from django.db import models

from haven.crypto.keys import keyed_digest
from haven.crypto.sealing import open_fields, seal_fields


def seal_into(
    row: models.Model, prefix: str, values: dict[str, str], recipients: list[bytes]
) -> list[bytes]:
    """Seal `values` for a saved row (its id goes inside every plaintext) and store them in the
    row's `<field>_sealed` columns; returns the data key sealed to each recipient."""
    keys, sealed = seal_fields(recipients=recipients, record_id=f"{prefix}:{row.pk}", values=values)
    type(row)._default_manager.filter(pk=row.pk).update(
        sealed_key=keys[0], **{f"{field}_sealed": value for field, value in sealed.items()}
    )
    return keys


def open_row(
    *, data_key: bytes, row: models.Model, prefix: str, fields: Sequence[str]
) -> dict[str, str]:
    """Open the sealed columns `seal_into` wrote."""
    return open_fields(
        data_key=data_key,
        record_id=f"{prefix}:{row.pk}",
        sealed={field: getattr(row, f"{field}_sealed") for field in fields},
    )


def application_code_digest(code: str) -> bytes:
    """The digest an application is found by from the code its applicant hands out."""
    normalised = "".join(code.upper().split()).replace("-", "")
    return keyed_digest(
        normalised.encode(), key=settings.HAVEN_PEPPER.encode(), purpose="application-code"
    )
