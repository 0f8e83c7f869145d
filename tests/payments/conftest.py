"""Payments tests: fresh gateway instances per test (their book, the
stand-in for the remote processor, is in tables clean_db empties), lookups
after a timeout without waiting, and receivable numbers counted from 1 again."""
from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _gateways(fresh_gateways):
    """Every test here gets fresh gateways (tests/conftest.py)."""


@pytest.fixture
async def ar_numbers(clean_db):
    """Invoice and credit-note numbers start again at 000001."""
    from tortoise import connections

    await connections.get("default").execute_script("DELETE FROM receivable_sequence")


@pytest.fixture
async def pay_shop(shop, ar_numbers):
    """The default factories shop, with fresh receivable numbers."""
