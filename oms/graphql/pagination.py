"""Keyset (seek) pagination: cursors carry the sort key and the id, so a page
costs one indexed query however deep it is."""
from __future__ import annotations

import base64
import json
from typing import Any, Awaitable, Callable, Generic, TypeVar

import strawberry

from oms.core.keyset import InvalidCursor

from .errors import GqlCode, gql_error

T = TypeVar("T")
R = TypeVar("R")

MAX_PAGE = 200
DEFAULT_PAGE = 50


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type
class Edge(Generic[T]):
    cursor: str
    node: T


def encode_cursor(values: list[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(values, default=str).encode()).decode()


def decode_cursor(cursor: str | None) -> list[Any] | None:
    if cursor is None:
        return None
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (ValueError, TypeError):
        raise gql_error("invalid cursor", GqlCode.BAD_USER_INPUT) from None
    if not isinstance(values, list):
        raise gql_error("invalid cursor", GqlCode.BAD_USER_INPUT)
    return values


def page_size(first: int | None) -> int:
    if first is None:
        return DEFAULT_PAGE
    if first < 0 or first > MAX_PAGE:
        raise gql_error(f"first must be between 0 and {MAX_PAGE}", GqlCode.BAD_USER_INPUT)
    return first


async def keyset_page(fetch: Callable[..., Awaitable[list[R]]], *, first: int | None,
                      after: str | None, cursor_values: Callable[[R], list[Any]]
                      ) -> tuple[list[tuple[str, R]], PageInfo]:
    """One page of a keyset list: `fetch(after=<cursor values>, limit=n)` reads
    one row more than the page to know whether another page follows. The
    rows with their cursors, and the page's PageInfo."""
    limit = page_size(first)
    try:
        rows = await fetch(after=decode_cursor(after), limit=limit + 1)
    except InvalidCursor:
        raise gql_error("invalid cursor", GqlCode.BAD_USER_INPUT) from None
    has_next = len(rows) > limit
    pairs = [(encode_cursor(cursor_values(row)), row) for row in rows[:limit]]
    return pairs, PageInfo(has_next_page=has_next, has_previous_page=after is not None,
                           start_cursor=pairs[0][0] if pairs else None,
                           end_cursor=pairs[-1][0] if pairs else None)
