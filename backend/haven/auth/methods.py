"""Which sign-in methods this Haven offers: passwords (unless ``HAVEN_PASSWORD_SIGN_IN=false``)
and single sign-on (when ``HAVEN_OIDC_ISSUER`` is set), for the sign-in page and the token
endpoint; and the start-up check of the single sign-on settings that core cannot make.

Decision: with passwords off, the password grant is refused (403 ``password-sign-in-off``)
for everyone, administrators too; ``haven create-user`` and the database stay the operator's
way in. Refresh tokens keep working either way: they are sessions, not passwords.
"""

from __future__ import annotations

from haven.auth.identities import check_role_map
from haven.auth.oidc import display_name
from haven.auth.schemas import SignInMethods, SsoMethod
from haven.core.errors import Forbidden
from haven.core.settings import Settings, get_settings

SSO_START_PATH = "/api/v1/auth/oidc/start"


class PasswordSignInOff(Forbidden):
    type, title = "password-sign-in-off", "Password sign-in is switched off"

    def __init__(self) -> None:
        super().__init__(f"Sign in with {display_name()} instead.")


def sign_in_methods() -> SignInMethods:
    settings = get_settings()
    sso = (
        SsoMethod(name=display_name(), start_url=SSO_START_PATH) if settings.oidc.enabled else None
    )
    return SignInMethods(password=settings.password_sign_in, sso=sso)


def require_password_sign_in() -> None:
    if not get_settings().password_sign_in:
        raise PasswordSignInOff()


def check_sign_in_settings(settings: Settings) -> None:
    """Refuse to start with a role map naming roles Haven lacks, or roles one group may not
    hold together (the rest of ``HAVEN_OIDC_*`` is checked by the settings themselves)."""
    check_role_map(settings.oidc)
