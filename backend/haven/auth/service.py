"""Auth rules: sign-in with throttling and lockout, token rotation, principals, users, API keys.

Functions take a session and, where an actor matters, the acting principal; they never
commit (the request's unit of work does) and raise :mod:`haven.core.errors` on refusal.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, delete, select

from haven.auth import policy
from haven.auth.models import ApiKey, RefreshToken, RoleGrant, SignInThrottle, User, UserRole
from haven.auth.schemas import (
    ApiKeyCreate,
    ApiKeyCreated,
    ApiKeyRead,
    ApiKeyStatus,
    Profession,
    Role,
    RoleGrantRead,
    RoleGrantStatus,
    Scope,
    UserCreate,
    UserCreated,
    UserRead,
    UserUpdate,
    UserUpdated,
)
from haven.core import audit, clock
from haven.core.cache import TTLCache
from haven.core.errors import (
    Conflict,
    Forbidden,
    NotFound,
    TooManyRequests,
    Unauthorized,
    Unprocessable,
    field_error,
)
from haven.core.pagination import PageParams, paginate
from haven.core.security import (
    REPORT_SESSION_AUDIENCE,
    REPORT_SESSION_TYPE,
    Principal,
    burn_password_check,
    constant_time_equals,
    decode_token,
    encode_token,
    hash_password,
    new_secret,
    password_needs_rehash,
    peek_token_type,
    sha256_hex,
    verify_password,
)
from haven.core.settings import get_settings
from haven.core.versioning import require_if_match

ACCESS_AUDIENCE = "haven-api"
API_KEY_MARK = "hvn_"
API_KEY_LAST_USED_RESOLUTION = timedelta(minutes=1)


# --- sign-in -------------------------------------------------------------------------------


class InvalidCredentials(Unauthorized):
    type, title = "invalid-credentials", "Sign-in failed"
    commit_anyway = True  # the failed attempt is counted even though the request fails

    def __init__(self) -> None:
        super().__init__("The email or password is incorrect.")


class SignInThrottled(TooManyRequests):
    type, title = "sign-in-throttled", "Too many failed sign-in attempts"
    commit_anyway = True

    def __init__(self, retry_after_seconds: int) -> None:
        minutes = max(1, (retry_after_seconds + 59) // 60)
        super().__init__(
            f"Too many failed sign-in attempts. Try again in {minutes} minute(s), "
            "or ask your administrator to reset your password.",
            headers={"Retry-After": str(max(1, retry_after_seconds))},
        )


def _normalise_email(email: str) -> str:
    return email.strip().lower()


def _throttle_row(session: Session, email_hash: str) -> SignInThrottle | None:
    return session.get(SignInThrottle, email_hash)


def _record_failure(session: Session, email_hash: str, now: datetime) -> None:
    settings = get_settings().auth
    window = timedelta(minutes=settings.lockout_minutes)
    row = _throttle_row(session, email_hash)
    if row is None:
        row = SignInThrottle(email_hash=email_hash, failures=0, window_started_at=now)
    if row.window_started_at <= now - window:
        row.failures = 0
        row.window_started_at = now
    row.failures += 1
    if row.failures >= settings.max_failed_logins:
        row.locked_until = now + window
        row.failures = 0
        row.window_started_at = now
    session.add(row)


def authenticate(session: Session, *, email: str, password: str) -> User:
    """The person behind a correct email and password; failures are counted per email, the
    same way whether or not the account exists (the answer never hints which)."""
    email = _normalise_email(email)
    email_hash = sha256_hex(email)
    now = clock.now()
    throttle = _throttle_row(session, email_hash)
    if throttle is not None and throttle.locked_until is not None and throttle.locked_until > now:
        raise SignInThrottled(int((throttle.locked_until - now).total_seconds()))
    user = session.exec(select(User).where(col(User.email) == email)).first()
    if user is None or user.password_hash is None:
        burn_password_check(password)
        _record_failure(session, email_hash, now)
        raise InvalidCredentials()
    if not verify_password(user.password_hash, password) or not user.is_active:
        _record_failure(session, email_hash, now)
        raise InvalidCredentials()
    if throttle is not None:
        session.delete(throttle)
    fields: dict[str, object] = {"last_login_at": now}
    if password_needs_rehash(user.password_hash):
        fields["password_hash"] = hash_password(password)
    _set_security_fields(session, user, **fields)
    return user


def _set_security_fields(session: Session, user: User, **values: object) -> None:
    # Sign-in bookkeeping is not an edit of the user: it must not bump the version that an
    # administrator's If-Match refers to, so it bypasses the ORM's versioned UPDATE.
    session.execute(
        sa.update(User)
        .where(col(User.id) == user.id)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    session.expire(user, list(values))


@dataclass(frozen=True)
class IssuedTokens:
    access_token: str
    expires_in: int
    refresh_token: str


def _new_access_token(user: User) -> tuple[str, int]:
    lifetime = timedelta(minutes=get_settings().auth.access_token_minutes)
    token = encode_token(
        subject=str(user.id), audience=ACCESS_AUDIENCE, token_type="access", lifetime=lifetime
    )
    return token, int(lifetime.total_seconds())


def _new_refresh_token(session: Session, user_id: uuid.UUID, family_id: uuid.UUID) -> str:
    raw = new_secret(32)
    now = clock.now()
    session.add(
        RefreshToken(
            user_id=user_id,
            family_id=family_id,
            token_hash=sha256_hex(raw),
            created_at=now,
            expires_at=now + timedelta(days=get_settings().auth.refresh_token_days),
        )
    )
    return raw


def issue_tokens(session: Session, user: User) -> IssuedTokens:
    access, expires_in = _new_access_token(user)
    refresh = _new_refresh_token(session, user.id, uuid.uuid4())
    return IssuedTokens(access, expires_in, refresh)


class RefreshRejected(Unauthorized):
    type, title = "refresh-rejected", "Session expired"
    commit_anyway = True  # a detected reuse revokes the family even though the request fails

    def __init__(self) -> None:
        super().__init__("The session has expired or was signed out. Sign in again.")


def rotate_refresh_token(session: Session, *, raw_token: str | None) -> IssuedTokens:
    """Exchange a refresh token for new tokens; reusing an old one revokes its whole family."""
    if not raw_token:
        raise RefreshRejected()
    stored = session.exec(
        select(RefreshToken).where(col(RefreshToken.token_hash) == sha256_hex(raw_token))
    ).first()
    if stored is None:
        raise RefreshRejected()
    now = clock.now()
    if stored.used_at is not None or stored.revoked_at is not None:
        _revoke_family(session, stored.family_id, now)
        raise RefreshRejected()
    if stored.expires_at <= now:
        raise RefreshRejected()
    user = session.get(User, stored.user_id)
    if user is None or not user.is_active:
        _revoke_family(session, stored.family_id, now)
        raise RefreshRejected()
    # Claim the token atomically: of two racing refreshes only one wins.
    claimed = session.execute(
        sa.update(RefreshToken)
        .where(col(RefreshToken.id) == stored.id, col(RefreshToken.used_at).is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        _revoke_family(session, stored.family_id, now)
        raise RefreshRejected()
    access, expires_in = _new_access_token(user)
    refresh = _new_refresh_token(session, user.id, stored.family_id)
    return IssuedTokens(access, expires_in, refresh)


def _revoke_family(session: Session, family_id: uuid.UUID, now: datetime) -> None:
    session.execute(
        sa.update(RefreshToken)
        .where(col(RefreshToken.family_id) == family_id, col(RefreshToken.revoked_at).is_(None))
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    )


def revoke_session(session: Session, *, raw_token: str | None) -> None:
    """Sign out: revoke the presented refresh token's family. Unknown tokens are ignored."""
    if not raw_token:
        return
    stored = session.exec(
        select(RefreshToken).where(col(RefreshToken.token_hash) == sha256_hex(raw_token))
    ).first()
    if stored is not None:
        _revoke_family(session, stored.family_id, clock.now())


