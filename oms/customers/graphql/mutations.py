"""customerUpdate, customerErase and customerExport. Resolvers translate:
the rules are in oms.customers.record, privacy and export."""
from __future__ import annotations

import strawberry
from strawberry.scalars import JSON

from oms.core import ids
from oms.core.errors import NotFound
from oms.customers import export, privacy, record
from oms.graphql.context import OPERATORS, SETUP, Info, require
from oms.graphql.errors import UserError, attempt

from .types import CustomerType


@strawberry.input
class CustomerUpdateInput:
    name: str | None = strawberry.field(
        default=strawberry.UNSET, description="Left out: unchanged; null or blank: cleared.")
    phone: str | None = strawberry.field(
        default=strawberry.UNSET,
        description="Left out: unchanged; null: cleared. Stored in E.164; a national number "
                    "is read in the customer's country.")
    marketing_consent: bool | None = strawberry.field(
        default=strawberry.UNSET,
        description="A change records when and by whom (consentUpdatedAt, consentSource).")
    add_tags: list[str] | None = strawberry.field(
        default=None, description="Trimmed and lower-cased; at most 40 characters each, "
                                  "50 tags per customer.")
    remove_tags: list[str] | None = None


@strawberry.type
class CustomerPayload:
    customer: CustomerType | None
    user_errors: list[UserError]


def _changes(i: CustomerUpdateInput) -> record.CustomerChanges:
    def given(value):
        return record.UNCHANGED if value is strawberry.UNSET else value

    return record.CustomerChanges(
        name=given(i.name), phone=given(i.phone), marketing_consent=given(i.marketing_consent),
        add_tags=list(i.add_tags or []), remove_tags=list(i.remove_tags or []))


def _customer_id(id: strawberry.ID) -> int:
    # An id of another type is as unknown as a missing customer.
    return ids.decode("Customer", id) or 0


async def _payload(call) -> CustomerPayload:
    customer, errors = await attempt(call)
    return CustomerPayload(customer=CustomerType(m=customer) if customer else None,
                           user_errors=errors)


@strawberry.type
class CustomerMutation:
    @strawberry.mutation(description="Staff: a customer's name, phone, marketing consent and "
                                     "tags. Writes a CustomerUpdated event naming the fields.")
    async def customer_update(self, info: Info, id: strawberry.ID,
                              input: CustomerUpdateInput) -> CustomerPayload:
        actor = require(info, *OPERATORS)
        return await _payload(lambda: record.update_customer(
            _customer_id(id), _changes(input), actor=actor.label))

    @strawberry.mutation(description="Admin: erase the customer's personal data (profile, "
                                     "order addresses, messages, documents, event texts); "
                                     "totals, payments and the ledger stay. Idempotent.")
    async def customer_erase(self, info: Info, id: strawberry.ID) -> CustomerPayload:
        actor = require(info, *SETUP)
        return await _payload(lambda: privacy.erase_customer(_customer_id(id),
                                                             actor=actor.label))


@strawberry.type
class CustomerPrivacyQuery:
    @strawberry.field(description="Admin: everything held about the customer, as JSON "
                                  "(profile, consent, tags, addresses, figures, orders with "
                                  "lines, shipments, payments and messages, timeline). "
                                  "Null for an unknown id.")
    async def customer_export(self, info: Info, id: strawberry.ID) -> JSON | None:
        require(info, *SETUP)
        try:
            return await export.export_customer(_customer_id(id))
        except NotFound:
            return None
