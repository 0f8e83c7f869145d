"""GraphQL type of a customer notification."""
from __future__ import annotations

from datetime import datetime

import strawberry

from oms.auth.tokens import Role
from oms.graphql.context import OPERATORS, Info, require
from oms.notifications import models


@strawberry.type(name="Notification")
class NotificationType:
    m: strawberry.Private[models.Notification]

    @strawberry.field(description="RECEIPT, SHIPPED or DELIVERED.")
    def kind(self) -> str:
        return self.m.kind

    @strawberry.field(description="EMAIL.")
    def channel(self) -> str:
        return self.m.channel

    @strawberry.field
    def recipient(self) -> str | None:
        return self.m.recipient

    @strawberry.field
    def subject(self) -> str:
        return self.m.subject

    @strawberry.field
    def body(self) -> str:
        return self.m.body

    @strawberry.field(description="RECORDED (no SMTP configured), PENDING, SENT or FAILED "
                                  "(retried later).")
    def status(self) -> str:
        return self.m.status

    @strawberry.field
    def attempts(self) -> int:
        return self.m.attempts

    @strawberry.field
    def sent_at(self) -> datetime | None:
        return self.m.sent_at

    @strawberry.field
    def created_at(self) -> datetime:
        return self.m.created_at


async def notifications_of(info: Info, order_id: int) -> list[NotificationType]:
    # What was written to the customer: staff and the customer (whose order
    # this already is, or it would not be visible), not analysts.
    require(info, *OPERATORS, Role.CUSTOMER)
    return [NotificationType(m=n)
            for n in await info.context.loaders.notifications_of_order.load(order_id)]
