"""Risk rules: reasons to put a new order ON_HOLD instead of confirming it.

Pure: the caller supplies the facts (including how many orders this email
placed in the last hour, which needs a query) and each channel's policy,
stored as JSON (`policy_to_dict` / `policy_from_dict`). Every rule that
fires is reported, not just the first, so staff see the whole picture when
they review the hold.

Hit details go into order events that many staff can read, so they name the
rule and the limit but never the customer's email or address.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from enum import Enum
from typing import Any, Callable, Iterable, Mapping

from oms.core import validation as v
from oms.core.errors import Invalid
from oms.core.money import to_decimal

ROOT = "riskPolicy"  # field path prefix of every policy error


class RiskCode(str, Enum):
    TOTAL_ABOVE_LIMIT = "TOTAL_ABOVE_LIMIT"
    COUNTRY_OUTSIDE_MARKETS = "COUNTRY_OUTSIDE_MARKETS"
    VELOCITY = "VELOCITY"
    BLOCKED_EMAIL = "BLOCKED_EMAIL"
    BLOCKED_ADDRESS = "BLOCKED_ADDRESS"
    # Not a risk rule: routing found no location for the order (a hold reason).
    NO_LOCATION_CAN_FILL = "NO_LOCATION_CAN_FILL"


@dataclass(frozen=True)
class RiskHit:
    code: RiskCode  # stable: filters, reports and the hold reason use it
    detail: str     # for people, free of personal data


def address_key(line1: str, postal_code: str | None, country: str) -> str:
    """line1 | postal code | country, ignoring case and every space.

    A blocked address comes back typed a little differently ("1 rue  X",
    "75 001"); spaces and case are what changes most without changing the
    place.
    """
    def squash(s: str | None) -> str:
        return re.sub(r"\s+", "", s or "").casefold()
    return "|".join((squash(line1), squash(postal_code), squash(country)))


@dataclass(frozen=True)
class BlockedAddress:
    line1: str
    postal_code: str
    country: str

    @property
    def key(self) -> str:
        return address_key(self.line1, self.postal_code, self.country)


@dataclass(frozen=True)
class RiskPolicy:
    """A channel's risk limits; every one is off unless set.

    max_total applies in the order's currency; max_total_per_currency, where
    it has the order's currency, wins over it (a shop selling in EUR and JPY
    needs two numbers). Velocity counts orders from one email in the hour
    before this one; at most `max_orders_per_email_per_hour` are let through.
    blocked_emails holds whole addresses (ann@example.com, which also blocks
    ann+anything@example.com) and domains (@example.com: that domain exactly,
    not its subdomains). Blocked addresses match on line1, postal code and
    country, ignoring case and spaces. Zero limits are allowed: they hold
    every order, which is how a channel asks for a manual review of everything.
    """
    max_total: Decimal | None = None
    max_total_per_currency: Mapping[str, Decimal] = field(default_factory=dict)
    markets: frozenset[str] = frozenset()  # ISO countries shipped to; empty = everywhere
    max_orders_per_email_per_hour: int | None = None
    blocked_emails: frozenset[str] = frozenset()
    blocked_addresses: tuple[BlockedAddress, ...] = ()

    def __post_init__(self) -> None:
        # Frozen, so normalised values are set the way dataclasses do it.
        put = object.__setattr__
        put(self, "max_total", _limit(self.max_total, [ROOT, "maxTotal"]))
        put(self, "max_total_per_currency", {
            v.currency(str(cur), [ROOT, "maxTotalPerCurrency", str(cur)]):
                _limit(amount, [ROOT, "maxTotalPerCurrency", str(cur)])
            for cur, amount in _mapping(self.max_total_per_currency,
                                        [ROOT, "maxTotalPerCurrency"]).items()})
        put(self, "markets", frozenset(
            v.country(str(c), [ROOT, "markets", str(i)])
            for i, c in enumerate(_items(self.markets, [ROOT, "markets"]))))
        put(self, "max_orders_per_email_per_hour",
            _count(self.max_orders_per_email_per_hour, [ROOT, "maxOrdersPerEmailPerHour"]))
        put(self, "blocked_emails", frozenset(
            _blocked_email(e, [ROOT, "blockedEmails", str(i)])
            for i, e in enumerate(_items(self.blocked_emails, [ROOT, "blockedEmails"]))))
        put(self, "blocked_addresses", tuple(
            _blocked_address(a, [ROOT, "blockedAddresses", str(i)])
            for i, a in enumerate(_items(self.blocked_addresses, [ROOT, "blockedAddresses"]))))

    def total_limit(self, currency: str) -> Decimal | None:
        return self.max_total_per_currency.get(currency, self.max_total)


@dataclass(frozen=True)
class RiskFacts:
    """What the rules look at, gathered by the caller at placement."""
    total: Decimal
    currency: str
    shipping_country: str
    email: str
    shipping_line1: str
    shipping_postal_code: str | None
    orders_from_email_last_hour: int = 0  # placed before this one, not counting it

    @classmethod
    def of(cls, *, total: Decimal, currency: str, email: str, shipping_address: Mapping[str, Any],
           orders_from_email_last_hour: int = 0) -> "RiskFacts":
        """From a shipping address as `oms.core.validation.address` returns it."""
        return cls(total=total, currency=currency, email=email,
                   shipping_country=shipping_address["country"],
                   shipping_line1=shipping_address["line1"],
                   shipping_postal_code=shipping_address.get("postalCode"),
                   orders_from_email_last_hour=orders_from_email_last_hour)


# ---- the rules: one function per code, each returns a detail when it fires

Rule = Callable[[RiskPolicy, RiskFacts], "str | None"]
RULES: dict[RiskCode, Rule] = {}


def rule(code: RiskCode) -> Callable[[Rule], Rule]:
    def register(fn: Rule) -> Rule:
        RULES[code] = fn
        return fn
    return register


@rule(RiskCode.TOTAL_ABOVE_LIMIT)
def _total_above_limit(policy: RiskPolicy, facts: RiskFacts) -> str | None:
    limit = policy.total_limit(facts.currency)
    if limit is not None and facts.total > limit:
        return (f"order total {facts.total} {facts.currency} is above the limit of "
                f"{limit} {facts.currency}")
    return None


@rule(RiskCode.COUNTRY_OUTSIDE_MARKETS)
def _country_outside_markets(policy: RiskPolicy, facts: RiskFacts) -> str | None:
    country = (facts.shipping_country or "").upper()
    if policy.markets and country not in policy.markets:
        return (f"shipping country {country} is outside the channel's markets "
                f"({', '.join(sorted(policy.markets))})")
    return None


@rule(RiskCode.VELOCITY)
def _velocity(policy: RiskPolicy, facts: RiskFacts) -> str | None:
    limit = policy.max_orders_per_email_per_hour
    if limit is not None and facts.orders_from_email_last_hour + 1 > limit:
        return (f"order {facts.orders_from_email_last_hour + 1} from this email within an hour; "
                f"the limit is {limit}")
    return None


@rule(RiskCode.BLOCKED_EMAIL)
def _blocked_email_rule(policy: RiskPolicy, facts: RiskFacts) -> str | None:
    email = _comparable_email(facts.email)
    domain = "@" + email.rpartition("@")[2]
    if email in policy.blocked_emails:
        return "the customer's email is on the blocked list"
    if domain in policy.blocked_emails:
        return f"the customer's email domain {domain} is on the blocked list"
    return None


@rule(RiskCode.BLOCKED_ADDRESS)
def _blocked_address_rule(policy: RiskPolicy, facts: RiskFacts) -> str | None:
    key = address_key(facts.shipping_line1, facts.shipping_postal_code, facts.shipping_country)
    if any(blocked.key == key for blocked in policy.blocked_addresses):
        return "the shipping address is on the blocked list"
    return None


def assess(policy: RiskPolicy, facts: RiskFacts) -> list[RiskHit]:
    """Every rule that fires, in the order of RiskCode. Empty: no reason to hold."""
    hits = []
    for code, check in RULES.items():
        detail = check(policy, facts)
        if detail is not None:
            hits.append(RiskHit(code, detail))
    return hits


# ---- stored form: JSON per channel

_KEYS = ("maxTotal", "maxTotalPerCurrency", "markets", "maxOrdersPerEmailPerHour",
         "blockedEmails", "blockedAddresses")


def policy_to_dict(policy: RiskPolicy) -> dict[str, Any]:
    """JSON-ready: amounts as strings (never floats), sets as sorted lists."""
    return {
        "maxTotal": None if policy.max_total is None else str(policy.max_total),
        "maxTotalPerCurrency": {cur: str(amount) for cur, amount
                                in sorted(policy.max_total_per_currency.items())},
        "markets": sorted(policy.markets),
        "maxOrdersPerEmailPerHour": policy.max_orders_per_email_per_hour,
        "blockedEmails": sorted(policy.blocked_emails),
        "blockedAddresses": [{"line1": a.line1, "postalCode": a.postal_code, "country": a.country}
                             for a in policy.blocked_addresses],
    }


def policy_from_dict(data: Mapping[str, Any] | None) -> RiskPolicy:
    """A policy from its stored form; missing keys are off, unknown keys are refused
    (a misspelt limit would otherwise be silently not enforced)."""
    data = _mapping(data or {}, [ROOT])
    unknown = sorted(set(data) - set(_KEYS))
    if unknown:
        raise Invalid(f"unknown risk policy setting {unknown[0]!r}; allowed: {', '.join(_KEYS)}",
                      field=[ROOT, str(unknown[0])])
    return RiskPolicy(
        max_total=data.get("maxTotal"),
        max_total_per_currency=data.get("maxTotalPerCurrency") or {},
        markets=data.get("markets") or (),
        max_orders_per_email_per_hour=data.get("maxOrdersPerEmailPerHour"),
        blocked_emails=data.get("blockedEmails") or (),
        blocked_addresses=data.get("blockedAddresses") or (),
    )


# ---- checks for the policy's parts

def _limit(value: Any, field: list[str]) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, (bool, float)):  # a float is already a rounded amount
        raise Invalid("limit must be a decimal amount such as \"1000.00\"", field=field)
    try:
        amount = to_decimal(value)
    except ValueError:
        raise Invalid("limit must be a decimal amount such as \"1000.00\"", field=field) from None
    if amount < 0:
        raise Invalid("limit must not be negative", field=field)
    return amount


def _count(value: Any, field: list[str]) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise Invalid("limit must be a whole number, 0 or more", field=field)
    return value


def _comparable_email(email: str) -> str:
    """Lower case, without a +tag: ann+1@x.com is the same mailbox as ann@x.com,
    and adding a tag is the first thing a blocked buyer tries."""
    local, _, domain = (email or "").strip().lower().rpartition("@")
    return f"{local.split('+', 1)[0]}@{domain}"


def _blocked_email(value: Any, field: list[str]) -> str:
    if not isinstance(value, str):
        raise Invalid("a blocked email must be an address or @domain", field=field)
    value = value.strip().lower()
    if value.startswith("@"):
        domain = v.email("x" + value, field).partition("@")[2]
        return "@" + domain
    return _comparable_email(v.email(value, field))


def _blocked_address(value: Any, field: list[str]) -> BlockedAddress:
    if isinstance(value, BlockedAddress):
        value = {"line1": value.line1, "postalCode": value.postal_code, "country": value.country}
    value = _mapping(value, field)
    parts = {}
    for key, required in (("line1", True), ("postalCode", False)):
        raw = value.get(key)
        if raw is not None and not isinstance(raw, str):
            raise Invalid(f"{key} must be text", field=[*field, key])
        try:
            parts[key] = v.text(raw, key, required=required) or ""
        except Invalid as exc:
            raise Invalid(exc.message, field=[*field, key]) from None
    country = v.country(str(value.get("country") or ""), [*field, "country"])
    return BlockedAddress(parts["line1"], parts["postalCode"], country)


def _mapping(value: Any, field: list[str]) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise Invalid("must be an object", field=field)
    return value


def _items(value: Any, field: list[str]) -> Iterable[Any]:
    if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, Iterable):
        raise Invalid("must be a list", field=field)
    return list(value)
