"""Exchange rates to the base currency (oms.catalog.rates). Resolvers translate."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import strawberry

from oms.catalog import models, rates
from oms.graphql.context import READERS, SETUP, Info, require
from oms.graphql.errors import UserError, attempt


@strawberry.type(name="CurrencyRate")
class CurrencyRateType:
    m: strawberry.Private[models.CurrencyRate]

    @strawberry.field(description="ISO 4217.")
    def currency(self) -> str:
        return self.m.currency

    @strawberry.field(description="What one unit of `currency` is worth in `baseCurrency`; "
                                  "orders keep the rate of their placement.")
    def rate_to_base(self) -> Decimal:
        return Decimal(str(self.m.rate_to_base))

    @strawberry.field(description="The shop's currency (OMS_BASE_CURRENCY).")
    def base_currency(self) -> str:
        return rates.base_currency()

    @strawberry.field
    def updated_at(self) -> datetime:
        return self.m.updated_at

    @strawberry.field(description="Who set it (an actor label such as admin:alice).")
    def updated_by(self) -> str | None:
        return self.m.updated_by


@strawberry.type
class CurrencyRatePayload:
    currency_rate: CurrencyRateType | None
    user_errors: list[UserError]


@strawberry.type
class CurrencyRateQuery:
    @strawberry.field(description="Every rate set, by currency. The base currency has none "
                                  "(its rate is 1).")
    async def currency_rates(self, info: Info) -> list[CurrencyRateType]:
        require(info, *READERS)
        return [CurrencyRateType(m=r) for r in await rates.rates()]


@strawberry.type
class CurrencyRateMutation:
    @strawberry.mutation(description="Set the rate of a currency to the base currency; "
                                      "orders placed from now on in it use this rate.")
    async def currency_rate_set(self, info: Info, currency: str,
                                rate_to_base: Decimal) -> CurrencyRatePayload:
        actor = require(info, *SETUP)
        row, errors = await attempt(lambda: rates.set_rate(
            currency=currency, rate_to_base=rate_to_base, actor=actor.label))
        return CurrencyRatePayload(currency_rate=CurrencyRateType(m=row) if row else None,
                                   user_errors=errors)
