"""The token endpoint's form: the OAuth2 password grant, and the refresh token grant that
stock OAuth2 clients use (RFC 6749 6), on one endpoint (``POST /auth/token``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form

from haven.core.errors import Unprocessable, field_error


class TokenRequestForm:
    """The token endpoint's form (RFC 6749): the password grant (4.3; ``grant_type`` may be
    left out, as before) or, for stock OAuth2 clients, the refresh token grant (6)."""

    def __init__(
        self,
        grant_type: Annotated[str | None, Form(pattern="^(password|refresh_token)$")] = None,
        username: Annotated[str | None, Form()] = None,
        password: Annotated[str | None, Form(json_schema_extra={"format": "password"})] = None,
        refresh_token: Annotated[
            str | None, Form(max_length=256, description="With grant_type=refresh_token.")
        ] = None,
        scope: Annotated[str, Form()] = "",
        client_id: Annotated[str | None, Form()] = None,
        client_secret: Annotated[str | None, Form(json_schema_extra={"format": "password"})] = None,
    ) -> None:
        self.grant_type = grant_type or "password"
        self.username = username
        self.password = password
        self.refresh_token = refresh_token


def required_field(form_field: str, value: str | None) -> str:
    if value is None:
        raise Unprocessable(
            "The request has invalid fields.", errors=[field_error(form_field, "Field required")]
        )
    return value
