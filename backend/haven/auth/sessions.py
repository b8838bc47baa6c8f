"""Ending a person's sessions: every refresh token revoked, every access token refused, at
once and in every server process.

Refresh tokens live in the database, so revoking them is immediate everywhere. Access tokens
are JWTs that live 15 minutes and each process keeps who a person is for a few seconds
(:mod:`haven.auth.principals`), so revoking them needs something every request reads: the
account's ``session_epoch``. An access token carries the epoch it was issued in (claim
``sep``); :func:`end_sessions` bumps the epoch, and every request compares the two in the
database, past the principal cache (:func:`haven.auth.principals.require_current_session`).
The same read checks the account is still active, so a deactivation made in one process
refuses the person's next request in any other.

Called when an account is deactivated (by an administrator, a SCIM client, the CSV import)
and when a directory deletes it.
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlmodel import Session, col

from haven.auth.models import RefreshToken, User
from haven.auth.principals import forget_principal
from haven.core import clock


def end_sessions(session: Session, user_id: uuid.UUID) -> None:
    """Revoke every refresh token of the person and refuse every access token issued so far
    (in this transaction: nothing happens if it rolls back)."""
    session.execute(
        sa.update(RefreshToken)
        .where(col(RefreshToken.user_id) == user_id, col(RefreshToken.revoked_at).is_(None))
        .values(revoked_at=clock.now())
        .execution_options(synchronize_session=False)
    )
    # Past the ORM: ending sessions is not an edit of the person, so it must not move the
    # version an administrator's If-Match names.
    session.execute(
        sa.update(User)
        .where(col(User.id) == user_id)
        .values(session_epoch=User.session_epoch + 1)
        .execution_options(synchronize_session=False)
    )
    loaded = session.identity_map.get(session.identity_key(User, user_id))
    if loaded is not None:
        session.expire(loaded, ["session_epoch"])
    forget_principal(user_id)
