"""A channel's order-capture settings over GraphQL: read by staff, changed by
admins (setup). Resolvers translate; oms.orders.channel_settings decides."""
from __future__ import annotations

from decimal import Decimal

import strawberry

from oms.catalog.graphql.types import ChannelType
from oms.catalog.models import ShippingMethod
from oms.core.errors import Invalid
from oms.graphql.context import OPERATORS, SETUP, Info, require
from oms.graphql.errors import UserError, attempt
from oms.orders import capture, capture_policy, channel_settings

from .types import OrderSourceEnum

CaptureRuleEnum = strawberry.enum(capture_policy.CaptureRule, name="CaptureRule")


@strawberry.type
class CurrencyLimit:
    currency: str
    amount: Decimal


@strawberry.type
class BlockedAddress:
    line1: str
    postal_code: str | None
    country: str


@strawberry.type
class RiskPolicy:
    max_total: Decimal | None
    max_total_per_currency: list[CurrencyLimit]
    markets: list[str] = strawberry.field(description="Countries shipped to; empty: everywhere.")
    max_orders_per_email_per_hour: int | None
    blocked_emails: list[str]
    blocked_addresses: list[BlockedAddress]


@strawberry.type
class CaptureRuleOverride:
    source: OrderSourceEnum  # type: ignore[valid-type]
    rule: CaptureRuleEnum  # type: ignore[valid-type]


@strawberry.type(name="ShippingMethod")
class ShippingMethodType:
    code: str
    name: str
    service_days: int = strawberry.field(description="Business days in transit.")
    handling_days: int = strawberry.field(description="Business days to pick and pack.")
    cutoff: str = strawberry.field(description="HH:MM local time: orders placed before it "
                                               "ship the same business day.")
    timezone: str


@strawberry.type
class ChannelSettings:
    channel: ChannelType
    risk_policy: RiskPolicy
    capture_rules: list[CaptureRuleOverride] = strawberry.field(
        description="Per-source rules replacing the defaults (phone and email orders wait "
                    "for staff; web, social, API, marketplace and store orders confirm with an "
                    "authorised payment; imports confirm).")
    reservation_ttl_minutes: int | None = strawberry.field(
        description="How long an unconfirmed order holds stock; null: the default (2880), "
                    "0: never lapses.")
    shipping_methods: list[ShippingMethodType]


@strawberry.input
class CurrencyLimitInput:
    currency: str
    amount: Decimal


@strawberry.input
class BlockedAddressInput:
    line1: str
    postal_code: str | None = None
    country: str


@strawberry.input
class RiskPolicyInput:
    max_total: Decimal | None = None
    max_total_per_currency: list[CurrencyLimitInput] | None = None
    markets: list[str] | None = None
    max_orders_per_email_per_hour: int | None = None
    blocked_emails: list[str] | None = None
    blocked_addresses: list[BlockedAddressInput] | None = None


@strawberry.input
class CaptureRuleInput:
    source: OrderSourceEnum  # type: ignore[valid-type]
    rule: CaptureRuleEnum  # type: ignore[valid-type]


@strawberry.input
class ShippingMethodInput:
    code: str
    name: str
    service_days: int
    handling_days: int = 0
    cutoff: str = "14:00"
    timezone: str = "UTC"


@strawberry.input
class ChannelSettingsInput:
    """Only what is given changes; a given null clears the setting."""

    risk_policy: RiskPolicyInput | None = strawberry.UNSET
    capture_rules: list[CaptureRuleInput] | None = strawberry.UNSET
    reservation_ttl_minutes: int | None = strawberry.UNSET
    shipping_methods: list[ShippingMethodInput] | None = strawberry.field(
        default=strawberry.UNSET, description="Replaces the channel's methods; the first is "
                                              "the default for orders that name none.")


@strawberry.type
class ChannelSettingsPayload:
    settings: ChannelSettings | None
    user_errors: list[UserError]


