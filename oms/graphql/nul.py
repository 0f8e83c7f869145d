"""Text with a NUL character (U+0000) is refused before anything runs.

PostgreSQL cannot store it in text columns (the statement fails, which would
reach the client as a masked internal error) and SQLite stores it, so the
two back ends would disagree. No SKU, name, reason or address needs one. The
check covers variables and literals in the document (raw or as a \\u0000
escape).
"""
from __future__ import annotations

from typing import Any, Iterator

from strawberry.extensions import SchemaExtension

from .errors import GqlCode, gql_error

MESSAGE = "text must not contain NUL (U+0000) characters"


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return any(_has_nul(v) for v in value)
    return False


class RefuseNul(SchemaExtension):
    def on_validate(self) -> Iterator[None]:
        # Before the yield, and listed after ValidationCache (which fills in
        # the cached validation result there): the errors set here are the
        # ones strawberry checks when validation ends.
        ec = self.execution_context
        if not ec.pre_execution_errors:
            query = ec.query or ""
            if "\x00" in query or "\\u0000" in query or _has_nul(ec.variables):
                ec.pre_execution_errors = [gql_error(MESSAGE, GqlCode.BAD_USER_INPUT)]
        yield
