"""Return queries: one return, the returns list, a channel's policy."""
from __future__ import annotations

from functools import partial

import strawberry

from oms.auth.tokens import Role
from oms.catalog.models import Channel
from oms.core import ids
from oms.graphql.context import READERS, Info, customer_scope, require
from oms.graphql.pagination import PageInfo, keyset_page
from oms.returns import queries
from oms.returns.queries import ReturnFilter

from .inputs import ReturnFilterInput
from .types import ReturnPolicyType, ReturnType


@strawberry.type
class ReturnEdge:
    cursor: str
    node: ReturnType


@strawberry.type
class ReturnConnection:
    edges: list[ReturnEdge]
    page_info: PageInfo
    query: strawberry.Private[ReturnFilter]

    @strawberry.field(description="Returns matching the filter (costs one count query).")
    async def total_count(self) -> int:
        return await queries.count(self.query)


async def visible_return(info: Info, pk: int | None) -> ReturnType | None:
    """The return if it exists and the caller may see it; a foreign one
    looks exactly like a missing one."""
    actor = require(info, *READERS, Role.CUSTOMER)
    ret = await info.context.loaders.return_.load(pk) if pk else None
    if ret is None:
        return None
    own = customer_scope(actor)
    if own is not None:
        order = await info.context.loaders.order.load(ret.order_id)
        if order.customer_id != own:
            return None
    return ReturnType(m=ret)


@strawberry.type
class ReturnQuery:
    @strawberry.field(name="return")
    async def return_(self, info: Info, id: strawberry.ID) -> ReturnType | None:
        return await visible_return(info, ids.decode("Return", id))

    @strawberry.field(description="Returns, newest first; a customer sees their own.")
    async def returns(self, info: Info, filter: ReturnFilterInput | None = None,
                      first: int | None = None, after: str | None = None) -> ReturnConnection:
        actor = require(info, *READERS, Role.CUSTOMER)
        f = filter or ReturnFilterInput()
        query = ReturnFilter(
            statuses=[s.value for s in f.status] if f.status else None,
            order_id=(ids.decode("Order", f.order_id) or -1) if f.order_id is not None else None,
            channel=f.channel, customer_id=customer_scope(actor))
        pairs, page_info = await keyset_page(partial(queries.page, query), first=first,
                                             after=after, cursor_values=queries.cursor_values)
        return ReturnConnection(edges=[ReturnEdge(cursor=c, node=ReturnType(m=r))
                                       for c, r in pairs], page_info=page_info, query=query)

    @strawberry.field(description="A channel's return policy in force (the defaults when it "
                                  "has none of its own); null for an unknown channel.")
    async def return_policy(self, info: Info, channel: str) -> ReturnPolicyType | None:
        require(info, *READERS, Role.CUSTOMER)
        ch = await Channel.get_or_none(code=channel)
        if ch is None:
            return None
        return ReturnPolicyType(p=await queries.policy_of_channel(ch.id), currency=ch.currency)