async def _settings(channel_m) -> ChannelSettings:
    parsed = capture.channel_capture(risk_policy=channel_m.risk_policy,
                                     capture_overrides=channel_m.capture_overrides,
                                     reservation_ttl_minutes=None)
    p = parsed.risk
    methods = await ShippingMethod.filter(channel_id=channel_m.id).order_by("id")
    return ChannelSettings(
        channel=ChannelType(m=channel_m),
        risk_policy=RiskPolicy(
            max_total=p.max_total,
            max_total_per_currency=[CurrencyLimit(currency=c, amount=a)
                                    for c, a in sorted(p.max_total_per_currency.items())],
            markets=sorted(p.markets), max_orders_per_email_per_hour=p.max_orders_per_email_per_hour,
            blocked_emails=sorted(p.blocked_emails),
            blocked_addresses=[BlockedAddress(line1=a.line1, postal_code=a.postal_code or None,
                                              country=a.country) for a in p.blocked_addresses]),
        capture_rules=[CaptureRuleOverride(source=OrderSourceEnum(s.value),
                                           rule=CaptureRuleEnum(r.value))
                       for s, r in sorted(parsed.overrides.items(), key=lambda kv: kv[0].value)],
        reservation_ttl_minutes=channel_m.reservation_ttl_minutes,
        shipping_methods=[ShippingMethodType(code=m.code, name=m.name,
                                             service_days=m.service_days,
                                             handling_days=m.handling_days, cutoff=m.cutoff,
                                             timezone=m.timezone) for m in methods])


def _risk_dict(p: RiskPolicyInput | None) -> dict | None:
    if p is None:
        return None
    return {"maxTotal": p.max_total,
            "maxTotalPerCurrency": {c.currency: c.amount for c in p.max_total_per_currency or []},
            "markets": p.markets or [],
            "maxOrdersPerEmailPerHour": p.max_orders_per_email_per_hour,
            "blockedEmails": p.blocked_emails or [],
            "blockedAddresses": [{"line1": a.line1, "postalCode": a.postal_code,
                                  "country": a.country} for a in p.blocked_addresses or []]}


def _given(value):
    return value is not strawberry.UNSET


@strawberry.type
class ChannelSettingsQuery:
    @strawberry.field(description="A channel's order-capture settings.")
    async def channel_settings(self, info: Info, channel: str) -> ChannelSettings | None:
        require(info, *OPERATORS)
        ch = await info.context.loaders.channel_by_code.load(channel)
        return await _settings(ch) if ch else None


@strawberry.type
class ChannelSettingsMutation:
    @strawberry.mutation(description="Change a channel's risk policy, capture rules, "
                                     "reservation lifetime and shipping methods (admin).")
    async def channel_settings_update(self, info: Info, channel: str,
                                      input: ChannelSettingsInput) -> ChannelSettingsPayload:
        require(info, *SETUP)
        changes: dict = {}
        if _given(input.risk_policy):
            changes["risk_policy"] = _risk_dict(input.risk_policy)
        if _given(input.capture_rules):
            rules = input.capture_rules or []
            sources = [r.source.value for r in rules]
            if len(set(sources)) != len(sources):
                return ChannelSettingsPayload(settings=None, user_errors=[UserError.of(
                    Invalid("each source may have one rule", field="captureRules"))])
            changes["capture_overrides"] = {r.source.value: r.rule.value for r in rules}
        if _given(input.reservation_ttl_minutes):
            changes["reservation_ttl_minutes"] = input.reservation_ttl_minutes
        if _given(input.shipping_methods):
            changes["shipping_methods"] = [
                channel_settings.MethodInput(code=m.code, name=m.name,
                                             service_days=m.service_days,
                                             handling_days=m.handling_days, cutoff=m.cutoff,
                                             timezone=m.timezone)
                for m in input.shipping_methods or []]
        updated, errors = await attempt(lambda: channel_settings.update(channel, **changes))
        if errors:
            return ChannelSettingsPayload(settings=None, user_errors=errors)
        return ChannelSettingsPayload(settings=await _settings(updated), user_errors=[])

