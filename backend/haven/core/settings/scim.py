"""Provisioning settings (``HAVEN_SCIM_*``): which of the directory's groups grant which of
Haven's roles (configuration, not code; applied by :mod:`haven.auth.directory_groups`).

Role names are checked against Haven's roles when the app starts
(:func:`haven.auth.service.check_directory_settings`), since core does not know the roles.
"""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class ScimSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HAVEN_SCIM_", extra="ignore")

    # JSON object {group: [roles]}: a member of a directory group whose externalId (else
    # whose displayName) is a key here holds those roles. Nothing else grants a role through
    # SCIM: no default, and no group named like a role grants anything by itself. Privileged
    # roles become grants a second administrator confirms.
    group_roles: dict[str, list[str]] = Field(default_factory=dict, max_length=500)
    # JSON list: the roles a person the SCIM client creates holds from the start (groups add
    # more). Privileged roles are refused here: they come through a group and a second
    # administrator. Empty: nobody may do anything until a group gives them a role.
    new_user_roles: list[str] = Field(default_factory=lambda: ["staff"], max_length=2)
