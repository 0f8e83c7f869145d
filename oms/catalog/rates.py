"""Exchange rates to the shop's base currency (OMS_BASE_CURRENCY).

An admin sets what one unit of a currency is worth in the base currency
(`currencyRateSet`); placement copies the channel currency's rate onto the
order (order.fx_rate), so an order keeps the rate of the day it was placed
whatever the rate does later, and customers' figures convert with it
(oms.customers.figures). The base currency's rate is 1 by definition and has
no row. Placing an order in another currency without a rate is refused
(CURRENCY_RATE_MISSING): figures in a made-up rate would be wrong silently.
"""
from __future__ import annotations

from decimal import Decimal, InvalidOperation

from tortoise.exceptions import IntegrityError

from oms.core import validation as v
from oms.core.clock import now
from oms.core.errors import DomainError, ErrorCode, Invalid
from oms.core.uow import unit_of_work

from .models import CurrencyRate

ONE = Decimal(1)
# order.fx_rate and currency_rate.rate_to_base are DECIMAL(18, 8).
RATE_PLACES = 8
RATE_INTEGER_DIGITS = 10


class CurrencyRateMissing(DomainError):
    code = ErrorCode.CURRENCY_RATE_MISSING


def base_currency() -> str:
    from oms.customers.service import base_currency as base

    return base()


def fx_rate(currency: str, rate_to_base: Decimal | None) -> Decimal:
    """The rate an order in `currency` is placed at: 1 in the base currency,
    else the rate set for it (`rate_to_base`, None when none is set)."""
    if currency == base_currency():
        return ONE
    if rate_to_base is None:
        raise CurrencyRateMissing(
            f"no exchange rate from {currency} to the base currency {base_currency()}: "
            "an admin sets it with currencyRateSet", field="channel")
    return Decimal(str(rate_to_base))


async def rate_to_base(currency: str) -> Decimal | None:
    """The rate set for `currency`, if any (no query for the base currency)."""
    if currency == base_currency():
        return ONE
    found = await CurrencyRate.filter(currency=currency).values_list("rate_to_base", flat=True)
    return Decimal(str(found[0])) if found else None


def _rate(value: object) -> Decimal:
    try:
        rate = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise Invalid("rateToBase must be a decimal number", field="rateToBase") from None
    if not rate.is_finite() or rate <= 0:
        raise Invalid("rateToBase must be greater than 0", field="rateToBase")
    exponent = rate.normalize().as_tuple().exponent
    if isinstance(exponent, int) and -exponent > RATE_PLACES:
        raise Invalid(f"rateToBase has at most {RATE_PLACES} decimal places",
                      field="rateToBase")
    if rate >= Decimal(10) ** RATE_INTEGER_DIGITS:
        raise Invalid(f"rateToBase must be below 10^{RATE_INTEGER_DIGITS}", field="rateToBase")
    return rate.quantize(Decimal(1).scaleb(-RATE_PLACES))


async def set_rate(*, currency: str, rate_to_base: object, actor: str | None = None
                   ) -> CurrencyRate:
    """Set (or replace) the rate of `currency` to the base currency. Orders
    already placed keep theirs."""
    currency = v.currency(currency)
    rate = _rate(rate_to_base)
    if currency == base_currency():
        raise Invalid(f"{currency} is the base currency: its rate is always 1",
                      field="currency")
    at = now()
    changes = {"rate_to_base": rate, "updated_at": at, "updated_by": actor}
    # Update first: the row usually exists. Two admins creating it at once:
    # the loser's insert fails and it updates the winner's row instead.
    if not await CurrencyRate.filter(currency=currency).update(**changes):
        try:
            async with unit_of_work():
                await CurrencyRate.create(currency=currency, **changes)
        except IntegrityError:
            await CurrencyRate.filter(currency=currency).update(**changes)
    return await CurrencyRate.get(currency=currency)


async def rates() -> list[CurrencyRate]:
    return await CurrencyRate.all().order_by("currency")