# --- principals ----------------------------------------------------------------------------


def _roles_of(session: Session, user_id: uuid.UUID) -> list[str]:
    return list(session.exec(select(UserRole.role).where(col(UserRole.user_id) == user_id)).all())


_users = User.__table__  # type: ignore[attr-defined]
_user_roles = UserRole.__table__  # type: ignore[attr-defined]
_PRINCIPAL_QUERY = (
    sa.select(_users.c.is_active, _users.c.department_id, _users.c.display_name, _user_roles.c.role)
    .select_from(_users.outerjoin(_user_roles, _user_roles.c.user_id == _users.c.id))
    .where(_users.c.id == sa.bindparam("user_id"))
)


def principal_without_database(token: str) -> Principal | uuid.UUID | None:
    """What a bearer token says without a database read: the principal of a report session
    or of a person seen in the last few seconds; else the person's id still to be looked up;
    ``None`` for an API key (looked up by :func:`principal_for_bearer`). Raises
    ``Unauthorized`` for a bad token. Pure CPU, so callers may run it on the event loop."""
    if token.startswith(API_KEY_MARK):
        return None
    if peek_token_type(token) == REPORT_SESSION_TYPE:
        claims = decode_token(
            token, audience=REPORT_SESSION_AUDIENCE, token_type=REPORT_SESSION_TYPE
        )
        try:
            return Principal(kind="report_session", id=uuid.UUID(claims.sub))
        except ValueError as exc:
            raise Unauthorized("The session is invalid or has expired.") from exc
    claims = decode_token(token, audience=ACCESS_AUDIENCE, token_type="access")
    try:
        user_id = uuid.UUID(claims.sub)
    except ValueError as exc:
        raise Unauthorized("The access token is invalid or has expired.") from exc
    return _principals.get(user_id) or user_id


