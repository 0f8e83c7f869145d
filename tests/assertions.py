"""Assertions shared by the service tests."""
from __future__ import annotations

from typing import Any, Awaitable, Callable

import pytest

from oms.core.errors import DomainError, ErrorCode


async def refused(code: ErrorCode, field: list[str] | None, call: Awaitable[Any], *,
                  state: Callable[[], Awaitable[Any]]) -> DomainError:
    """`call` fails with this code and field, and `state()` reads the same
    before and after: a refused use case changes nothing."""
    before = await state()
    with pytest.raises(DomainError) as exc:
        await call
    assert exc.value.code is code
    assert exc.value.field == field
    assert await state() == before
    return exc.value
