"""Server processes for end-to-end tests (see harness.py)."""
from __future__ import annotations

import pytest

from tests import backends

from .harness import ServerGroup


@pytest.fixture
async def server_group():
    group = ServerGroup()
    try:
        yield group
    finally:
        await group.close()


@pytest.fixture
async def server(server_group):
    """One `oms serve` on a fresh database."""
    (s,) = await server_group.start(1)
    return s


@pytest.fixture
async def server_pair(server_group):
    """Two processes on one PostgreSQL database and Redis stream; on SQLite
    (one file, in-process events) the same single process twice, so the
    tests keep their shape."""
    if backends.IS_PG:
        first, second = await server_group.start(2)
        return first, second
    (only,) = await server_group.start(1)
    return only, only
