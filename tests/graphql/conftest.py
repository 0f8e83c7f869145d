from __future__ import annotations

import pytest

from .helpers import Gql


@pytest.fixture
async def gql(clean_db):
    """An in-process client on an empty database (no event hub)."""
    return Gql()


@pytest.fixture
async def live_gql(hub):
    """An in-process client whose subscriptions run on the test's event hub."""
    return Gql(hub=hub)
