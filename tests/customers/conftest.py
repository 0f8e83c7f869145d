"""Customer tests: fresh payment gateways per test (as in tests/payments),
so captures and refunds go through the real payment services."""
from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _gateways(fresh_gateways):
    """Every test here gets fresh gateways (tests/conftest.py)."""


@pytest.fixture
async def gql(clean_db):
    """An in-process GraphQL client on an empty database."""
    from tests.graphql.helpers import Gql

    return Gql()
