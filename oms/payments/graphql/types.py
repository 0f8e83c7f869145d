"""GraphQL types of payments and the receivables ledger. Plain fields read
the row; anything across rows goes through a DataLoader."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import strawberry

from oms.core import ids
from oms.graphql.common import Money
from oms.graphql.context import Info
from oms.orders.graphql.types import PaymentStatus
from oms.payments import models
from oms.payments.accounts import Figures


def _money(amount, currency: str) -> Money:
    return Money(amount=Decimal(str(amount)), currency=currency)


@strawberry.type(name="PaymentTransaction")
class PaymentTransactionType:
    m: strawberry.Private[models.PaymentTransaction]
    currency: strawberry.Private[str]

    @strawberry.field(description="AUTHORIZE, CAPTURE, VOID or REFUND.")
    def kind(self) -> str:
        return self.m.kind

    @strawberry.field
    def amount(self) -> Money:
        return _money(self.m.amount, self.currency)

    @strawberry.field(description="PENDING (sent, not answered yet), UNKNOWN (no answer; "
                                  "looked up again later), SUCCEEDED, DECLINED or REJECTED.")
    def status(self) -> str:
        return self.m.status

    @strawberry.field(description="The shipment a capture was for.")
    def shipment_id(self) -> strawberry.ID | None:
        if self.m.shipment_id is None:
            return None
        return strawberry.ID(ids.encode("Shipment", self.m.shipment_id))

    @strawberry.field
    def gateway_reference(self) -> str | None:
        return self.m.gateway_reference

    @strawberry.field(description="Why it was declined or rejected.")
    def error(self) -> str | None:
        return self.m.error

    @strawberry.field(description="A transfer's reference, a refund's reason.")
    def note(self) -> str | None:
        return self.m.note

    @strawberry.field
    def at(self) -> datetime:
        return self.m.created_at

    @strawberry.field
    def completed_at(self) -> datetime | None:
        return self.m.completed_at


@strawberry.type(name="Payment")
class PaymentType:
    m: strawberry.Private[models.Payment]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(ids.encode("Payment", self.m.id))

    @strawberry.field(description="test, manual, ...")
    def gateway(self) -> str:
        return self.m.gateway

    @strawberry.field
    def status(self) -> PaymentStatus:  # type: ignore[valid-type]
        return PaymentStatus(self.m.status)

    @strawberry.field(description="What is to be paid: the order total.")
    def amount(self) -> Money:
        return _money(self.m.amount, self.m.currency)

    @strawberry.field
    def authorized(self) -> Money:
        return _money(self.m.authorized, self.m.currency)

    @strawberry.field
    def captured(self) -> Money:
        return _money(self.m.captured, self.m.currency)

    @strawberry.field
    def refunded(self) -> Money:
        return _money(self.m.refunded, self.m.currency)

    @strawberry.field(description="The authorisation's reference at the gateway.")
    def reference(self) -> str | None:
        return self.m.reference

    @strawberry.field(description="Every gateway call, oldest first.")
    async def transactions(self, info: Info) -> list[PaymentTransactionType]:
        rows = await info.context.loaders.transactions_of_payment.load(self.m.id)
        return [PaymentTransactionType(m=t, currency=self.m.currency) for t in rows]


@strawberry.type(name="ReceivableEntry")
class ReceivableEntryType:
    m: strawberry.Private[models.ReceivableEntry]

    @strawberry.field(description="INVOICE, PAYMENT, CREDIT_NOTE or REFUND.")
    def kind(self) -> str:
        return self.m.kind

    @strawberry.field(description="INV-000001, CN-000001; none for payments and refunds.")
    def number(self) -> str | None:
        return self.m.number

    @strawberry.field
    def amount(self) -> Money:
        return _money(self.m.amount, self.m.currency)

    @strawberry.field
    def reference(self) -> str | None:
        return self.m.reference

    @strawberry.field
    def at(self) -> datetime:
        return self.m.created_at


@strawberry.type(name="Receivables")
class ReceivablesType:
    figures: strawberry.Private[Figures]
    rows: strawberry.Private[list[models.ReceivableEntry]]
    currency: strawberry.Private[str]

    @strawberry.field
    def invoiced(self) -> Money:
        return _money(self.figures.invoiced, self.currency)

    @strawberry.field
    def paid(self) -> Money:
        return _money(self.figures.paid, self.currency)

    @strawberry.field
    def refunded(self) -> Money:
        return _money(self.figures.refunded, self.currency)

    @strawberry.field
    def credited(self) -> Money:
        return _money(self.figures.credited, self.currency)

    @strawberry.field(description="invoiced - credited - (paid - refunded).")
    def outstanding(self) -> Money:
        return _money(self.figures.outstanding, self.currency)

    @strawberry.field(description="Outstanding is exactly zero.")
    def balanced(self) -> bool:
        return self.figures.balanced

    @strawberry.field(description="Oldest first.")
    def entries(self) -> list[ReceivableEntryType]:
        return [ReceivableEntryType(m=e) for e in self.rows]


async def payments_of(info: Info, order_id: int) -> list[PaymentType]:
    return [PaymentType(m=p) for p in await info.context.loaders.payments_of_order.load(order_id)]


async def receivables_of(info: Info, order_id: int, currency: str) -> ReceivablesType:
    figures, rows = await info.context.loaders.receivables_of_order.load(order_id)
    return ReceivablesType(figures=figures, rows=rows, currency=currency)

