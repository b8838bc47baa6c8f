"""Who a single sign-on is: the Haven account an identity provider's (issuer, subject) names,
found, linked or created just in time (the protocol itself is :mod:`haven.auth.oidc`).

In this order:

1. **Linked.** A :class:`~haven.auth.models.UserIdentity` with this issuer and subject: that
   account, if it is active (a deactivated person is refused, 403 ``sso-account-deactivated``,
   whatever the provider says). Its roles and department are Haven's from then on: a later
   sign-in never changes them (administrators and SCIM provisioning do), so a claim can
   never raise anyone's privileges after the account exists.
2. **Matched.** An existing account (made by an administrator, the bulk import or SCIM) is
   linked, never duplicated, when the provider vouches for it: by the directory's
   ``external_id`` (SCIM ``externalId``, the import's column; compared exactly) when
   ``HAVEN_OIDC_EXTERNAL_ID_CLAIM`` names the id token claim that carries it, else by email,
   only when the provider says ``email_verified: true`` (a boolean; Entra ID sends no such
   claim, so there use the external id) and ``HAVEN_OIDC_MATCH_VERIFIED_EMAIL`` is on. An
   account already linked to another subject of the same provider is refused (409
   ``sso-account-conflict``); so is a new person whose address an unlinked account holds.
   Linking keeps the account's roles as they are and writes ``user.identity_linked``.
3. **Created just in time**, from configuration, not code: roles from the groups claim
   (``HAVEN_OIDC_GROUPS_CLAIM``) through ``HAVEN_OIDC_ROLE_MAP`` ({group: [roles]}), the
   department from ``HAVEN_OIDC_DEPARTMENT_CLAIM`` (a department code; unknown or inactive
   codes leave the person without one), the profession from
   ``HAVEN_OIDC_PROFESSION_CLAIM`` (else ``other``), the address from
   ``HAVEN_OIDC_EMAIL_CLAIM``. The account has no password: it signs in through the
   provider. Audited as ``user.created`` by the system with ``source: "oidc"``.

Refusals come before any write (403 unless said): no mapped role (``sso-no-role``); roles
the separation of roles forbids together (``sso-role-combination``); no usable address, or
a department lead without a known department (``sso-claims-missing``). The one refusal after
writes, ``sso-roles-pending``, keeps them on purpose.

**Privileged roles** (admin, auditor, safety_officer, support_coordinator, department_lead:
:data:`haven.auth.policy.PRIVILEGED_ROLES`) come only from a map entry that names them; no
default, no wildcard, and no group named like a role grants anything by itself. Decision:
even then they do not hold at once. The account is created with the other mapped roles, and
the privileged ones become a pending :class:`~haven.auth.models.RoleGrant` proposed by single
sign-on (no proposing administrator, ``proposed_by_id`` null) that any active administrator
other than the person confirms, exactly as they confirm any other grant (and it expires after
``HAVEN_AUTH_ROLE_GRANT_DAYS``). Why: the two-person rule exists so that no one person can
give anyone access to identified reports or to people's accounts; with the directory as the
authority, whoever manages its groups (one identity administrator, or a stolen account of
theirs) would be that one person. With the grant it takes the directory *and* a Haven
administrator, as for SCIM (:mod:`haven.auth.directory`) and the API, so every door into a
privileged role has the same second look. A person whose only mapped roles are privileged
is told so (403 ``sso-roles-pending``; the account and the grant are kept) until the grant is
confirmed. The forbidden combinations are refused before anything is created, counting the
roles that would wait.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from pydantic import EmailStr, TypeAdapter, ValidationError
from sqlmodel import Session, col, select

from haven.auth import policy
from haven.auth.models import User, UserIdentity
from haven.auth.oidc import VerifiedIdentity, finish_sign_in
from haven.auth.role_grants import pending_grant, propose_grant
from haven.auth.roles import roles_of, set_roles
from haven.auth.schemas import Profession, Role
from haven.auth.users import normalise_email
from haven.core import audit, clock
from haven.core.errors import Conflict, Forbidden
from haven.core.settings import ConfigurationError, OidcSettings, get_settings

# A department code -> the id of that active department (or None): declared by the org
# domain, which owns departments (auth sits below org and cannot ask it).
DepartmentLookup = Callable[[Session, str], uuid.UUID | None]
_department_lookup: list[DepartmentLookup] = []

_EMAIL = TypeAdapter(EmailStr)


def declare_department_lookup(lookup: DepartmentLookup) -> None:
    _department_lookup[:] = [lookup]


class SsoAccountDeactivated(Forbidden):
    type, title = "sso-account-deactivated", "Your Haven account is deactivated"

    def __init__(self) -> None:
        super().__init__("Your Haven account is deactivated. Ask your administrator.")


class SsoNoRole(Forbidden):
    type, title = "sso-no-role", "No Haven role for your account"

    def __init__(self) -> None:
        super().__init__(
            "Your organisation's directory gives you no role in Haven, so no account was "
            "made. Ask your administrator to add you to a group that has one."
        )


class SsoRoleCombination(Forbidden):
    type, title = (
        "sso-role-combination",
        "Your directory groups give roles that cannot be held together",
    )

    def __init__(self, pairs: list[tuple[Role, Role]]) -> None:
        super().__init__(
            policy.combination_message(pairs) + " Ask your administrator to change your groups."
        )


class SsoClaimsMissing(Forbidden):
    type, title = "sso-claims-missing", "Your identity provider did not say enough"

    def __init__(self, what: str) -> None:
        super().__init__(
            f"The identity provider did not send {what}, so no account could be made. "
            "Ask your administrator."
        )


class SsoRolesPending(Forbidden):
    type, title = "sso-roles-pending", "Your role waits for an administrator"
    # The account and its grant are kept: the next sign-in after the confirmation works.
    commit_anyway = True

    def __init__(self, roles: list[str]) -> None:
        super().__init__(
            f"Your Haven account is ready. Your role ({', '.join(roles)}) comes from your "
            "organisation's directory and waits for a Haven administrator to confirm it; "
            "sign in again once they have."
        )


class SsoAccountConflict(Conflict):
    type, title = "sso-account-conflict", "Your account could not be linked"

    def __init__(self, detail: str) -> None:
        super().__init__(detail + " Ask your administrator.")


def mapped_roles(claims: dict[str, Any], settings: OidcSettings) -> set[Role]:
    """The roles the configured map gives these claims' groups (nothing else gives any)."""
    groups = claims.get(settings.groups_claim)
    if isinstance(groups, str):
        groups = [groups]
    if not isinstance(groups, list):
        return set()
    roles: set[Role] = set()
    for group in groups:
        if isinstance(group, str):
            roles.update(Role(r) for r in settings.role_map.get(group, ()))
    return roles


