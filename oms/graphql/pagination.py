"""Keyset (seek) pagination: cursors carry the sort key and the id, so a page
costs one indexed query however deep it is."""
from __future__ import annotations

import base64
import json
from typing import Any, Generic, TypeVar

import strawberry

from .errors import GqlCode, gql_error

T = TypeVar("T")

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
