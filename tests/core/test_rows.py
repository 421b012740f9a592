"""Several new rows in one statement: all of them or none, each with its key."""

import secrets
from collections.abc import Callable
from contextlib import AbstractContextManager as ContextManager

import pytest
from django.db import IntegrityError, transaction

from haven.accounts.models import Organisation
from haven.audit.models import Pending
from haven.audit.services import pending_event
from haven.cases.models import Case, CaseSeal
from haven.core.rows import insert_together
from haven.intake.services import SealedRequest, sealed_case
from tests.conftest import is_postgres, submission


def _sealed(organisation: Organisation, key: str | None = None) -> SealedRequest:
    return sealed_case(
        organisation=organisation,
        submission=submission(),
        submission_key=key or secrets.token_urlsafe(24),
    )


def _rows(sealed: SealedRequest) -> tuple[Case, CaseSeal, Pending]:
    event = pending_event(action="test.insert", target_type="case", target_id=str(sealed.case.pk))
    return sealed.case, sealed.seal, event


@pytest.mark.django_db(transaction=True)  # as in a web request: no transaction around it
def test_rows_go_in_together_each_with_its_key(
    organisation: Organisation, django_assert_num_queries: Callable[..., ContextManager[object]]
) -> None:
    case, seal, event = _rows(_sealed(organisation))
    assert event.pk is None
    # One statement on PostgreSQL; elsewhere one insert each, in a transaction.
    with django_assert_num_queries(1 if is_postgres() else 5):
        insert_together(case, seal, event)
    assert event.pk is not None
    assert Pending.objects.get(pk=event.pk).target_id == str(case.pk)
    assert CaseSeal.objects.get(pk=seal.pk).case_id == case.pk
    assert bytes(Case.objects.get(pk=case.pk).sealed_key) == bytes(case.sealed_key)
    assert not case._state.adding


@pytest.mark.django_db
def test_a_refused_row_leaves_none_and_the_transaction_usable(organisation: Organisation) -> None:
    insert_together(*_rows(_sealed(organisation, key="the-same-submission-key")))
    with transaction.atomic():
        again = _rows(_sealed(organisation, key="the-same-submission-key"))
        with pytest.raises(IntegrityError):
            insert_together(*again)
        # Nothing of the refused request went in, and the caller's transaction goes on.
        assert Case.objects.count() == 1
        assert CaseSeal.objects.count() == 1
        assert Pending.objects.filter(action="test.insert").count() == 1