def principal_for_bearer(session: Session, token: str) -> Principal:
    known = principal_without_database(token)
    if isinstance(known, Principal):
        return known
    return principal_from_database(session, token, known)


def principal_from_database(session: Session, token: str, user_id: uuid.UUID | None) -> Principal:
    """The database half of :func:`principal_for_bearer`: the API key's service account
    (``user_id`` None) or the person ``principal_without_database`` named."""
    if user_id is None:
        return _principal_for_api_key(session, token)
    return principal_for_user(session, user_id)


def principal_for_user(session: Session, user_id: uuid.UUID) -> Principal:
    """The person's principal read from the database (and kept for a few seconds)."""
    # One round trip: the person and their roles together.
    rows = session.connection().execute(_PRINCIPAL_QUERY, {"user_id": user_id}).all()
    if not rows or not rows[0].is_active:
        raise Unauthorized("The access token is invalid or has expired.")
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


# Who a person is (roles, department, active) is read on every request. It is kept for a few
# seconds and dropped at once, in this process, whenever the person is changed; other
# processes see a change (say, a deactivation) within PRINCIPAL_CACHE_SECONDS.
PRINCIPAL_CACHE_SECONDS = 5.0
_principals: TTLCache[uuid.UUID, Principal] = TTLCache(ttl_seconds=PRINCIPAL_CACHE_SECONDS)


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


# --- users ---------------------------------------------------------------------------------


def _to_read(user: User, roles: Iterable[str]) -> UserRead:
    return UserRead(
        id=user.id,
        email=user.email,
        display_name=user.display_name,
        roles=sorted(Role(r) for r in roles),
        department_id=user.department_id,
        profession=Profession(user.profession),
        is_active=user.is_active,
        version=user.version,
        created_at=user.created_at,
        last_login_at=user.last_login_at,
    )


def _email_taken(session: Session, email: str, *, except_id: uuid.UUID | None = None) -> bool:
    stmt = select(User.id).where(col(User.email) == email)
    if except_id is not None:
        stmt = stmt.where(col(User.id) != except_id)
    return session.exec(stmt).first() is not None


def _set_roles(session: Session, user_id: uuid.UUID, roles: Iterable[Role]) -> None:
    session.exec(delete(UserRole).where(col(UserRole.user_id) == user_id))
    for role in sorted(set(roles)):
        session.add(UserRole(user_id=user_id, role=role.value))


