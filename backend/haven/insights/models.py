"""Insights' one table: the weekly releases.

A release is what insights publish about one week, exactly as shown (hidden figures are not
in it at all), written once when the week closes and never changed: every view of that week,
by anyone, at any time, is cut from it. See ``release``.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from haven.core.types import utc_field


class InsightRelease(SQLModel, table=True):
    __tablename__ = "insight_releases"

    week_start: date = Field(primary_key=True)
    released_at: datetime = utc_field()
    min_cell_size: int
    # {"questions": [...], "rows": [...]}: the published figures (see release.publish)
    figures: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)
