"""Reads the order path makes on every placement, one query each, and
channel codes by id."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from oms.core import sql
from oms.core.uow import current_connection

from .models import Channel


@dataclass(frozen=True)
class SalesChannel:
    id: int
    code: str
    currency: str
    location_ids: tuple[int, ...]  # in priority order


@dataclass(frozen=True)
class PricedProduct:
    product_id: int
    sku: str
    price: Decimal | None  # None: not sold in this channel


async def sales_channel(code: str) -> SalesChannel | None:
    rows = await sql.fetch(
        current_connection(),
        "SELECT c.id, c.currency, cl.location_id FROM channel c"
        " LEFT JOIN channel_location cl ON cl.channel_id = c.id"
        " WHERE c.code = ? ORDER BY cl.priority", [code])
    if not rows:
        return None
    return SalesChannel(id=rows[0]["id"], code=code, currency=rows[0]["currency"],
                        location_ids=tuple(r["location_id"] for r in rows
                                           if r["location_id"] is not None))


async def priced_products(channel_id: int, skus: list[str]) -> dict[str, PricedProduct]:
    """The known SKUs among `skus`, with their price in the channel if any."""
    rows = await sql.fetch(
        current_connection(),
        "SELECT p.id, p.sku, pp.amount FROM product p"
        " LEFT JOIN product_price pp ON pp.product_id = p.id AND pp.channel_id = ?"
        f" WHERE p.sku IN ({', '.join('?' * len(skus))})", [channel_id, *skus])
    return {r["sku"]: PricedProduct(product_id=r["id"], sku=r["sku"],
                                    price=None if r["amount"] is None
                                    else Decimal(str(r["amount"])))
            for r in rows}


async def channel_codes(channel_ids: set[int]) -> dict[int, str]:
    """id -> code of these channels; one query."""
    return {c.id: c.code for c in await Channel.filter(id__in=channel_ids)}