def create_user(session: Session, actor: Principal | None, *, data: UserCreate) -> UserCreated:
    """Create a person. Through the API (``actor`` an admin) privileged roles wait for a
    second admin; with ``actor`` None (the operator's command line, which needs the
    database's credentials anyway, and the demo seed) every role applies at once. Forbidden
    combinations are refused either way."""
    email = _normalise_email(str(data.email))
    if _email_taken(session, email):
        raise Conflict(
            "A user with this email already exists.",
            errors=[field_error("email", "Already in use.")],
        )
    require_allowed_roles(r.value for r in data.roles)
    if actor is None:
        change = policy.RoleChange(apply=frozenset(data.roles), pending=frozenset())
    else:
        change = policy.split_change(
            current=(),
            requested=(r.value for r in data.roles),
            department_before=data.department_id,
            department_after=data.department_id,
        )
    generated = data.password is None
    password = data.password or new_secret(12)
    now = clock.now()
    user = User(
        email=email,
        display_name=data.display_name,
        department_id=data.department_id,
        profession=data.profession.value,
        password_hash=hash_password(password),
        created_at=now,
        updated_at=now,
    )
    session.add(user)
    session.flush()
    _set_roles(session, user.id, change.apply)
    _audit_roles(session, actor, "user.created", user.id, before=(), after=change.apply)
    grant = _propose(session, actor, user, change) if actor is not None and change.pending else None
    read = _to_read(user, [r.value for r in change.apply])
    return UserCreated(
        **read.model_dump(),
        initial_password=password if generated else None,
        pending_grant=_grant_reads(session, [grant])[0] if grant is not None else None,
    )


def get_user(session: Session, user_id: uuid.UUID) -> UserRead:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("No such user.")
    return _to_read(user, _roles_of(session, user.id))


def list_users(
    session: Session,
    *,
    params: PageParams,
    department_id: uuid.UUID | None = None,
    role: Role | None = None,
    include_inactive: bool = False,
    user_ids: Iterable[uuid.UUID] | None = None,
) -> tuple[list[UserRead], str | None]:
    stmt = select(User)
    if department_id is not None:
        stmt = stmt.where(col(User.department_id) == department_id)
    if role is not None:
        stmt = stmt.where(
            col(User.id).in_(select(UserRole.user_id).where(col(UserRole.role) == role.value))
        )
    if not include_inactive:
        stmt = stmt.where(col(User.is_active).is_(True))
    if user_ids is not None:
        stmt = stmt.where(col(User.id).in_(list(user_ids)))
    rows, cursor = paginate(
        session, stmt, keys=[col(User.display_name), col(User.id)], params=params
    )
    roles_by_user: dict[uuid.UUID, list[str]] = {u.id: [] for u in rows}
    if rows:
        for user_id, role_name in session.exec(
            select(UserRole.user_id, UserRole.role).where(
                col(UserRole.user_id).in_(list(roles_by_user))
            )
        ).all():
            roles_by_user[user_id].append(role_name)
    return [_to_read(u, roles_by_user[u.id]) for u in rows], cursor


