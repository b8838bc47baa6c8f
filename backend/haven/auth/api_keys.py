"""API keys for service accounts: create (the secret shown once), list, read, the pending
key's confirmation by a second administrator (confirm, reject, cancel, expire), and revoke.

Which scopes wait for a second administrator is :data:`haven.auth.policy.SECOND_ADMIN_SCOPES`
(those that read content, and ``scim``, which manages people); why the secret is shown to the
creator at creation and not at confirmation: see :mod:`haven.auth`.
A key authenticates through :mod:`haven.auth.principals`.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from haven.auth import policy
from haven.auth.models import ApiKey, User
from haven.auth.principals import API_KEY_MARK
from haven.auth.roles import is_active_admin
from haven.auth.schemas import ApiKeyCreate, ApiKeyCreated, ApiKeyRead, ApiKeyStatus, Scope
from haven.core import audit, clock
from haven.core.errors import Conflict, Forbidden, NotFound
from haven.core.pagination import PageParams, paginate
from haven.core.security import Principal, new_secret, sha256_hex
from haven.core.settings import get_settings
from haven.core.versioning import require_if_match


class ApiKeyExpired(Conflict):
    type, title = "api-key-expired", "The API key has expired"
    commit_anyway = True  # the key is marked expired (and audited) although the call fails

    def __init__(self) -> None:
        super().__init__(
            "Nobody confirmed this key in time; create a new one if it is still needed."
        )


def _key_status(key: ApiKey, now: datetime) -> ApiKeyStatus:
    # A pending key past its expiry is expired, whether or not the job has marked it yet.
    if (
        key.status == ApiKeyStatus.pending.value
        and key.expires_at is not None
        and key.expires_at <= now
    ):
        return ApiKeyStatus.expired
    return ApiKeyStatus(key.status)


def _key_reads(session: Session, keys: Sequence[ApiKey]) -> list[ApiKeyRead]:
    ids = {k.created_by_id for k in keys if k.created_by_id is not None}
    names: dict[uuid.UUID, str] = (
        dict(session.exec(select(User.id, User.display_name).where(col(User.id).in_(ids))).all())
        if ids
        else {}
    )
    now = clock.now()
    return [
        ApiKeyRead(
            id=key.id,
            name=key.name,
            scopes=[Scope(s) for s in key.scopes],
            prefix=key.prefix,
            status=_key_status(key, now),
            created_by_id=key.created_by_id,
            created_by_name=names.get(key.created_by_id, "") if key.created_by_id else "",
            created_at=key.created_at,
            expires_at=key.expires_at,
            decided_by_id=key.decided_by_id,
            decided_at=key.decided_at,
            last_used_at=key.last_used_at,
            revoked_at=key.revoked_at,
            version=key.version,
        )
        for key in keys
    ]


def _audit_key(session: Session, actor: Principal | None, action: str, key: ApiKey) -> None:
    # Scopes and state, never the secret (nor the name: free text an admin typed).
    audit.record_event(
        session,
        actor,
        action=action,
        object_type="api_key",
        object_id=key.id,
        detail={"scopes": sorted(key.scopes), "status": key.status},
    )


def create_api_key(session: Session, actor: Principal, *, data: ApiKeyCreate) -> ApiKeyCreated:
    """Create a key and return its secret, once, to the administrator creating it. A key
    with a content-reading scope is ``pending``: refused until another administrator
    confirms it (the secret stays the same), so no single administrator reads content."""
    prefix = f"{API_KEY_MARK.rstrip('_')}_{new_secret(6).replace('_', 'x').replace('-', 'y')[:8]}"
    secret = f"{prefix}_{new_secret(32).replace('_', 'x')}"
    scopes = sorted({s.value for s in data.scopes})
    now = clock.now()
    waits = policy.key_needs_second_admin(scopes)
    key = ApiKey(
        name=data.name,
        prefix=prefix,
        secret_hash=sha256_hex(secret),
        scopes=scopes,
        status=(ApiKeyStatus.pending if waits else ApiKeyStatus.active).value,
        created_by_id=actor.user_id,
        created_at=now,
        expires_at=now + timedelta(days=get_settings().auth.role_grant_days) if waits else None,
    )
    session.add(key)
    session.flush()
    _audit_key(session, actor, "api_key.created", key)
    return ApiKeyCreated(**_key_reads(session, [key])[0].model_dump(), secret=secret)


def list_api_keys(
    session: Session, *, params: PageParams, status: ApiKeyStatus | None = None
) -> tuple[list[ApiKeyRead], str | None]:
    """Keys, newest first; ``pending`` lists only those still open to confirmation."""
    stmt = select(ApiKey)
    if status is ApiKeyStatus.pending:
        stmt = stmt.where(
            col(ApiKey.status) == ApiKeyStatus.pending.value,
            col(ApiKey.expires_at) > clock.now(),
            col(ApiKey.revoked_at).is_(None),
        )
    elif status is not None:
        stmt = stmt.where(col(ApiKey.status) == status.value)
    rows, cursor = paginate(
        session,
        stmt,
        keys=[col(ApiKey.created_at), col(ApiKey.id)],
        params=params,
        descending=True,
    )
    return _key_reads(session, rows), cursor


def _load_key(session: Session, api_key_id: uuid.UUID) -> ApiKey:
    key = session.get(ApiKey, api_key_id)
    if key is None:
        raise NotFound("No such API key.")
    return key


def get_api_key(session: Session, api_key_id: uuid.UUID) -> ApiKeyRead:
    return _key_reads(session, [_load_key(session, api_key_id)])[0]


def _decide_key(
    session: Session, actor: Principal | None, key: ApiKey, status: ApiKeyStatus
) -> None:
    key.status = status.value
    key.decided_at = clock.now()
    key.decided_by_id = actor.id if actor is not None else None
    session.add(key)
    session.flush()
    action = "confirmed" if status is ApiKeyStatus.active else status.value
    _audit_key(session, actor, f"api_key.{action}", key)


def _open_key(session: Session, api_key_id: uuid.UUID, if_match: str | None) -> ApiKey:
    key = _load_key(session, api_key_id)
    require_if_match(if_match, key.version)
    if key.revoked_at is not None:
        raise Conflict("This key is revoked.")
    if key.status != ApiKeyStatus.pending.value:
        raise Conflict(f"This key is {key.status}: nothing waits for a decision.")
    if key.expires_at is None or key.expires_at <= clock.now():
        _decide_key(session, None, key, ApiKeyStatus.expired)
        raise ApiKeyExpired()
    return key


def confirm_api_key(
    session: Session, actor: Principal, *, api_key_id: uuid.UUID, if_match: str | None
) -> ApiKeyRead:
    """Another administrator than the creator confirms a pending key: it works from now on,
    with exactly its scopes, for whoever holds the secret its creator was shown."""
    key = _open_key(session, api_key_id, if_match)
    if actor.id == key.created_by_id:
        raise Forbidden("You created this key: another administrator confirms it.")
    if not is_active_admin(session, actor.id):
        raise Forbidden("Only an active administrator confirms a key.")
    if key.created_by_id is None or not is_active_admin(session, key.created_by_id):
        # They hold the secret: confirming would hand content to someone no longer trusted.
        raise Conflict(
            "The administrator who created this key no longer holds the role: reject it."
        )
    _decide_key(session, actor, key, ApiKeyStatus.active)
    return _key_reads(session, [key])[0]


def reject_api_key(
    session: Session, actor: Principal, *, api_key_id: uuid.UUID, if_match: str | None
) -> ApiKeyRead:
    key = _open_key(session, api_key_id, if_match)
    if actor.id == key.created_by_id:
        raise Forbidden("You created this key: cancel it instead.")
    _decide_key(session, actor, key, ApiKeyStatus.rejected)
    return _key_reads(session, [key])[0]


def cancel_api_key(
    session: Session, actor: Principal, *, api_key_id: uuid.UUID, if_match: str | None
) -> ApiKeyRead:
    key = _open_key(session, api_key_id, if_match)
    if actor.id != key.created_by_id:
        raise Forbidden("Only the administrator who created a key cancels it; reject it.")
    _decide_key(session, actor, key, ApiKeyStatus.cancelled)
    return _key_reads(session, [key])[0]


def expire_api_keys(session: Session) -> int:
    """Periodic job: pending keys past their expiry become ``expired`` (audited)."""
    rows = session.exec(
        select(ApiKey)
        .where(
            col(ApiKey.status) == ApiKeyStatus.pending.value,
            col(ApiKey.expires_at) <= clock.now(),
        )
        .order_by(col(ApiKey.expires_at))
        .limit(500)
        .with_for_update(skip_locked=True)
    ).all()
    for key in rows:
        _decide_key(session, None, key, ApiKeyStatus.expired)
    return len(rows)


def revoke_api_key(session: Session, actor: Principal, *, api_key_id: uuid.UUID) -> None:
    """Any administrator revokes any key at once (it only takes access away), pending or not."""
    key = _load_key(session, api_key_id)
    if key.revoked_at is None:
        key.revoked_at = clock.now()
        session.add(key)
        session.flush()
        _audit_key(session, actor, "api_key.revoked", key)
