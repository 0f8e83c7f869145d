"""customerErase: the right to erasure. One transaction removes the
customer's personal data from every table that holds it, and keeps what the
shop must keep (order totals, lines, payments, the receivables ledger, the
figures) exactly as it was:

- customer: email becomes a placeholder that is unique and can never be an
  order's email (erased-<id>@erased.invalid: email-validator refuses the
  reserved .invalid domain), name, phone, country cleared, addresses and
  tags emptied, consent withdrawn, erased_at set. A later order with the
  old email makes a NEW customer.
- orders: the shipping address keeps only its country and region (sales by
  country survive), the delivery instructions go.
- notifications: the recipient, the body (it greets by name) and any
  sending error (SMTP errors quote the address) are cleared.
- stock ledger: the reason copied onto their orders' movements (a cancel
  reason) goes; quantities, references and times stay.
- event log: payloads carry ids and statuses, but some keep free text that
  people typed (a hold or cancel reason, a carrier's scan description and
  place); those keys are removed from the customer's events.
- shipments: the label and packing slip (PDFs with the address) are
  deleted and the shipment no longer points at them; the free text of its
  tracking scans (a carrier's "left with a neighbour at ...") and its
  cancel reason go, the statuses and times stay.
- returns: the customer's comment and the reject reason, the return
  label (a PDF with the address) and the return parcel's scan texts.
- partner hand-off requests: the ship-to address is redacted like the
  order's, the customer's name and any reason removed.

Refused (INVALID_TRANSITION) while an order or a return of theirs is still
open: the shop needs the address to deliver it or collect it. Erasing again is harmless: the same
statements find nothing more to change, and CustomerErased is recorded only
the first time.

This module orchestrates; each domain erases what it holds through its own
service (oms.events.privacy for the event log), in this one unit of work."""
from __future__ import annotations

from typing import Any

from oms.core.clock import now
from oms.core.errors import InvalidTransition, NotFound
from oms.core.uow import unit_of_work
from oms.events import privacy as event_log
from oms.fulfillment import service as fulfillment
from oms.handoff import service as handoff
from oms.inventory import service as inventory
from oms.notifications import service as notifications
from oms.orders import queries as order_queries, service as orders
from oms.returns import queries as return_queries, service as returns

from . import events
from .models import Customer

ERASED_DOMAIN = "erased.invalid"


def placeholder_email(customer_id: int) -> str:
    return f"erased-{customer_id}@{ERASED_DOMAIN}"


async def erase_customer(customer_id: int, *, actor: str) -> Customer:
    async with unit_of_work() as uow:
        customer = await _locked(customer_id)
        statuses = await order_queries.statuses_of_customer(customer.id)
        _refuse_if_open(order_queries.still_open(statuses), "order",
                        until="delivered or cancelled")
        order_ids = [i for i, _ in statuses]
        _refuse_if_open(return_queries.still_open(
            await return_queries.statuses_of_orders(order_ids)), "return", until="resolved")
        first_time = customer.erased_at is None
        await _erase_profile(customer, actor=actor)
        await orders.erase_addresses(order_ids)
        await notifications.erase_for_orders(order_ids)
        await fulfillment.erase_personal_data(order_ids)
        await handoff.erase_personal_data(order_ids)
        await returns.erase_personal_data(order_ids)
        await event_log.erase_free_text(customer.id)
        await inventory.erase_reasons(order_ids)
        if first_time:
            uow.record(events.erased(customer.id, order_ids=order_ids, actor=actor))
        return customer


def _refuse_if_open(still_open: list[tuple[int, str]], what: str, *, until: str) -> None:
    """(id, status) of the customer's open orders or returns: none, or refused."""
    if still_open:
        first_id, first_status = still_open[0]
        raise InvalidTransition(
            f"the customer has {len(still_open)} open {what}(s) ({what} id "
            f"{first_id} is {first_status}); erase once they are {until}", field="id")


async def _locked(customer_id: int) -> Customer:
    """The customer, its row locked until commit on PostgreSQL, so an erase
    and an update of the same customer take turns."""
    customer = await Customer.filter(id=customer_id).select_for_update().first() \
        if customer_id else None
    if customer is None:
        raise NotFound("customer not found", field="id")
    return customer


async def _erase_profile(customer: Customer, *, actor: str) -> None:
    at = now()
    changes: dict[str, Any] = dict(
        email=placeholder_email(customer.id), name=None, phone=None, country=None,
        addresses=[], tags=[], marketing_consent=False)
    if customer.marketing_consent:
        changes.update(consent_updated_at=at, consent_source=actor)
    if customer.erased_at is None:
        changes["erased_at"] = at
    if all(getattr(customer, k) == v for k, v in changes.items()):
        return  # erased already: the same result, nothing to write
    changes.update(updated_at=at, version=customer.version + 1)
    await Customer.filter(id=customer.id).update(**changes)
    for key, value in changes.items():
        setattr(customer, key, value)
