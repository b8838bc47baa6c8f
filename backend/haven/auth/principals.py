"""Principals: who a bearer token is, an access token's person (kept a few seconds), the holder
of a session a domain declared (:class:`haven.core.security.SessionKind`: an anonymous report's),
or an API key's service account.

Read once per request by :func:`haven.auth.deps.current_principal`: the CPU half
(:func:`principal_without_database`) on the event loop, the database half
(:func:`principal_from_database`) in a worker thread.

Whether a person's session still stands is never taken from the cache: an access token
carries the session epoch it was issued in, and every request compares it, and the account's
active flag, with the database (:func:`require_current_session`; a cached principal defers
that one read to the request's own hop to the database, see :mod:`haven.auth.deps`). Ending a
person's sessions (:func:`haven.auth.sessions.end_sessions`: deactivation, a SCIM delete)
therefore refuses their access tokens at once in every process. Roles and department are
what the cache keeps for a few seconds.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, select

from haven.auth.models import ApiKey, User, UserRole
from haven.auth.schemas import ApiKeyStatus
from haven.core import clock
from haven.core.cache import TTLCache
from haven.core.errors import Unauthorized
from haven.core.security import (
    Principal,
    constant_time_equals,
    decode_token,
    peek_token_type,
    session_kind,
    sha256_hex,
)

ACCESS_AUDIENCE = "haven-api"
API_KEY_MARK = "hvn_"
API_KEY_LAST_USED_RESOLUTION = timedelta(minutes=1)

# Who a person is (roles, department, active) is read on every request. It is kept for a few
# seconds and dropped at once, in this process, whenever the person is changed; other
# processes see a change (say, a deactivation) within PRINCIPAL_CACHE_SECONDS.
PRINCIPAL_CACHE_SECONDS = 5.0
_principals: TTLCache[uuid.UUID, Principal] = TTLCache(ttl_seconds=PRINCIPAL_CACHE_SECONDS)


def forget_principal(user_id: uuid.UUID) -> None:
    """Drop the person's cached principal in this process: call it whenever they change."""
    _principals.invalidate(user_id)


@dataclass(frozen=True)
class PersonToken:
    """A verified access token's person: who, the session epoch it was issued in, and their
    principal when this process read it in the last few seconds (its session still to be
    checked against the database)."""

    user_id: uuid.UUID
    epoch: int
    cached: Principal | None = None


_users = User.__table__  # type: ignore[attr-defined]
_user_roles = UserRole.__table__  # type: ignore[attr-defined]
_PRINCIPAL_QUERY = (
    sa.select(
        _users.c.is_active,
        _users.c.session_epoch,
        _users.c.department_id,
        _users.c.display_name,
        _user_roles.c.role,
    )
    .select_from(_users.outerjoin(_user_roles, _user_roles.c.user_id == _users.c.id))
    .where(_users.c.id == sa.bindparam("user_id"))
)
_SESSION_QUERY = sa.select(_users.c.is_active, _users.c.session_epoch).where(
    _users.c.id == sa.bindparam("user_id")
)


def _session_ended() -> Unauthorized:
    return Unauthorized("The access token is invalid or has expired.")


def require_current_session(session: Session, person: PersonToken) -> None:
    """Refuse (401) an access token whose person is deactivated or whose sessions were ended
    after it was issued. One primary-key read, on every request: never cached."""
    row = session.connection().execute(_SESSION_QUERY, {"user_id": person.user_id}).first()
    if row is None or not row.is_active or row.session_epoch != person.epoch:
        raise _session_ended()


def principal_without_database(token: str) -> Principal | PersonToken | None:
    """What a bearer token says without a database read: the principal of a declared session
    (:class:`~haven.core.security.SessionKind`; an anonymous report's); for an access token,
    its :class:`PersonToken` (with the principal when seen in the last few seconds; its
    session is still to be checked); ``None`` for an API key (looked up by
    :func:`principal_for_bearer`). Raises ``Unauthorized`` for a bad token. Pure CPU, so
    callers may run it on the event loop."""
    if token.startswith(API_KEY_MARK):
        return None
    declared = session_kind(peek_token_type(token))
    if declared is not None:
        claims = decode_token(token, audience=declared.audience, token_type=declared.kind)
        try:
            return Principal(kind=declared.kind, id=uuid.UUID(claims.sub))
        except ValueError as exc:
            raise Unauthorized("The session is invalid or has expired.") from exc
    claims = decode_token(token, audience=ACCESS_AUDIENCE, token_type="access")
    try:
        user_id = uuid.UUID(claims.sub)
    except ValueError as exc:
        raise Unauthorized("The access token is invalid or has expired.") from exc
    return PersonToken(user_id=user_id, epoch=claims.sep, cached=_principals.get(user_id))


def principal_for_bearer(session: Session, token: str) -> Principal:
    known = principal_without_database(token)
    if isinstance(known, Principal):
        return known
    return principal_from_database(session, token, known)


def principal_from_database(session: Session, token: str, person: PersonToken | None) -> Principal:
    """The database half of :func:`principal_for_bearer`: the API key's service account
    (``person`` None) or the person ``principal_without_database`` named, their session
    checked."""
    if person is None:
        return _principal_for_api_key(session, token)
    if person.cached is not None:
        require_current_session(session, person)
        return person.cached
    return principal_for_user(session, person.user_id, epoch=person.epoch)


def principal_for_user(session: Session, user_id: uuid.UUID, *, epoch: int) -> Principal:
    """The person's principal read from the database (and kept for a few seconds), for a
    token of session epoch ``epoch``."""
    # One round trip: the person, their session epoch and their roles together.
    rows = session.connection().execute(_PRINCIPAL_QUERY, {"user_id": user_id}).all()
    if not rows or not rows[0].is_active or rows[0].session_epoch != epoch:
        raise _session_ended()
    first = rows[0]
    principal = Principal(
        kind="user",
        id=user_id,
        roles=frozenset(r.role for r in rows if r.role is not None),
        department_id=first.department_id,
        display_name=first.display_name,
    )
    _principals.set(user_id, principal)
    return principal


def _principal_for_api_key(session: Session, token: str) -> Principal:
    parts = token.split("_")
    if len(parts) != 3:
        raise Unauthorized("The API key is invalid or revoked.")
    prefix = f"{parts[0]}_{parts[1]}"
    key = session.exec(select(ApiKey).where(col(ApiKey.prefix) == prefix)).first()
    if (
        key is None
        or key.revoked_at is not None
        or not constant_time_equals(key.secret_hash, sha256_hex(token))
    ):
        raise Unauthorized("The API key is invalid or revoked.")
    if key.status != ApiKeyStatus.active.value:
        # Said only to whoever holds the whole secret: the key exists but is not confirmed.
        if key.status == ApiKeyStatus.pending.value:
            raise Unauthorized(
                "This API key waits for a second administrator's confirmation; it works "
                "only once confirmed."
            )
        raise Unauthorized("The API key is invalid or revoked.")
    now = clock.now()
    if key.last_used_at is None or now - key.last_used_at > API_KEY_LAST_USED_RESOLUTION:
        # Bookkeeping, not an edit: it must not bump the version an If-Match refers to, nor
        # make two requests with the same key race on it.
        session.execute(
            sa.update(ApiKey)
            .where(col(ApiKey.id) == key.id)
            .values(last_used_at=now)
            .execution_options(synchronize_session=False)
        )
    return Principal(kind="api_key", id=key.id, scopes=frozenset(key.scopes), display_name=key.name)
