"""The hand-off's operations. Resolvers only translate."""
from __future__ import annotations

import strawberry

from oms.catalog.graphql.schema import LocationPayload
from oms.catalog.graphql.types import LocationType
from oms.catalog.models import Location
from oms.core import ids
from oms.core.keyset import MAX_ID
from oms.graphql.context import OPERATORS, READERS, SETUP, Info, require
from oms.graphql.errors import GqlCode, UserError, attempt, gql_error
from oms.graphql.pagination import PageInfo, decode_cursor, encode_cursor, page_size
from oms.handoff import endpoints, queries, service

from .types import (PartnerDeliveryConnection, PartnerDeliveryEdge, PartnerDeliveryStatus,
                    PartnerDeliveryType)


@strawberry.input
class PartnerDeliveryFilter:
    location: str | None = None
    status: list[PartnerDeliveryStatus] | None = None
    shipment_id: strawberry.ID | None = None


@strawberry.type
class PartnerDeliveryPayload:
    partner_delivery: PartnerDeliveryType | None
    user_errors: list[UserError]


def _pk(type_name: str, global_id: str | None) -> int | None:
    # Integer primary keys: a larger number names no row (and PostgreSQL would refuse it).
    pk = ids.decode(type_name, global_id)
    return pk if pk is not None and 0 < pk <= MAX_ID else None


def _delivery_id(id: strawberry.ID) -> int:
    return _pk("PartnerDelivery", id) or 0


async def _filter(f: PartnerDeliveryFilter) -> queries.DeliveryFilter | None:
    """None when the filter can match nothing (an unknown location or id)."""
    location_id = shipment_id = None
    if f.location is not None:
        loc = await Location.get_or_none(code=f.location)
        if loc is None:
            return None
        location_id = loc.id
    if f.shipment_id is not None:
        shipment_id = _pk("Shipment", f.shipment_id)
        if shipment_id is None:
            return None
    return queries.DeliveryFilter(
        location_id=location_id, shipment_id=shipment_id,
        statuses=tuple(s.value for s in f.status) if f.status else None)


@strawberry.type
class HandoffQuery:
    @strawberry.field(description="Messages to 3PLs and drop-ship suppliers, newest first.")
    async def partner_deliveries(self, info: Info, filter: PartnerDeliveryFilter | None = None,
                                 first: int | None = None,
                                 after: str | None = None) -> PartnerDeliveryConnection:
        require(info, *READERS)
        limit = page_size(first)
        cursor = decode_cursor(after)
        before_id = None
        if cursor is not None:
            if len(cursor) != 1 or type(cursor[0]) is not int or not 0 < cursor[0] <= MAX_ID + 1:
                raise gql_error("invalid cursor", GqlCode.BAD_USER_INPUT)
            before_id = cursor[0]
        query = await _filter(filter or PartnerDeliveryFilter())
        rows = ([] if query is None else
                await queries.deliveries_page(query, before_id=before_id, limit=limit + 1))
        edges = [PartnerDeliveryEdge(cursor=encode_cursor([d.id]), node=PartnerDeliveryType(m=d))
                 for d in rows[:limit]]
        return PartnerDeliveryConnection(
            edges=edges, query=query,
            page_info=PageInfo(has_next_page=len(rows) > limit,
                               has_previous_page=after is not None,
                               start_cursor=edges[0].cursor if edges else None,
                               end_cursor=edges[-1].cursor if edges else None))

    @strawberry.field
    async def partner_delivery(self, info: Info, id: strawberry.ID) -> PartnerDeliveryType | None:
        require(info, *READERS)
        pk = _pk("PartnerDelivery", id)
        found = await queries.delivery(pk) if pk else None
        return PartnerDeliveryType(m=found) if found else None


@strawberry.type
class HandoffMutation:
    @strawberry.mutation(description="Where a THIRD_PARTY_LOGISTICS or SUPPLIER location gets "
                                     "its signed fulfilment requests, and the shared secret "
                                     "(16+ characters, write-only) that signs them both ways. "
                                     "A null url clears both; a url without a secret keeps "
                                     "the one set before.")
    async def location_endpoint_set(self, info: Info, location: str, url: str | None = None,
                                    secret: str | None = None) -> LocationPayload:
        require(info, *SETUP)
        loc, errors = await attempt(lambda: endpoints.set_endpoint(
            location=location, url=url, secret=secret))
        return LocationPayload(location=LocationType(m=loc) if loc else None, user_errors=errors)

    @strawberry.mutation(description="Send a RETRYING or FAILED delivery again now (a FAILED "
                                     "one gets one more attempt).")
    async def partner_delivery_retry(self, info: Info,
                                     id: strawberry.ID) -> PartnerDeliveryPayload:
        actor = require(info, *OPERATORS)
        d, errors = await attempt(lambda: service.retry(_delivery_id(id), actor=actor.label))
        return PartnerDeliveryPayload(partner_delivery=PartnerDeliveryType(m=d) if d else None,
                                      user_errors=errors)
