"""Customer figures, computed in one grouped query for many customers."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from tortoise.functions import Count, Max, Min, Sum

from oms.orders.models import Order

# What has been paid. Payments arrive with the payments domain; until an
# order's payment is captured it adds nothing to lifetime value.
PAID_STATUSES = ("CAPTURED", "PARTIALLY_REFUNDED")


async def stats(customer_ids: list[int]) -> list[dict[str, Any]]:
    counted = await (Order.filter(customer_id__in=customer_ids).exclude(status="CANCELLED")
                     .annotate(n=Count("id"), first=Min("placed_at"), last=Max("placed_at"))
                     .group_by("customer_id").values("customer_id", "n", "first", "last"))
    paid = await (Order.filter(customer_id__in=customer_ids, payment_status__in=PAID_STATUSES)
                  .exclude(status="CANCELLED")
                  .annotate(total=Sum("total")).group_by("customer_id")
                  .values("customer_id", "total"))
    by_id = {r["customer_id"]: r for r in counted}
    paid_by_id = {r["customer_id"]: Decimal(str(r["total"] or 0)) for r in paid}
    out = []
    for cid in customer_ids:
        r = by_id.get(cid, {})
        n = int(r.get("n") or 0)
        ltv = paid_by_id.get(cid, Decimal("0")).quantize(Decimal("0.01"))
        out.append({"orders_count": n, "first_order_at": r.get("first"),
                    "last_order_at": r.get("last"), "lifetime_value": ltv,
                    "average_order_value": (ltv / n).quantize(Decimal("0.01")) if n else None})
    return out
