from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from oms.core import ids
from oms.customers import models
from oms.graphql.common import Address, Money
from oms.graphql.context import Info

if TYPE_CHECKING:
    from oms.orders.graphql.types import OrderConnection

BASE_CURRENCY = "EUR"


@strawberry.type(name="Customer")
class CustomerType:
    m: strawberry.Private[models.Customer]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(ids.encode("Customer", self.m.id))

    @strawberry.field
    def email(self) -> str:
        return self.m.email

    @strawberry.field
    def name(self) -> str | None:
        return self.m.name

    @strawberry.field
    def phone(self) -> str | None:
        return self.m.phone

    @strawberry.field
    def addresses(self) -> list[Address]:
        return [a for a in (Address.of(d) for d in self.m.addresses or []) if a]

    async def _stats(self, info: Info) -> dict:
        return await info.context.loaders.customer_stats.load(self.m.id)

    @strawberry.field
    async def orders_count(self, info: Info) -> int:
        return (await self._stats(info))["orders_count"]

    @strawberry.field(description="Paid net of refunds over orders not cancelled.")
    async def lifetime_value(self, info: Info) -> Money:
        return Money(amount=(await self._stats(info))["lifetime_value"], currency=BASE_CURRENCY)

    @strawberry.field
    async def average_order_value(self, info: Info) -> Money | None:
        aov = (await self._stats(info))["average_order_value"]
        return Money(amount=aov, currency=BASE_CURRENCY) if aov is not None else None

    @strawberry.field
    async def first_order_at(self, info: Info) -> datetime | None:
        return (await self._stats(info))["first_order_at"]

    @strawberry.field
    async def last_order_at(self, info: Info) -> datetime | None:
        return (await self._stats(info))["last_order_at"]

    @strawberry.field
    async def orders(self, info: Info, first: int | None = None, after: str | None = None
                     ) -> Annotated["OrderConnection", strawberry.lazy("oms.orders.graphql.types")]:
        from oms.orders.graphql.schema import orders_connection
        return await orders_connection(info, customer_id=self.m.id, first=first, after=after)
