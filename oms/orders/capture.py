"""What placement does with a new order once it is priced and its stock is
found: confirm it, leave it for staff, hold it for risk, or record it as
fulfilled elsewhere; and when it must ship, arrive, be routed and lapse.
Pure: no I/O. Both placement paths (oms.orders.service) call `decide` with
what they read, so the rules are the same on every database.

Every status the order passes through is a step of the order transition
table, and each step is its own event: an auto-confirmed order records
None -> PENDING and then PENDING -> CONFIRMED, so its history says what the
system decided and why.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any, Iterable, Mapping

from oms.core.errors import Invalid

from . import capture_policy, lifecycle, promises, risk
from .lifecycle import OrderAction, OrderStatus

CAPTURE_ACTOR = "system:capture"
DEFAULT_RESERVATION_TTL = timedelta(hours=48)


@dataclass(frozen=True)
class ChannelCapture:
    """A channel's capture settings, parsed and checked."""

    risk: risk.RiskPolicy = field(default_factory=risk.RiskPolicy)
    overrides: Mapping[Any, Any] = field(default_factory=dict)
    reservation_ttl: timedelta | None = DEFAULT_RESERVATION_TTL
    # In the channel's order (the first is the default when an order names none).
    shipping_methods: tuple[promises.ShippingMethod, ...] = ()

    @property
    def needs_velocity(self) -> bool:
        """Whether placement must count the email's orders of the last hour."""
        return self.risk.max_orders_per_email_per_hour is not None

    def method(self, code: str | None) -> promises.ShippingMethod | None:
        """The method an order ships by; None when the channel defines none."""
        if not self.shipping_methods:
            return None
        if code is None:
            return self.shipping_methods[0]
        for m in self.shipping_methods:
            if m.code == code:
                return m
        offered = ", ".join(m.code for m in self.shipping_methods)
        raise Invalid(f"unknown shipping method {code}; this channel offers {offered}",
                      field="shippingMethod")


def method_from_row(code: str, name: str, service_days: int, handling_days: int, cutoff: str,
                    timezone: str) -> promises.ShippingMethod:
    hour, minute = (int(part) for part in cutoff.split(":"))
    return promises.ShippingMethod(code=code, name=name, service_days=service_days,
                                   handling_days=handling_days, cutoff=time(hour, minute),
                                   timezone=timezone)


def channel_capture(*, risk_policy: Mapping[str, Any] | None,
                    capture_overrides: Mapping[str, Any] | None,
                    reservation_ttl_minutes: int | None,
                    methods: Iterable[promises.ShippingMethod] = (),
                    default_ttl: timedelta | None = DEFAULT_RESERVATION_TTL) -> ChannelCapture:
    """From the channel's stored columns (checked again: they were checked
    when saved, and a bad value must fail loudly rather than skip a rule).
    A ttl of 0 minutes means unconfirmed orders never lapse."""
    ttl = default_ttl
    if reservation_ttl_minutes is not None:
        ttl = timedelta(minutes=reservation_ttl_minutes) if reservation_ttl_minutes else None
    return ChannelCapture(risk=risk.policy_from_dict(risk_policy),
                          overrides=capture_policy.parse_overrides(capture_overrides),
                          reservation_ttl=ttl, shipping_methods=tuple(methods))


@dataclass(frozen=True)
class Step:
    """One status change placement records after the order's creation."""

    from_status: OrderStatus
    to_status: OrderStatus
    message: str


@dataclass(frozen=True)
class Outcome:
    status: OrderStatus
    steps: tuple[Step, ...]
    held_from: str | None = None
    hold_reasons: list[str] | None = None
    ship_by: datetime | None = None
    promised_delivery: datetime | None = None
    route_after: datetime | None = None
    expires_at: datetime | None = None
    reserve: bool = True      # take stock now (not for orders fulfilled elsewhere)
    route_now: bool = False   # CONFIRMED and due: make its shipments at once


def decide(settings: ChannelCapture, *, source: str, payment_authorized: bool,
           facts: risk.RiskFacts, placed_at: datetime, shipping_method: str | None,
           window_earliest: datetime | None = None, window_latest: datetime | None = None,
           ship_after: datetime | None = None,
           fulfilled_elsewhere: bool = False) -> Outcome:
    if fulfilled_elsewhere:
        # Shipped and paid in another system: history, not work. No risk
        # check (the money is in), no promise, no stock taken here.
        done = lifecycle.next_status(OrderStatus.PENDING, OrderAction.RECORD_FULFILLED)
        return Outcome(status=done, reserve=False, steps=(
            Step(OrderStatus.PENDING, done, "imported as fulfilled elsewhere"),))

    method = settings.method(shipping_method)
    promise = None
    if method is not None:
        promise = promises.promise(method, placed_at, window_earliest=window_earliest,
                                   window_latest=window_latest, ship_after=ship_after)
    route_after = promise.route_after if promise else ship_after
    dates = dict(ship_by=promise.ship_by if promise else None,
                 promised_delivery=promise.promised_delivery if promise else None)
    expires_at = placed_at + settings.reservation_ttl if settings.reservation_ttl else None

    decision = capture_policy.decide(source, payment_authorized=payment_authorized,
                                     overrides=settings.overrides)
    would_be = (OrderStatus.CONFIRMED if decision is capture_policy.CaptureDecision.AUTO_CONFIRM
                else OrderStatus.PENDING)
    hits = risk.assess(settings.risk, facts)
    if hits:
        held = lifecycle.next_status(OrderStatus.PENDING, OrderAction.HOLD)
        codes = [h.code.value for h in hits]
        return Outcome(status=held, held_from=would_be.value, hold_reasons=codes,
                       expires_at=expires_at, route_after=route_after, **dates,
                       steps=(Step(OrderStatus.PENDING, held, "risk: " + "; ".join(
                           f"{h.code.value} ({h.detail})" for h in hits)),))
    if would_be is OrderStatus.CONFIRMED:
        confirmed = lifecycle.next_status(OrderStatus.PENDING, OrderAction.CONFIRM)
        # Routed at once when due; route_after is still set (to now) so that
        # if routing fails after the order is written, the sweeper routes it.
        return Outcome(status=confirmed, route_after=route_after or placed_at, **dates,
                       route_now=promises.is_due(route_after, placed_at),
                       steps=(Step(OrderStatus.PENDING, confirmed,
                                   f"confirmed at capture ({source} order, rule "
                                   f"{capture_policy.rule_for(source, settings.overrides).value})"),))
    return Outcome(status=OrderStatus.PENDING, steps=(), route_after=route_after,
                   expires_at=expires_at, **dates)