def check_role_map(settings: OidcSettings) -> None:
    """Refuse (at start-up) a role map naming a role Haven lacks, or giving one group roles
    that may not be held together."""
    known = {r.value for r in Role}
    for group, roles in settings.role_map.items():
        for role in roles:
            if role not in known:
                raise ConfigurationError(
                    f"HAVEN_OIDC_ROLE_MAP gives group {group!r} an unknown role."
                )
        pairs = policy.forbidden_pairs(roles)
        if pairs:
            raise ConfigurationError(
                f"HAVEN_OIDC_ROLE_MAP gives group {group!r} roles that cannot be held together."
            )


def sign_in_with_identity(session: Session, identity: VerifiedIdentity) -> User:
    """The active account this identity signs in to, linked or created on first use."""
    settings = get_settings().oidc
    now = clock.now()
    linked = session.exec(
        select(UserIdentity).where(
            col(UserIdentity.issuer) == identity.issuer,
            col(UserIdentity.subject) == identity.subject,
        )
    ).first()
    if linked is not None:
        user = session.get(User, linked.user_id)
        if user is None or not user.is_active:
            raise SsoAccountDeactivated()
        waiting = pending_grant(session, user.id)
        if waiting is not None and not roles_of(session, user.id):
            raise SsoRolesPending(waiting.roles)
        _touch(session, user, linked, now)
        return user
    found = _existing_account(session, identity, settings)
    if found is not None:
        user, how = found
        if not user.is_active:
            raise SsoAccountDeactivated()
        _link(session, user, identity, how, now)
        audit.record_event(
            session,
            None,
            action="user.identity_linked",
            object_type="user",
            object_id=user.id,
            detail={"source": "oidc", "linked_by": how},
        )
        _set_last_login(session, user, now)
        return user
    user, change = _create_just_in_time(session, identity, settings, now)
    _link(session, user, identity, "created", now)
    if change.pending:
        # The directory asked for privileged roles: a grant any administrator confirms.
        propose_grant(session, None, user, change, by_single_sign_on=True)
        if not change.apply:
            raise SsoRolesPending(policy.sorted_roles(change.pending))
    return user


def sign_in_with_provider(
    session: Session,
    *,
    flow_token: str | None,
    state: str | None,
    code: str | None,
    error: str | None,
    issuer: str | None,
) -> tuple[User, str]:
    """The callback's work: the provider's answer checked (network only, no transaction
    open yet), then the account found, linked or created. Returns the person and the web
    client's path to land on."""
    verified = finish_sign_in(
        flow_token=flow_token, state=state, code=code, error=error, issuer=issuer
    )
    return sign_in_with_identity(session, verified), verified.return_to


