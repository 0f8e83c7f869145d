from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated

import strawberry

from oms.core import ids
from oms.customers import models, queries
from oms.customers.service import base_currency
from oms.graphql.common import Address, Money
from oms.graphql.context import Info
from oms.graphql.pagination import PageInfo

if TYPE_CHECKING:
    from oms.orders.graphql.types import OrderConnection


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

    # The figures are stored on the row and kept current from the event log
    # (oms.customers.consumer): reading them costs nothing per customer.
    @strawberry.field
    def orders_count(self) -> int:
        return self.m.orders_count

    @strawberry.field(description="Paid net of refunds over orders not cancelled, in the "
                                  "shop's base currency (oms.customers.figures).")
    def lifetime_value(self) -> Money:
        return Money(amount=Decimal(str(self.m.lifetime_value)), currency=base_currency())

    @strawberry.field
    def average_order_value(self) -> Money | None:
        aov = self.m.average_order_value
        return None if aov is None else Money(amount=Decimal(str(aov)), currency=base_currency())

    @strawberry.field
    def first_order_at(self) -> datetime | None:
        return self.m.first_order_at

    @strawberry.field
    def last_order_at(self) -> datetime | None:
        return self.m.last_order_at

    @strawberry.field(description="Two letters: the country of the latest shipping address.")
    def country(self) -> str | None:
        return self.m.country

    @strawberry.field
    def marketing_consent(self) -> bool:
        return self.m.marketing_consent

    @strawberry.field
    async def orders(self, info: Info, first: int | None = None, after: str | None = None
                     ) -> Annotated["OrderConnection", strawberry.lazy("oms.orders.graphql.types")]:
        from oms.orders.graphql.schema import orders_connection
        return await orders_connection(info, customer_id=self.m.id, first=first, after=after)


@strawberry.type
class CustomerEdge:
    cursor: str
    node: CustomerType


@strawberry.type
class CustomerConnection:
    edges: list[CustomerEdge]
    page_info: PageInfo
    query: strawberry.Private[queries.CustomerFilter]

    @strawberry.field(description="Customers matching the filter (costs one count query).")
    async def total_count(self) -> int:
        return await queries.count(self.query)
