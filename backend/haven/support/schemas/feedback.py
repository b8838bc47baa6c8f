"""Anonymous feedback after a request is closed, and its summary, on the wire."""

from __future__ import annotations

from datetime import date

from pydantic import Field

from haven.core.schemas import RequestModel, ResponseModel


class SupportFeedbackCreate(RequestModel):
    helpful: int = Field(ge=1, le=5, description="Was it helpful, 1 (not at all) to 5 (very).")
    comment: str | None = Field(default=None, max_length=1000)


class SupportFeedbackSummary(ResponseModel):
    """Over whole calendar months that have ended, each with at least ``min_answers``
    answers (a month still running, or with fewer answers, is in no summary: figures never
    change once shown, so two looks cannot be subtracted to isolate one answer)."""

    answers: int | None = Field(description="Null when no month qualifies.")
    average_helpful: float | None
    distribution: dict[int, int] | None
    comments: list[str] | None = Field(description="In random order, without dates.")
    min_answers: int
    suppressed: bool
    months: list[date] = Field(
        default_factory=list, description="The months covered (their first days)."
    )