def _existing_account(
    session: Session, identity: VerifiedIdentity, settings: OidcSettings
) -> tuple[User, str] | None:
    claims = identity.claims
    external_id = claims.get(settings.external_id_claim) if settings.external_id_claim else None
    if isinstance(external_id, str) and 0 < len(external_id) <= 255:
        user = session.exec(select(User).where(col(User.external_id) == external_id)).first()
        if user is not None:
            _require_unlinked(session, user, identity.issuer)
            return user, "external_id"
    if settings.match_verified_email and claims.get("email_verified") is True:
        email = claims.get("email")
        if isinstance(email, str) and email.strip():
            user = session.exec(
                select(User).where(col(User.email) == normalise_email(email))
            ).first()
            if user is not None:
                _require_unlinked(session, user, identity.issuer)
                return user, "email"
    return None


def _require_unlinked(session: Session, user: User, issuer: str) -> None:
    other = session.exec(
        select(UserIdentity.id).where(
            col(UserIdentity.user_id) == user.id, col(UserIdentity.issuer) == issuer
        )
    ).first()
    if other is not None:
        raise SsoAccountConflict(
            "The Haven account with your address is linked to another identity at your "
            "organisation's provider."
        )


def _create_just_in_time(
    session: Session, identity: VerifiedIdentity, settings: OidcSettings, now: datetime
) -> tuple[User, policy.RoleChange]:
    claims = identity.claims
    roles = mapped_roles(claims, settings)
    if not roles:
        raise SsoNoRole()
    pairs = policy.forbidden_pairs(r.value for r in roles)
    if pairs:
        raise SsoRoleCombination(pairs)
    email = _email(claims.get(settings.email_claim))
    if email is None:
        raise SsoClaimsMissing("a valid email address")
    if session.exec(select(User.id).where(col(User.email) == email)).first() is not None:
        raise SsoAccountConflict(
            "A Haven account with your address exists, but your identity provider does not "
            "confirm the address is yours, so it was not linked."
        )
    department_id = _department(session, claims, settings)
    if Role.department_lead in roles and department_id is None:
        raise SsoClaimsMissing("the department you lead (a known department code)")
    user = User(
        email=email,
        display_name=_display_name(claims, email),
        department_id=department_id,
        profession=_profession(claims, settings).value,
        password_hash=None,
        last_login_at=now,
        created_at=now,
        updated_at=now,
    )
    session.add(user)
    session.flush()
    change = policy.split_change(
        current=(),
        requested=(r.value for r in roles),
        department_before=department_id,
        department_after=department_id,
    )
    set_roles(session, user.id, change.apply)
    audit.record_event(
        session,
        None,
        action="user.created",
        object_type="user",
        object_id=user.id,
        detail={
            "roles_before": [],
            "roles_after": policy.sorted_roles(r.value for r in change.apply),
            "source": "oidc",
        },
    )
    return user, change


def _email(value: object) -> str | None:
    if not isinstance(value, str) or len(value) > 254:
        return None
    try:
        return normalise_email(str(_EMAIL.validate_python(value.strip())))
    except ValidationError:
        return None


def _display_name(claims: dict[str, Any], email: str) -> str:
    given, family = claims.get("given_name"), claims.get("family_name")
    joined = " ".join(p for p in (given, family) if isinstance(p, str) and p.strip())
    for candidate in (claims.get("name"), joined, claims.get("preferred_username")):
        if isinstance(candidate, str) and candidate.strip():
            return candidate.strip()[:120]
    return email.split("@", 1)[0][:120]


def _profession(claims: dict[str, Any], settings: OidcSettings) -> Profession:
    if settings.profession_claim:
        value = claims.get(settings.profession_claim)
        if isinstance(value, str) and value in {p.value for p in Profession}:
            return Profession(value)
    return Profession.other


def _department(
    session: Session, claims: dict[str, Any], settings: OidcSettings
) -> uuid.UUID | None:
    if not settings.department_claim or not _department_lookup:
        return None
    code = claims.get(settings.department_claim)
    if not isinstance(code, str) or not code.strip() or len(code) > 64:
        return None
    return _department_lookup[0](session, code.strip())


def _link(
    session: Session, user: User, identity: VerifiedIdentity, how: str, now: datetime
) -> None:
    session.add(
        UserIdentity(
            user_id=user.id,
            issuer=identity.issuer,
            subject=identity.subject,
            linked_by=how,
            created_at=now,
            last_used_at=now,
        )
    )


def _touch(session: Session, user: User, linked: UserIdentity, now: datetime) -> None:
    session.execute(
        sa.update(UserIdentity)
        .where(col(UserIdentity.id) == linked.id)
        .values(last_used_at=now)
        .execution_options(synchronize_session=False)
    )
    _set_last_login(session, user, now)


def _set_last_login(session: Session, user: User, now: datetime) -> None:
    # Sign-in bookkeeping, not an edit: it must not move the version an If-Match names.
    session.execute(
        sa.update(User)
        .where(col(User.id) == user.id)
        .values(last_login_at=now)
        .execution_options(synchronize_session=False)
    )
    session.expire(user, ["last_login_at"])
