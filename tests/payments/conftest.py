"""Payments tests: a fresh in-memory gateway book per test (the stand-in
for the remote processor), lookups after a timeout without waiting, and
receivable numbers counted from 1 again."""
from __future__ import annotations

import pytest

from oms.payments import gateways, operations


@pytest.fixture(autouse=True)
def fresh_gateways(monkeypatch):
    gateways.reset()
    monkeypatch.setattr(operations, "LOOKUP_DELAYS", (0, 0, 0))
    yield
    gateways.reset()


@pytest.fixture
async def ar_numbers(clean_db):
    """Invoice and credit-note numbers start again at 000001."""
    from tortoise import connections

    await connections.get("default").execute_script("DELETE FROM receivable_sequence")


@pytest.fixture
async def pay_shop(shop, ar_numbers):
    """The default factories shop, with fresh receivable numbers."""