def update_user(
    session: Session,
    actor: Principal,
    *,
    user_id: uuid.UUID,
    data: UserUpdate,
    if_match: str | None,
) -> UserUpdated:
    """Change a person. Nobody changes their own roles (nor, as a lead, their department);
    removing roles and granting staff or peer_supporter apply at once; privileged roles
    (and a lead's move to another department) become a grant for a second admin."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("No such user.")
    require_if_match(if_match, user.version)
    changes = data.model_dump(exclude_unset=True)
    current = _roles_of(session, user.id)
    department_after = data.department_id if "department_id" in changes else user.department_id
    if policy.changes_own_roles(
        actor_id=actor.id,
        user_id=user.id,
        current=current,
        requested=[r.value for r in data.roles] if data.roles is not None else None,
        department_before=user.department_id,
        department_after=department_after,
    ):
        raise OwnRolesRefused()
    if changes.get("is_active") is False and actor.id == user.id:
        raise Conflict("You cannot deactivate your own account.")
    change = policy.split_change(
        current=current,
        requested=[r.value for r in data.roles] if data.roles is not None else current,
        department_before=user.department_id,
        department_after=department_after,
    )
    waiting = _pending_grant(session, user.id)
    # Checked when the roles change (an account older than the rules can still be renamed
    # or deactivated without first repairing its roles; check-roles lists it meanwhile).
    if set(change.requested) != {Role(r) for r in current}:
        require_allowed_roles(
            [r.value for r in change.requested] + (waiting.roles if waiting else []),
            with_pending=waiting is not None,
        )
    if change.pending and waiting is not None:
        raise GrantPending()
    if data.email is not None:
        email = _normalise_email(str(data.email))
        if _email_taken(session, email, except_id=user.id):
            raise Conflict(
                "A user with this email already exists.",
                errors=[field_error("email", "Already in use.")],
            )
        user.email = email
    if data.display_name is not None:
        user.display_name = data.display_name
    if "department_id" in changes:
        user.department_id = data.department_id
    if data.profession is not None:
        user.profession = data.profession.value
    if data.is_active is not None:
        user.is_active = data.is_active
    roles_changed = set(change.apply) != {Role(r) for r in current}
    if roles_changed:
        _set_roles(session, user.id, change.apply)
    user.updated_at = clock.now()
    session.add(user)
    session.flush()
    if changes.get("is_active") is False:
        session.execute(
            sa.update(RefreshToken)
            .where(col(RefreshToken.user_id) == user.id, col(RefreshToken.revoked_at).is_(None))
            .values(revoked_at=clock.now())
            .execution_options(synchronize_session=False)
        )
    if roles_changed:
        _audit_roles(
            session, actor, "user.roles_changed", user.id, before=current, after=change.apply
        )
    grant = _propose(session, actor, user, change) if change.pending else None
    if set(changes) - {"roles"} or (not roles_changed and grant is None):
        audit.record_event(
            session, actor, action="user.updated", object_type="user", object_id=user.id
        )
    _principals.invalidate(user.id)
    read = _to_read(user, _roles_of(session, user.id))
    return UserUpdated(
        **read.model_dump(),
        pending_grant=_grant_reads(session, [grant])[0] if grant is not None else None,
    )


# --- separation of roles (DESIGN.md) --------------------------------------------------------


class OwnRolesRefused(Forbidden):
    type, title = "own-roles", "You cannot change your own roles"

    def __init__(self) -> None:
        super().__init__(
            "Nobody changes their own roles (nor, as a department lead, their own "
            "department); another administrator does.",
            errors=[field_error("roles", "Another administrator changes your roles.")],
        )


class RoleCombinationRefused(Unprocessable):
    type, title = "role-combination", "These roles cannot be held together"

    def __init__(self, pairs: list[tuple[Role, Role]], *, with_pending: bool = False) -> None:
        message = policy.combination_message(pairs)
        if with_pending:
            message += " (Counting the roles that wait for a second administrator.)"
        super().__init__(message, errors=[field_error("roles", message)])


class GrantPending(Conflict):
    type, title = "role-grant-pending", "A role grant is waiting for a second administrator"

    def __init__(self) -> None:
        super().__init__(
            "This person already has privileged roles waiting for a second administrator: "
            "confirm, reject or cancel that grant first.",
            errors=[field_error("roles", "A grant for this person is still pending.")],
        )


class GrantExpired(Conflict):
    type, title = "role-grant-expired", "The role grant has expired"
    commit_anyway = True  # the grant is marked expired (and audited) although the call fails

    def __init__(self) -> None:
        super().__init__("Nobody confirmed this grant in time; propose it again if still needed.")


def conflicting_role_pairs(roles: Iterable[str]) -> list[tuple[Role, Role]]:
    """The pairs of roles the separation of roles forbids on one account (empty if none)."""
    return policy.forbidden_pairs(roles)


def require_allowed_roles(roles: Iterable[str], *, with_pending: bool = False) -> None:
    pairs = policy.forbidden_pairs(roles)
    if pairs:
        raise RoleCombinationRefused(pairs, with_pending=with_pending)


def _audit_roles(
    session: Session,
    actor: Principal | None,
    action: str,
    user_id: uuid.UUID,
    *,
    before: Iterable[str],
    after: Iterable[str],
    grant: RoleGrant | None = None,
) -> None:
    detail: dict[str, object] = {
        "roles_before": policy.sorted_roles(before),
        "roles_after": policy.sorted_roles(after),
    }
    if grant is not None:
        detail["grant_id"] = str(grant.id)
        detail["grant_roles"] = policy.sorted_roles(grant.roles)
        if grant.department_id is not None:
            detail["grant_department_id"] = str(grant.department_id)
    audit.record_event(
        session, actor, action=action, object_type="user", object_id=user_id, detail=detail
    )


def _pending_grant(session: Session, user_id: uuid.UUID) -> RoleGrant | None:
    return session.exec(
        select(RoleGrant).where(
            col(RoleGrant.user_id) == user_id,
            col(RoleGrant.status) == RoleGrantStatus.pending.value,
            col(RoleGrant.expires_at) > clock.now(),
        )
    ).first()


def _propose(
    session: Session, actor: Principal, user: User, change: policy.RoleChange
) -> RoleGrant:
    now = clock.now()
    grant = RoleGrant(
        user_id=user.id,
        roles=policy.sorted_roles(change.pending),
        department_id=user.department_id if Role.department_lead in change.pending else None,
        status=RoleGrantStatus.pending.value,
        proposed_by_id=actor.id,
        created_at=now,
        expires_at=now + timedelta(days=get_settings().auth.role_grant_days),
    )
    session.add(grant)
    session.flush()
    held = [r.value for r in change.apply]
    _audit_roles(
        session, actor, "user.role_grant_proposed", user.id, before=held, after=held, grant=grant
    )
    return grant


def _grant_reads(session: Session, grants: Sequence[RoleGrant]) -> list[RoleGrantRead]:
    ids = {g.user_id for g in grants} | {g.proposed_by_id for g in grants}
    names: dict[uuid.UUID, str] = dict(
        session.exec(select(User.id, User.display_name).where(col(User.id).in_(ids))).all()
    )
    return [
        RoleGrantRead(
            id=g.id,
            user_id=g.user_id,
            user_display_name=names.get(g.user_id, ""),
            roles=sorted(Role(r) for r in g.roles),
            department_id=g.department_id,
            status=RoleGrantStatus(g.status),
            proposed_by_id=g.proposed_by_id,
            proposed_by_name=names.get(g.proposed_by_id, ""),
            created_at=g.created_at,
            expires_at=g.expires_at,
            decided_by_id=g.decided_by_id,
            decided_at=g.decided_at,
            version=g.version,
        )
        for g in grants
    ]


def list_role_grants(
    session: Session,
    *,
    params: PageParams,
    status: RoleGrantStatus | None = RoleGrantStatus.pending,
    user_id: uuid.UUID | None = None,
) -> tuple[list[RoleGrantRead], str | None]:
    """Grants, newest first; ``pending`` lists only those still open to confirmation."""
    stmt = select(RoleGrant)
    if status is not None:
        stmt = stmt.where(col(RoleGrant.status) == status.value)
    if status is RoleGrantStatus.pending:
        stmt = stmt.where(col(RoleGrant.expires_at) > clock.now())
    if user_id is not None:
        stmt = stmt.where(col(RoleGrant.user_id) == user_id)
    rows, cursor = paginate(
        session,
        stmt,
        keys=[col(RoleGrant.created_at), col(RoleGrant.id)],
        params=params,
        descending=True,
    )
    return _grant_reads(session, rows), cursor


def _load_grant(session: Session, grant_id: uuid.UUID) -> RoleGrant:
    grant = session.get(RoleGrant, grant_id)
    if grant is None:
        raise NotFound("No such role grant.")
    return grant


def get_role_grant(session: Session, grant_id: uuid.UUID) -> RoleGrantRead:
    return _grant_reads(session, [_load_grant(session, grant_id)])[0]


def _decide(
    session: Session,
    actor: Principal | None,
    grant: RoleGrant,
    status: RoleGrantStatus,
    *,
    before: Iterable[str],
    after: Iterable[str],
) -> None:
    grant.status = status.value
    grant.decided_at = clock.now()
    grant.decided_by_id = actor.id if actor is not None else None
    session.add(grant)
    session.flush()
    _audit_roles(
        session,
        actor,
        f"user.role_grant_{status.value}",
        grant.user_id,
        before=before,
        after=after,
        grant=grant,
    )


def _open_grant(session: Session, grant_id: uuid.UUID, if_match: str | None) -> RoleGrant:
    grant = _load_grant(session, grant_id)
    require_if_match(if_match, grant.version)
    if grant.status != RoleGrantStatus.pending.value:
        raise Conflict(f"This grant is already {grant.status}.")
    if grant.expires_at <= clock.now():
        held = _roles_of(session, grant.user_id)
        _decide(session, None, grant, RoleGrantStatus.expired, before=held, after=held)
        raise GrantExpired()
    return grant


def _is_active_admin(session: Session, user_id: uuid.UUID) -> bool:
    user = session.get(User, user_id)
    return user is not None and user.is_active and Role.admin.value in _roles_of(session, user_id)


def confirm_role_grant(
    session: Session, actor: Principal, *, grant_id: uuid.UUID, if_match: str | None
) -> RoleGrantRead:
    """The second administrator confirms: every rule is checked again against the account
    as it is now, and only then do the roles take effect."""
    grant = _open_grant(session, grant_id, if_match)
    if actor.id == grant.proposed_by_id:
        raise Forbidden("You proposed this grant: another administrator confirms it.")
    if actor.id == grant.user_id:
        raise Forbidden("Nobody confirms roles for their own account.")
    if not _is_active_admin(session, actor.id):
        raise Forbidden("Only an active administrator confirms a grant.")
    if not _is_active_admin(session, grant.proposed_by_id):
        raise Conflict("The administrator who proposed this no longer holds the role: reject it.")
    user = session.get(User, grant.user_id)
    if user is None or not user.is_active:
        raise Conflict("This person is deactivated: reject the grant.")
    if grant.department_id is not None and user.department_id != grant.department_id:
        raise Conflict(
            "This person's department has changed since the grant was proposed: reject it "
            "and propose it again."
        )
    before = _roles_of(session, user.id)
    after = {Role(r) for r in before} | {Role(r) for r in grant.roles}
    require_allowed_roles(r.value for r in after)
    _set_roles(session, user.id, after)
    user.updated_at = clock.now()
    session.add(user)
    _decide(session, actor, grant, RoleGrantStatus.confirmed, before=before, after=after)
    _principals.invalidate(user.id)
    return _grant_reads(session, [grant])[0]


def reject_role_grant(
    session: Session, actor: Principal, *, grant_id: uuid.UUID, if_match: str | None
) -> RoleGrantRead:
    grant = _open_grant(session, grant_id, if_match)
    if actor.id == grant.proposed_by_id:
        raise Forbidden("You proposed this grant: cancel it instead.")
    held = _roles_of(session, grant.user_id)
    _decide(session, actor, grant, RoleGrantStatus.rejected, before=held, after=held)
    return _grant_reads(session, [grant])[0]


def cancel_role_grant(
    session: Session, actor: Principal, *, grant_id: uuid.UUID, if_match: str | None
) -> RoleGrantRead:
    grant = _open_grant(session, grant_id, if_match)
    if actor.id != grant.proposed_by_id:
        raise Forbidden("Only the administrator who proposed a grant cancels it; reject it.")
    held = _roles_of(session, grant.user_id)
    _decide(session, actor, grant, RoleGrantStatus.cancelled, before=held, after=held)
    return _grant_reads(session, [grant])[0]


def expire_role_grants(session: Session) -> int:
    """Periodic job: pending grants past their expiry become ``expired`` (audited)."""
    rows = session.exec(
        select(RoleGrant)
        .where(
            col(RoleGrant.status) == RoleGrantStatus.pending.value,
            col(RoleGrant.expires_at) <= clock.now(),
        )
        .order_by(col(RoleGrant.expires_at))
        .limit(500)
        .with_for_update(skip_locked=True)
    ).all()
    for grant in rows:
        held = _roles_of(session, grant.user_id)
        _decide(session, None, grant, RoleGrantStatus.expired, before=held, after=held)
    return len(rows)


@dataclass(frozen=True)
class RoleViolation:
    """An account whose roles break a rule that did not exist (or was not enforced) when
    they were given: found by ``haven users check-roles``."""

    user_id: uuid.UUID
    email: str
    display_name: str
    is_active: bool
    roles: list[str]
    rule: str
    message: str


def role_violations(session: Session) -> list[RoleViolation]:
    """Every account (active or not: one may be reactivated) that holds a forbidden
    combination, or the department_lead role without a department to lead."""
    roles: dict[uuid.UUID, set[str]] = {}
    for user_id, role_name in session.execute(
        sa.select(col(UserRole.user_id), col(UserRole.role))
    ).all():
        roles.setdefault(user_id, set()).add(role_name)
    users = session.exec(select(User).order_by(col(User.email))).all()
    found: list[RoleViolation] = []
    for user in users:
        held = roles.get(user.id, set())
        pairs = policy.forbidden_pairs(held)
        problems: list[tuple[str, str]] = []
        if pairs:
            problems.append(("forbidden_combination", policy.combination_message(pairs)))
        if Role.department_lead.value in held and user.department_id is None:
            problems.append(("lead_without_department", "department_lead without a department."))
        for rule, message in problems:
            found.append(
                RoleViolation(
                    user.id,
                    user.email,
                    user.display_name,
                    user.is_active,
                    policy.sorted_roles(held),
                    rule,
                    message,
                )
            )
    return found


def user_exists(session: Session, user_id: uuid.UUID, *, active_only: bool = True) -> bool:
    user = session.get(User, user_id)
    return user is not None and (user.is_active or not active_only)


def users_by_id(session: Session, user_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, UserRead]:
    ids = list(set(user_ids))
    if not ids:
        return {}
    users = session.exec(select(User).where(col(User.id).in_(ids))).all()
    roles: dict[uuid.UUID, list[str]] = {u.id: [] for u in users}
    for uid, role_name in session.exec(
        select(UserRole.user_id, UserRole.role).where(col(UserRole.user_id).in_(ids))
    ).all():
        roles[uid].append(role_name)
    return {u.id: _to_read(u, roles[u.id]) for u in users}


def search_active_users(session: Session, *, name_contains: str, limit: int) -> list[UserRead]:
    """Active people whose display name contains the text (case-insensitive), by name: the
    read behind a person picker for roles that may not list users."""
    text = name_contains.strip().lower()
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    ids = session.exec(
        select(User.id)
        .where(
            col(User.is_active).is_(True),
            sa.func.lower(col(User.display_name)).like(f"%{escaped}%", escape="\\"),
        )
        .order_by(col(User.display_name), col(User.id))
        .limit(limit)
    ).all()
    found = users_by_id(session, ids)
    return [found[i] for i in ids if i in found]


@dataclass(frozen=True)
class UserSummary:
    """What lists and matching need of a person, read as plain columns (no ORM objects)."""

    id: uuid.UUID
    display_name: str
    department_id: uuid.UUID | None
    is_active: bool
    roles: frozenset[str]


def user_summaries(session: Session, user_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, UserSummary]:
    ids = list(set(user_ids))
    if not ids:
        return {}
    roles: dict[uuid.UUID, set[str]] = {i: set() for i in ids}
    for uid, role_name in session.execute(
        sa.select(col(UserRole.user_id), col(UserRole.role)).where(col(UserRole.user_id).in_(ids))
    ).all():
        roles[uid].add(role_name)
    rows = session.execute(
        sa.select(
            col(User.id), col(User.display_name), col(User.department_id), col(User.is_active)
        ).where(col(User.id).in_(ids))
    ).all()
    return {
        uid: UserSummary(uid, name, department_id, active, frozenset(roles[uid]))
        for uid, name, department_id, active in rows
    }


def active_user_id_by_email(session: Session, email: str) -> uuid.UUID | None:
    """The id of the active person with this email (case-insensitive), if any."""
    user = session.exec(
        select(User).where(
            col(User.email) == _normalise_email(email), col(User.is_active).is_(True)
        )
    ).first()
    return user.id if user is not None else None


def user_ids_with_role(session: Session, role: Role) -> list[uuid.UUID]:
    """Active people holding a role (e.g. every support coordinator, to notify them)."""
    return list(
        session.exec(
            select(User.id)
            .join(UserRole, col(UserRole.user_id) == col(User.id))
            .where(col(UserRole.role) == role.value, col(User.is_active).is_(True))
        ).all()
    )


def count_users(session: Session) -> int:
    return int(session.exec(select(sa.func.count()).select_from(User)).one())


# --- API keys ------------------------------------------------------------------------------


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
    if not _is_active_admin(session, actor.id):
        raise Forbidden("Only an active administrator confirms a key.")
    if key.created_by_id is None or not _is_active_admin(session, key.created_by_id):
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
