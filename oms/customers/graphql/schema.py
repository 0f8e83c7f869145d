from __future__ import annotations

import strawberry

from oms.auth.tokens import Role
from oms.core import ids
from oms.customers.models import Customer
from oms.graphql.context import READERS, Info, customer_scope, require

from .types import CustomerType


@strawberry.type
class CustomerQuery:
    @strawberry.field
    async def customer(self, info: Info, id: strawberry.ID | None = None,
                       email: str | None = None) -> CustomerType | None:
        actor = require(info, *READERS, Role.CUSTOMER)
        if id is not None:
            pk = ids.decode("Customer", id)
            found = await info.context.loaders.customer.load(pk) if pk else None
        elif email:
            found = await Customer.get_or_none(email=email.strip().lower())
        else:
            found = None
        own = customer_scope(actor)
        if found is None or (own is not None and found.id != own):
            return None
        return CustomerType(m=found)
