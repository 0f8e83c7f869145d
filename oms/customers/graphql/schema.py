"""Customers: one by id or email, and the list. Resolvers translate."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import Enum
from functools import partial

import strawberry

from oms.auth.tokens import Role
from oms.core import ids
from oms.customers import queries
from oms.customers.models import Customer
from oms.graphql.context import READERS, Info, customer_scope, require
from oms.graphql.pagination import keyset_page
from oms.orders.graphql.schema import SortDirection

from .types import CustomerConnection, CustomerEdge, CustomerSegment, CustomerType


@strawberry.enum
class CustomerSortField(Enum):
    LIFETIME_VALUE = "LIFETIME_VALUE"
    ORDERS_COUNT = "ORDERS_COUNT"
    LAST_ORDER_AT = "LAST_ORDER_AT"
    PREDICTED_YEARLY_VALUE = "PREDICTED_YEARLY_VALUE"


@strawberry.input
class CustomerFilterInput:
    search: str | None = strawberry.field(
        default=None, description="Part of the name, email or phone (any case).")
    country: str | None = strawberry.field(
        default=None, description="Two letters: the country of the latest shipping address.")
    min_lifetime_value: Decimal | None = None
    max_lifetime_value: Decimal | None = None
    last_order_before: datetime | None = None
    last_order_after: datetime | None = strawberry.field(
        default=None, description="Last order at or after this time.")
    marketing_consent: bool | None = None
    segment: CustomerSegment | None = strawberry.field(
        default=None, description="In this segment (as last computed).")
    segments: list[CustomerSegment] | None = strawberry.field(
        default=None, description="In any of these segments.")

    def segment_values(self) -> tuple[str, ...] | None:
        if self.segment is None and self.segments is None:
            return None
        chosen = [*([self.segment] if self.segment is not None else []), *(self.segments or [])]
        return tuple(sorted({s.value for s in chosen}))


@strawberry.input
class CustomerOrderBy:
    field: CustomerSortField = CustomerSortField.LIFETIME_VALUE
    direction: SortDirection = SortDirection.DESC


@strawberry.type
class CustomerQuery:
    @strawberry.field
    async def customer(self, info: Info, id: strawberry.ID | None = None,
                       email: str | None = None) -> CustomerType | None:
        actor = require(info, *READERS, Role.CUSTOMER)
        if id is not None:
            pk = ids.decode("Customer", id)
            found = await info.context.loaders.customer.load(pk) if pk else None
        elif email:
            found = await Customer.get_or_none(email=email.strip().lower())
        else:
            found = None
        own = customer_scope(actor)
        if found is None or (own is not None and found.id != own):
            return None
        return CustomerType(m=found)

    @strawberry.field(description="Customers by their stored figures; without orders they "
                                  "come last when ordered by LAST_ORDER_AT.")
    async def customers(self, info: Info, filter: CustomerFilterInput | None = None,
                        order_by: CustomerOrderBy | None = None, first: int | None = None,
                        after: str | None = None) -> CustomerConnection:
        require(info, *READERS)
        f = filter or CustomerFilterInput()
        query = queries.CustomerFilter(
            search=f.search, country=f.country, min_lifetime_value=f.min_lifetime_value,
            max_lifetime_value=f.max_lifetime_value, last_order_before=f.last_order_before,
            last_order_after=f.last_order_after, marketing_consent=f.marketing_consent,
            segments=f.segment_values())
        ob = order_by or CustomerOrderBy()
        sort = ob.field.value
        pairs, page_info = await keyset_page(
            partial(queries.page, query, sort=sort,
                    descending=ob.direction is SortDirection.DESC),
            first=first, after=after, cursor_values=lambda c: queries.cursor_values(c, sort))
        return CustomerConnection(
            edges=[CustomerEdge(cursor=cur, node=CustomerType(m=c)) for cur, c in pairs],
            query=query, page_info=page_info)
