"""Two simultaneous requests for the last returnable unit: one wins, the
other is refused with QUANTITY_EXCEEDS_RETURNABLE. On PostgreSQL the
requests interleave inside the database (the order row lock makes the
second read what the first wrote); on SQLite they are serialised and this
passes trivially, which is also the right answer there."""
from __future__ import annotations

import asyncio

from oms.core.errors import DomainError, ErrorCode
from oms.returns import service
from oms.returns.models import Return, ReturnLine

from .support import request

ROUNDS = 10


async def test_the_last_returnable_unit_is_returned_once(delivered):
    d = delivered
    for _ in range(ROUNDS):
        await Return.all().update(status="REJECTED")  # free the units for the next round
        results = await asyncio.gather(*[request(d, ("SKU-A", 2)) for _ in range(2)],
                                       return_exceptions=True)
        won = [r for r in results if isinstance(r, Return)]
        lost = [r for r in results if isinstance(r, DomainError)]
        assert (len(won), len(lost)) == (1, 1), results
        assert lost[0].code is ErrorCode.QUANTITY_EXCEEDS_RETURNABLE
    assert await Return.filter(status="REQUESTED").count() == 1
    assert await Return.all().count() == ROUNDS
    assert sorted(await Return.all().values_list("number", flat=True)) == sorted(
        f"WEB-000001-R{n}" for n in range(1, ROUNDS + 1))


async def test_many_requests_never_return_more_than_delivered(delivered):
    d = delivered
    results = await asyncio.gather(*[request(d, ("SKU-A", 1)) for _ in range(8)],
                                   return_exceptions=True)
    assert sorted(type(r).__name__ for r in results) == (
        ["QuantityExceedsReturnable"] * 6 + ["Return"] * 2)
    assert sum(await ReturnLine.all().values_list("quantity", flat=True)) == 2
    await service.approve_return((await Return.all().order_by("id").first()).id)
