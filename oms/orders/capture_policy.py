"""Whether a new order confirms at once or waits for staff. Pure: no I/O.

The answer depends on where the order came from and on its payment, and each
channel may change it per source (a B2B web shop whose customers pay on
invoice confirms web orders without a payment; a shop that trusts its phone
team confirms phone orders with a card payment). So the rules are data: one
default table, and per channel a mapping of source -> rule that replaces the
default for that source. Stored as JSON on the channel, read back with
`parse_overrides`, which refuses what it does not know.
"""
from __future__ import annotations

from enum import Enum
from types import MappingProxyType
from typing import Any, Mapping

from oms.core.errors import Invalid

from .sources import OrderSource


class CaptureDecision(str, Enum):
    """What placement does with the order."""
    AUTO_CONFIRM = "AUTO_CONFIRM"  # CONFIRMED at once, routed to fulfilment
    AWAIT_STAFF = "AWAIT_STAFF"    # stays PENDING until staff confirm it


class CaptureRule(str, Enum):
    """A cell of the policy table: how a source's orders are decided."""
    AUTO_CONFIRM = "AUTO_CONFIRM"
    # Only money in hand (an authorised or captured payment) is trusted
    # enough to skip a human; anything else waits for staff.
    AUTO_CONFIRM_IF_AUTHORIZED = "AUTO_CONFIRM_IF_AUTHORIZED"
    AWAIT_STAFF = "AWAIT_STAFF"


S, R = OrderSource, CaptureRule

DEFAULT_RULES: Mapping[OrderSource, CaptureRule] = MappingProxyType({
    S.WEB: R.AUTO_CONFIRM_IF_AUTHORIZED,
    S.SOCIAL: R.AUTO_CONFIRM_IF_AUTHORIZED,
    S.API: R.AUTO_CONFIRM_IF_AUTHORIZED,
    S.MARKETPLACE: R.AUTO_CONFIRM_IF_AUTHORIZED,
    S.STORE: R.AUTO_CONFIRM_IF_AUTHORIZED,
    # Taken down by a person from a call or a mail: another person checks
    # the lines, the address and the payment arrangement before it ships.
    S.PHONE: R.AWAIT_STAFF,
    S.EMAIL: R.AWAIT_STAFF,
    # Imported orders were accepted in the system they come from.
    S.IMPORT: R.AUTO_CONFIRM,
})

# The marketplace collects the money before it passes the order on, and a
# store order is paid at the till: our own payment record for them may be
# empty, so they count as authorised whatever the caller says.
PAID_AT_SOURCE: frozenset[OrderSource] = frozenset({S.MARKETPLACE, S.STORE})


def parse_overrides(raw: Mapping[str, Any] | None,
                    field: str = "captureOverrides") -> dict[OrderSource, CaptureRule]:
    """A channel's overrides, checked: source -> rule, as enums.

    Refuses an unknown source or rule with INVALID naming the allowed values,
    so that a typo in a channel's settings fails when it is saved, not when
    an order quietly waits (or quietly confirms) later.
    """
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise Invalid(f"{field} must be an object of source: rule", field=field)
    parsed: dict[OrderSource, CaptureRule] = {}
    for key, value in raw.items():
        source = _member(OrderSource, key, [field, str(key)], "order source")
        parsed[source] = _member(CaptureRule, value, [field, str(key)], "capture rule")
    return parsed


def overrides_to_dict(overrides: Mapping[OrderSource, CaptureRule]) -> dict[str, str]:
    """JSON-ready form of `parse_overrides`' result (its inverse)."""
    return {OrderSource(s).value: CaptureRule(r).value for s, r in overrides.items()}


def rule_for(source: OrderSource | str,
             overrides: Mapping[Any, Any] | None = None) -> CaptureRule:
    """The rule that applies to `source` on a channel with these overrides."""
    source = _member(OrderSource, source, ["source"], "order source")
    return parse_overrides(overrides).get(source, DEFAULT_RULES[source])


def decide(source: OrderSource | str, *, payment_authorized: bool,
           overrides: Mapping[Any, Any] | None = None) -> CaptureDecision:
    """AUTO_CONFIRM or AWAIT_STAFF for a new order.

    `payment_authorized`: the order's payment is AUTHORIZED or CAPTURED.
    `overrides`: the channel's source -> rule mapping (raw or parsed).
    """
    source = _member(OrderSource, source, ["source"], "order source")
    rule = rule_for(source, overrides)
    if rule is R.AUTO_CONFIRM:
        return CaptureDecision.AUTO_CONFIRM
    if rule is R.AUTO_CONFIRM_IF_AUTHORIZED and (payment_authorized or source in PAID_AT_SOURCE):
        return CaptureDecision.AUTO_CONFIRM
    return CaptureDecision.AWAIT_STAFF


def _member(enum: type[Enum], value: Any, field: list[str], what: str):
    try:
        return enum(value)
    except ValueError:
        allowed = ", ".join(m.value for m in enum)
        raise Invalid(f"unknown {what} {value!r}; allowed: {allowed}", field=field) from None
