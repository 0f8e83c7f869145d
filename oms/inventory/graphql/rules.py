"""Channel allocation rules and the availability feed in GraphQL."""
from __future__ import annotations

from datetime import datetime

import strawberry

from oms.catalog.graphql.types import ChannelType
from oms.catalog.models import Channel
from oms.core.errors import NotFound
from oms.graphql.context import OPERATORS, READERS, Info, require
from oms.graphql.errors import GqlCode, UserError, attempt, gql_error
from oms.inventory import feed, models, rules

FeedFormat = strawberry.enum(feed.FeedFormat, name="FeedFormat",
                             description="How an availability feed is written.")


@strawberry.type(name="ChannelAllocationRule",
                 description="What a channel may sell of a SKU (or, with no sku, of every SKU "
                             "without a rule of its own): at most capQuantity units or "
                             "capPercent % (rounded down) of the pool of its locations, less "
                             "buffer units kept back.")
class ChannelAllocationRuleType:
    m: strawberry.Private[models.ChannelAllocationRule]

    @strawberry.field
    async def channel(self, info: Info) -> ChannelType:
        return ChannelType(m=await info.context.loaders.channel.load(self.m.channel_id))

    @strawberry.field(description="The SKU the rule is for; null: the channel-wide rule.")
    async def sku(self, info: Info) -> str | None:
        if self.m.product_id is None:
            return None
        return (await info.context.loaders.product.load(self.m.product_id)).sku

    @strawberry.field
    def cap_quantity(self) -> int | None:
        return self.m.cap_quantity

    @strawberry.field
    def cap_percent(self) -> int | None:
        return self.m.cap_percent

    @strawberry.field
    def buffer(self) -> int:
        return self.m.buffer

    @strawberry.field(description="Who set the rule last.")
    def actor(self) -> str | None:
        return self.m.actor

    @strawberry.field
    def updated_at(self) -> datetime:
        return self.m.updated_at


@strawberry.type
class ChannelAllocationRulePayload:
    rule: ChannelAllocationRuleType | None
    user_errors: list[UserError]


async def _payload(call) -> ChannelAllocationRulePayload:
    result, errors = await attempt(call)
    if errors:
        return ChannelAllocationRulePayload(rule=None, user_errors=errors)
    return ChannelAllocationRulePayload(rule=ChannelAllocationRuleType(m=result), user_errors=[])


@strawberry.type(name="AvailabilityFeed",
                 description="Every SKU with what the channel may sell, as one text: CSV "
                             "(header sku,available,reserved,pooled) or JSON ({channel, format, "
                             "generatedAt, items: [{sku, available, reserved, pooled}], count}).")
class AvailabilityFeedType:
    channel: ChannelType
    format: FeedFormat
    generated_at: datetime
    count: int = strawberry.field(description="SKUs in the feed.")
    content: str = strawberry.field(description="The whole feed, as CSV or JSON text.")


async def _channel(info: Info, code: str) -> Channel:
    ch = await info.context.loaders.channel_by_code.load(code)
    if ch is None:
        raise gql_error(f"unknown channel {code}", GqlCode.BAD_USER_INPUT)
    return ch


@strawberry.type
class AllocationRuleQuery:
    @strawberry.field(description="A channel's allocation rules: the channel-wide one first, "
                                  "then by SKU.")
    async def channel_allocation_rules(self, info: Info,
                                       channel: str) -> list[ChannelAllocationRuleType]:
        require(info, *READERS)
        ch = await _channel(info, channel)
        found = await models.ChannelAllocationRule.filter(channel_id=ch.id)
        products = await info.context.loaders.product.load_many(
            [r.product_id for r in found if r.product_id is not None])
        sku_of = {p.id: p.sku for p in products if p is not None}
        found.sort(key=lambda r: (r.product_id is not None, sku_of.get(r.product_id, "")))
        return [ChannelAllocationRuleType(m=r) for r in found]

    @strawberry.field(description="The channel's availability feed for a marketplace: every "
                                  "SKU, its allocation rule applied.")
    async def availability_feed(self, info: Info, channel: str,
                                format: FeedFormat | None = feed.FeedFormat.JSON
                                ) -> AvailabilityFeedType:
        require(info, *READERS)
        ch = await _channel(info, channel)
        try:
            built = await feed.build_feed(channel=ch.code, format=format or feed.FeedFormat.JSON)
        except NotFound as exc:  # removed since the lookup
            raise gql_error(exc.message, GqlCode.BAD_USER_INPUT) from None
        return AvailabilityFeedType(channel=ChannelType(m=ch), format=built.format,
                                    generated_at=built.generated_at, count=built.count,
                                    content=built.content)


@strawberry.type
class AllocationRuleMutation:
    @strawberry.mutation(description="Set what a channel may sell of a SKU (no sku: of every "
                                     "SKU without a rule of its own). Replaces the whole rule: "
                                     "a value left out is cleared. At most one of capQuantity "
                                     "and capPercent (0-100); buffer defaults to 0.")
    async def channel_allocation_rule_set(self, info: Info, channel: str,
                                          sku: str | None = None,
                                          cap_quantity: int | None = None,
                                          cap_percent: int | None = None,
                                          buffer: int | None = None
                                          ) -> ChannelAllocationRulePayload:
        actor = require(info, *OPERATORS)
        return await _payload(lambda: rules.set_allocation_rule(
            channel=channel, sku=sku, cap_quantity=cap_quantity, cap_percent=cap_percent,
            buffer=buffer, actor=actor.label))

    @strawberry.mutation(description="Remove a channel's rule for a SKU (it falls back to the "
                                     "channel-wide rule) or, with no sku, the channel-wide "
                                     "rule. Returns the rule as it was.")
    async def channel_allocation_rule_remove(self, info: Info, channel: str,
                                             sku: str | None = None
                                             ) -> ChannelAllocationRulePayload:
        actor = require(info, *OPERATORS)
        return await _payload(lambda: rules.remove_allocation_rule(
            channel=channel, sku=sku, actor=actor.label))
