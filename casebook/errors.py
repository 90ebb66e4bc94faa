"""The workbench's errors: one root, each refusal saying in Japanese what it is about.

Every error that a user may read derives from `WorkbenchError`; `str(e)` is the Japanese message
to show as it is. `record`, `field` and `row` name what the error is about where that is known
(a case id, a field's key, a row number in an import sheet), so a caller can point at it without
parsing the text. Modules define their own subclasses beside the code that raises them.
"""
from __future__ import annotations


class WorkbenchError(Exception):
    """A refusal the user reads; nothing was changed by the action that raised it."""

    def __init__(self, message: str = "", *, record: str | None = None, field: str | None = None,
                 row: int | None = None):
        super().__init__(message)
        self.record, self.field, self.row = record, field, row

    def about(self) -> str:
        """'事例 X / 項目 Y / 3行目' for whatever is known, or ''."""
        parts = [f"{self.record}" if self.record else "", f"「{self.field}」" if self.field else "",
                 f"{self.row}行目" if self.row is not None else ""]
        return " ".join(p for p in parts if p)


class StoreError(WorkbenchError):
    """A refusal by the store; str(e) is a Japanese message for the user."""


class NotFoundError(StoreError): ...
class DuplicateError(StoreError): ...
class TransitionError(StoreError): ...
class ReadOnlyError(StoreError): ...
class SessionClosedError(StoreError): ...


class PermissionDenied(WorkbenchError):
    """The signed-in user may not do this; the message says why (shown as a page's 403)."""
