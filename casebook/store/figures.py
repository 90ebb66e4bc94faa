"""Ward activity figures (活動状況), one row per ward, fiscal year, theme and figure."""
from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from casebook import vocab
from casebook.model import WardActivity
from casebook.store.records import _THEME_ORDER, _WARD_ORDER
from casebook.store.schema import ACTIVITY


class FiguresMixin:
    def _put_activity(self, conn: Connection, row: WardActivity) -> None:
        self._upsert(conn, ACTIVITY, {"ward": row.ward, "fiscal_year": row.fiscal_year, "theme": row.theme,
                                      "figure": row.figure, "value": row.value, "unit": row.unit})

    def put_activity(self, rows: Iterable[WardActivity]) -> int:
        count = 0
        with self._write() as conn:
            for row in rows:
                self._put_activity(conn, row)
                count += 1
        return count

    def activity(self, *, ward=None, fiscal_year=None, theme=None) -> list[WardActivity]:
        query = sa.select(ACTIVITY)
        if ward is not None:
            query = query.where(ACTIVITY.c.ward == vocab.parse_ward(ward).name)
        if fiscal_year is not None:
            query = query.where(ACTIVITY.c.fiscal_year == vocab.parse_fiscal_year(fiscal_year))
        if theme is not None:
            query = query.where(ACTIVITY.c.theme == vocab.parse_theme(theme))
        with self._read() as conn:
            rows = conn.execute(query).all()
        rows.sort(key=lambda r: (_WARD_ORDER.get(r.ward, 99), r.fiscal_year, _THEME_ORDER.get(r.theme, 99), r.figure))
        return [WardActivity(ward=r.ward, fiscal_year=r.fiscal_year, theme=r.theme, figure=r.figure,
                             value=r.value, unit=r.unit) for r in rows]
