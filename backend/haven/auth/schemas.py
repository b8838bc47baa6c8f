"""Wire models and enums of the auth domain."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from pydantic import EmailStr, Field

from haven.core.schemas import RequestModel, ResponseModel


class Role(StrEnum):
    staff = "staff"
    peer_supporter = "peer_supporter"
    support_coordinator = "support_coordinator"
    safety_officer = "safety_officer"
    department_lead = "department_lead"
    admin = "admin"
    auditor = "auditor"


ALL_ROLES: tuple[Role, ...] = tuple(Role)


class Profession(StrEnum):
    nurse = "nurse"
    physician = "physician"
    pharmacist = "pharmacist"
    allied_health = "allied_health"
    support_staff = "support_staff"
    other = "other"


class Scope(StrEnum):
    """What a service account's API key may do."""

    reports_write = "reports:write"
    reports_read = "reports:read"
    staffing_write = "staffing:write"
    fhir_read = "fhir:read"
    # SCIM 2.0 provisioning (/api/v1/scim/v2): reads and changes people and their groups.
    scim = "scim"


class TokenResponse(ResponseModel):
    access_token: str
    token_type: str = Field(default="bearer")
    expires_in: int = Field(description="Lifetime of the access token in seconds.")
    refresh_token: str | None = Field(
        default=None,
        description="Opaque refresh token, for clients that are not browsers. A browser's "
        "request (one that sends `Origin` or `Sec-Fetch-Site`) never gets it here: it is set "
        "as an HttpOnly, SameSite=Strict cookie that scripts cannot read.",
    )


class SsoMethod(ResponseModel):
    name: str = Field(description='The provider\'s name, for a button "Sign in with <name>".')
    start_url: str = Field(
        description="Navigate the browser here (a top-level GET) to sign in through the "
        "provider; add `?return_to=/path` to land on that page of the web client afterwards."
    )


class SignInMethods(ResponseModel):
    """How people sign in to this Haven (for the sign-in page)."""

    password: bool = Field(description="Email and password (`POST /auth/token`) are on.")
    sso: SsoMethod | None = Field(
        description="Single sign-on through the organisation's OpenID Connect provider; null "
        "when not configured."
    )


class RefreshRequest(RequestModel):
    refresh_token: str | None = Field(
        default=None, max_length=256, description="Omit to use the refresh cookie."
    )


class UserRead(ResponseModel):
    id: uuid.UUID
    email: str
    display_name: str
    roles: list[Role]
    department_id: uuid.UUID | None
    profession: Profession
    is_active: bool
    version: int
    created_at: datetime
    last_login_at: datetime | None


class UserCreate(RequestModel):
    email: EmailStr = Field(max_length=254)
    display_name: str = Field(min_length=1, max_length=120)
    roles: list[Role] = Field(min_length=1, max_length=len(Role))
    department_id: uuid.UUID | None = None
    profession: Profession
    password: str | None = Field(
        default=None,
        min_length=12,
        max_length=128,
        description="Omit to have a password generated and returned once.",
    )


class RoleGrantStatus(StrEnum):
    pending = "pending"
    confirmed = "confirmed"
    rejected = "rejected"
    cancelled = "cancelled"
    expired = "expired"


class RoleGrantRead(ResponseModel):
    """Privileged roles one administrator proposed for a person, which take effect only when
    a second administrator confirms them."""

    id: uuid.UUID
    user_id: uuid.UUID
    user_display_name: str
    roles: list[Role] = Field(description="The privileged roles the grant adds.")
    department_id: uuid.UUID | None = Field(
        description="For a department lead: the department they would lead (the person's "
        "department when proposed; confirming fails if it has changed since)."
    )
    status: RoleGrantStatus
    proposed_by_id: uuid.UUID | None = Field(
        description="The administrator who proposed it; null when single sign-on did, at the "
        "person's first sign-in, from their directory groups (any other administrator confirms)."
    )
    proposed_by_name: str
    created_at: datetime
    expires_at: datetime = Field(description="A grant still pending then expires.")
    decided_by_id: uuid.UUID | None
    decided_at: datetime | None
    version: int


class UserCreated(UserRead):
    initial_password: str | None = Field(
        default=None, description="The generated password, shown this once; null if one was given."
    )
    pending_grant: RoleGrantRead | None = Field(
        default=None,
        description="Privileged roles asked for that wait for a second administrator "
        "(not in `roles` until confirmed); null when every role applied at once.",
    )


class UserUpdated(UserRead):
    pending_grant: RoleGrantRead | None = Field(
        default=None,
        description="Privileged roles this change asked for that wait for a second "
        "administrator (not in `roles` until confirmed); null when everything applied at once.",
    )


class UserUpdate(RequestModel):
    email: EmailStr | None = Field(default=None, max_length=254)
    display_name: str | None = Field(default=None, min_length=1, max_length=120)
    roles: list[Role] | None = Field(default=None, min_length=1, max_length=len(Role))
    department_id: uuid.UUID | None = None
    profession: Profession | None = None
    is_active: bool | None = None


class ApiKeyStatus(StrEnum):
    """Where a key stands in the two-person rule: only ``active`` keys authenticate."""

    pending = "pending"
    active = "active"
    rejected = "rejected"
    cancelled = "cancelled"
    expired = "expired"


class ApiKeyRead(ResponseModel):
    id: uuid.UUID
    name: str
    scopes: list[Scope]
    prefix: str
    status: ApiKeyStatus = Field(
        description="`pending`: a key with a scope that reads content (`reports:read`, "
        "`fhir:read`) or manages people (`scim`) does not work until another administrator "
        "confirms it; `active`: it "
        "works (unless revoked); `rejected`, `cancelled`, `expired`: it never will."
    )
    created_by_id: uuid.UUID | None = Field(
        description="The administrator who created the key: the only one shown its secret."
    )
    created_by_name: str
    created_at: datetime
    expires_at: datetime | None = Field(
        description="A pending key not confirmed by then expires; null once decided, and for "
        "keys that never waited."
    )
    decided_by_id: uuid.UUID | None = Field(
        description="The administrator who confirmed or rejected it (the creator, when they "
        "cancelled it; null when it expired or never waited)."
    )
    decided_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None
    version: int


class ApiKeyCreate(RequestModel):
    name: str = Field(min_length=1, max_length=120)
    scopes: list[Scope] = Field(min_length=1, max_length=len(Scope))


class ApiKeyCreated(ApiKeyRead):
    secret: str = Field(
        description="The whole key, shown this once, to the administrator who created it. Send "
        "it as a Bearer token. A `pending` key is refused (401) until another administrator "
        "confirms it; the secret does not change then."
    )
