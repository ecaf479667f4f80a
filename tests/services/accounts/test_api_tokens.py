"""Personal API tokens: made with a secret shown once, found by that secret only, scoped,
and gone once revoked."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from models import ApiToken
from models.enums import ApiAccess
from services.accounts import api_tokens
from services.errors import DomainError
from tests.factories import NOW, make_user


def test_a_token_is_found_by_its_secret_and_keeps_only_a_hash(session):
    user = make_user(session)
    row, secret = api_tokens.create_token(
        session, user, label=" Website ", access=ApiAccess.READ, reads_attendees=False, now=NOW
    )
    assert row.label == "Website" and secret not in row.token_hash
    caller = api_tokens.caller_for(session, secret)
    assert caller.user.id == user.id and not caller.may_write and not caller.reads_attendees
    assert api_tokens.caller_for(session, secret[:-1] + ("A" if secret[-1] != "A" else "B")) is None
    assert api_tokens.caller_for(session, secret + "x") is None
    assert api_tokens.caller_for(session, "rp_" + "\u00e9" * 43) is None


def test_scopes_are_kept_as_made(session):
    user = make_user(session)
    _row, secret = api_tokens.create_token(
        session, user, label="Sync", access=ApiAccess.WRITE, reads_attendees=True, now=NOW
    )
    caller = api_tokens.caller_for(session, secret)
    assert caller.may_write and caller.reads_attendees


@pytest.mark.parametrize(
    ("label", "access", "field"),
    [("  ", ApiAccess.READ, "label"), ("Sync", "admin", "access")],
)
def test_a_token_needs_a_name_and_a_known_access(session, label, access, field):
    user = make_user(session)
    with pytest.raises(DomainError) as refused:
        api_tokens.create_token(
            session, user, label=label, access=access, reads_attendees=False, now=NOW
        )
    assert refused.value.field == field


def test_an_account_has_at_most_so_many_tokens(session):
    user = make_user(session)
    for n in range(api_tokens.MAX_TOKENS):
        api_tokens.create_token(
            session, user, label=f"t{n}", access=ApiAccess.READ, reads_attendees=False, now=NOW
        )
    with pytest.raises(DomainError):
        api_tokens.create_token(
            session, user, label="one more", access=ApiAccess.READ, reads_attendees=False, now=NOW
        )


def test_revoking_ends_a_token_and_only_the_owners(session):
    owner, other = make_user(session, "a@example.org"), make_user(session, "b@example.org")
    row, secret = api_tokens.create_token(
        session, owner, label="Sync", access=ApiAccess.READ, reads_attendees=False, now=NOW
    )
    assert api_tokens.revoke(session, other.id, row.id) is False
    assert api_tokens.caller_for(session, secret) is not None
    assert api_tokens.revoke(session, owner.id, row.id) is True
    assert api_tokens.caller_for(session, secret) is None
    assert session.scalars(select(ApiToken)).all() == []
