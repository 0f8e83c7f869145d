from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated

import strawberry

from oms.core import ids
from oms.customers import models, queries, segments
from oms.customers.service import base_currency
from oms.graphql.common import Address, Money
from oms.graphql.context import READERS, Info, require
from oms.graphql.pagination import PageInfo

if TYPE_CHECKING:
    from oms.orders.graphql.types import OrderConnection

    from .timeline import CustomerTimelineConnection


CustomerSegment = strawberry.enum(segments.Segment, name="CustomerSegment",
                                  description="RFM segments (oms.customers.segments); PROSPECT: "
                                              "no orders.")


@strawberry.type
class Rfm:
    recency: int = strawberry.field(description="1-5: days since the last order, by "
                                                "quintile (5: most recent).")
    frequency: int = strawberry.field(description="1-5: ordersCount, by quintile.")
    monetary: int = strawberry.field(description="1-5: lifetimeValue, by quintile.")


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

    # ---- the record (oms.customers.record, timeline, privacy)

    @strawberry.field(description="When marketingConsent last changed (proof of consent).")
    def consent_updated_at(self) -> datetime | None:
        return self.m.consent_updated_at

    @strawberry.field(description="Who last changed marketingConsent (an actor such as "
                                  "staff:alice). Staff roles only.")
    def consent_source(self, info: Info) -> str | None:
        require(info, *READERS)
        return self.m.consent_source

    @strawberry.field(description="Lower-case, unique, sorted. Staff roles only.")
    def tags(self, info: Info) -> list[str]:
        require(info, *READERS)
        return list(self.m.tags or [])

    @strawberry.field(description="When the customer's personal data was erased.")
    def erased_at(self) -> datetime | None:
        return self.m.erased_at

    @strawberry.field(description="What happened to the customer, newest first. Staff roles "
                                  "only.")
    async def timeline(self, info: Info, first: int | None = None, after: str | None = None
                       ) -> Annotated["CustomerTimelineConnection",
                                      strawberry.lazy("oms.customers.graphql.timeline")]:
        from .timeline import timeline_connection
        return await timeline_connection(info, self.m.id, first=first, after=after)

    # ---- segments (oms.customers.segments): staff roles only

    @strawberry.field(description="The RFM segment as last computed (null: not computed yet). "
                                  "Staff roles only.")
    def segment(self, info: Info) -> CustomerSegment | None:
        require(info, *READERS)
        return None if self.m.segment is None else segments.Segment(self.m.segment)

    @strawberry.field(description="RFM scores (null without orders). Staff roles only.")
    def rfm(self, info: Info) -> Rfm | None:
        require(info, *READERS)
        if self.m.rfm_recency is None:
            return None
        return Rfm(recency=self.m.rfm_recency, frequency=self.m.rfm_frequency,
                   monetary=self.m.rfm_monetary)

    @strawberry.field(description="What the customer is expected to pay in a year, from their "
                                  "own history, in the base currency (null: not computed yet). "
                                  "Staff roles only.")
    def predicted_yearly_value(self, info: Info) -> Money | None:
        require(info, *READERS)
        if self.m.segment_computed_at is None:
            return None
        return Money(amount=Decimal(str(self.m.predicted_yearly_value)).quantize(Decimal("0.01")),
                     currency=base_currency())

    @strawberry.field(description="When segment, rfm and predictedYearlyValue were computed.")
    def segment_computed_at(self) -> datetime | None:
        return self.m.segment_computed_at

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
