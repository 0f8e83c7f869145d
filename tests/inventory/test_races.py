"""Stock control under concurrency, over the connection pool. On PostgreSQL
the requests interleave inside the database; on SQLite they are serialised
and these pass trivially, which is also the right answer there."""
from __future__ import annotations

import asyncio

import pytest

from oms.core.errors import Invalid, OutOfStock
from oms.inventory import levels, service as inventory
from oms.inventory.models import InboundExpectation, StockLevel, StockMovement

from tests import factories

ROUNDS = 5


async def _assert_ledger_chains() -> None:
    """Per level, in id order, each row starts where the one before it ended,
    and the deltas add up to the level: the before/after figures taken from
    UPDATE ... RETURNING are exact however the writers interleaved."""
    for lvl in await StockLevel.all():
        rows = await StockMovement.filter(product_id=lvl.product_id,
                                          location_id=lvl.location_id).order_by("id")
        for q in levels.QUANTITIES:
            assert sum(getattr(r, f"{q}_delta") for r in rows) == getattr(lvl, q)
            figures = [(getattr(r, f"{q}_before"), getattr(r, f"{q}_after")) for r in rows]
            assert figures[0][0] == 0
            for (_, end), (start, _) in zip(figures, figures[1:]):
                assert start == end, (q, figures)


@pytest.mark.parametrize("round_", range(ROUNDS))
async def test_receipts_racing_for_one_expectation_never_take_more_than_it_holds(clean_db,
                                                                                 round_):
    await factories.shop(stock={})
    await inventory.expect(sku="SKU-A", location="WH1", quantity=10, reference="PO-1")
    await inventory.expect(sku="SKU-A", location="WH1", quantity=3, reference="PO-2")
    await asyncio.gather(*[inventory.receive(sku="SKU-A", location="WH1", quantity=3,
                                             reference="PO-1") for _ in range(6)])
    level = await StockLevel.get(location__code="WH1")
    # Three receipts of 3 and one of the last 1 (+2 more) close PO-1; the
    # last two come under a closed reference: nothing expected them.
    assert (level.on_hand, level.incoming) == (18, 3)
    assert await InboundExpectation.all().order_by("id").values_list(
        "reference", "expected", "received", "remaining") == [("PO-1", 10, 12, 0),
                                                              ("PO-2", 3, 0, 3)]
    await _assert_ledger_chains()


@pytest.mark.parametrize("round_", range(ROUNDS))
async def test_expectations_racing_on_one_reference_add_up(clean_db, round_):
    await factories.shop(stock={})
    await asyncio.gather(*[inventory.expect(sku="SKU-A", location="WH2", quantity=2,
                                            reference="PO-1") for _ in range(8)])
    level = await StockLevel.get(location__code="WH2")
    assert level.incoming == 16
    assert await InboundExpectation.all().values_list("expected", "remaining") == [(16, 16)]
    await _assert_ledger_chains()


@pytest.mark.parametrize("round_", range(ROUNDS))
async def test_damage_racing_with_transfers_never_goes_past_available(clean_db, round_):
    await factories.shop(stock={("SKU-A", "WH1"): 10})
    results = await asyncio.gather(
        *[inventory.damage(sku="SKU-A", location="WH1", quantity=1, reason="dent")
          for _ in range(8)],
        *[inventory.transfer(sku="SKU-A", from_location="WH1", to_location="WH2", quantity=1)
          for _ in range(4)],
        return_exceptions=True)
    damaged = [r for r in results[:8] if not isinstance(r, Exception)]
    moved = [r for r in results[8:] if not isinstance(r, Exception)]
    for r in results[:8]:
        assert not isinstance(r, Exception) or type(r) is Invalid, repr(r)
    for r in results[8:]:
        assert not isinstance(r, Exception) or type(r) is OutOfStock, repr(r)
    # Twelve requests for ten units: exactly ten are given, never more.
    assert len(damaged) + len(moved) == 10
    wh1 = await StockLevel.get(location__code="WH1")
    assert (wh1.on_hand, wh1.damaged, wh1.reserved) == (10 - len(moved), len(damaged), 0)
    await _assert_ledger_chains()


@pytest.mark.parametrize("round_", range(ROUNDS))
async def test_a_count_racing_with_damage_is_applied_whole_before_or_after_it(clean_db, round_):
    await factories.shop(stock={("SKU-A", "WH1"): 10})
    await asyncio.gather(
        inventory.count(sku="SKU-A", location="WH1", counted=7),
        *[inventory.damage(sku="SKU-A", location="WH1", quantity=1, reason="dent")
          for _ in range(3)])
    wh1 = await StockLevel.get(location__code="WH1")
    assert (wh1.on_hand, wh1.damaged) == (7, 3)
    (count,) = await StockMovement.filter(kind="COUNT")
    assert (count.on_hand_before, count.on_hand_after, count.on_hand_delta) == (10, 7, -3)
    await _assert_ledger_chains()
