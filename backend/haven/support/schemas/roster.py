"""The supporter roster on the wire: supporters, their on-call windows and availability."""

from __future__ import annotations

import uuid
from datetime import date

from pydantic import EmailStr, Field, model_validator

from haven.auth.schemas import Profession
from haven.core.schemas import RequestModel, ResponseModel
from haven.support.schemas.enums import _LANGUAGE

_HHMM = r"^([01]\d|2[0-3]):[0-5]\d$"


class OnCallWindow(RequestModel):
    weekday: int = Field(ge=0, le=6, description="Monday 0 … Sunday 6.")
    start: str = Field(pattern=_HHMM, description="HH:MM, organisation time zone.")
    end: str = Field(
        pattern=_HHMM, description="HH:MM; at or before the start, the window runs past midnight."
    )


class OnCallWindowRead(ResponseModel):
    weekday: int
    start: str
    end: str


class SupporterCreate(RequestModel):
    user_id: uuid.UUID | None = Field(default=None, description="The person, by id …")
    email: EmailStr | None = Field(default=None, max_length=254, description="… or by email.")
    training_completed_on: date | None = None
    training_expires_on: date | None = None
    professions: list[Profession] = Field(
        default_factory=list, max_length=6, description="Empty: the person's own profession."
    )
    languages: list[str] = Field(
        default_factory=list, max_length=10, description="BCP 47 tags, e.g. en, pl, fr-CA."
    )
    capacity: int = Field(default=3, ge=1, le=50, description="Most open requests at once.")
    is_active: bool = True
    on_call: list[OnCallWindow] = Field(default_factory=list, max_length=42)

    @model_validator(mode="after")
    def _languages(self) -> SupporterCreate:
        if (self.user_id is None) == (self.email is None):
            raise ValueError("name the person by user_id or by email (one of them)")
        _check_languages(self.languages)
        return self


class SupporterUpdate(RequestModel):
    training_completed_on: date | None = None
    training_expires_on: date | None = None
    professions: list[Profession] | None = Field(default=None, max_length=6)
    languages: list[str] | None = Field(default=None, max_length=10)
    capacity: int | None = Field(default=None, ge=1, le=50)
    is_active: bool | None = None
    is_paused: bool | None = None
    on_call: list[OnCallWindow] | None = Field(default=None, max_length=42)

    @model_validator(mode="after")
    def _languages(self) -> SupporterUpdate:
        _check_languages(self.languages or [])
        return self


def _check_languages(languages: list[str]) -> None:
    import re

    for tag in languages:
        if len(tag) > 35 or not re.match(_LANGUAGE, tag):
            raise ValueError("languages must be BCP 47 tags such as en or fr-CA")


class SupporterRead(ResponseModel):
    id: uuid.UUID
    user_id: uuid.UUID
    display_name: str
    department_id: uuid.UUID | None
    training_completed_on: date | None
    training_expires_on: date | None
    professions: list[Profession]
    languages: list[str]
    capacity: int
    is_active: bool
    is_paused: bool
    on_call: list[OnCallWindowRead]
    open_caseload: int
    version: int


class AvailabilityRead(ResponseModel):
    supporter_id: uuid.UUID
    on_call: list[OnCallWindowRead]
    is_paused: bool
    is_on_call_now: bool
    time_zone: str
    version: int


class AvailabilityUpdate(RequestModel):
    on_call: list[OnCallWindow] = Field(max_length=42)
    is_paused: bool
