"""customerUpdate: staff correct a customer's name and phone, record their
marketing consent and tag them.

Every change is checked first (all mistakes reported together, nothing
written), then written with a version check (the loser of two concurrent
edits gets CONFLICT, so a tag added by one is never lost to the other) and
recorded as a CustomerUpdated event naming the fields that changed, in the
same transaction. A consent change also keeps when and by whom it was
made: marketing law asks the shop to prove consent."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from oms.core import validation
from oms.core.clock import now
from oms.core.errors import DomainError, Invalid, NotFound, ValidationErrors
from oms.core.uow import unit_of_work
from oms.core.versioning import save_if_unchanged

from . import events, tags as tag_rules
from .models import Customer


class _Unchanged:
    def __repr__(self) -> str:
        return "UNCHANGED"


# A field left out of the update (None means "clear it" for name and phone).
UNCHANGED: Any = _Unchanged()


@dataclass(frozen=True)
class CustomerChanges:
    name: str | None = UNCHANGED
    phone: str | None = UNCHANGED
    marketing_consent: bool | None = UNCHANGED
    add_tags: list[str] = field(default_factory=list)
    remove_tags: list[str] = field(default_factory=list)


async def get_live(customer_id: int) -> Customer:
    """The customer, unless missing or erased (an erased customer is not
    edited: what is left of them is only what the shop must keep)."""
    customer = await Customer.get_or_none(id=customer_id) if customer_id else None
    if customer is None or customer.erased_at is not None:
        raise NotFound("customer not found", field="id")
    return customer


def _checked(customer: Customer, changes: CustomerChanges) -> dict[str, Any]:
    """The columns to write (only those whose value differs), or every
    mistake at once."""
    errors: list[DomainError] = []
    out: dict[str, Any] = {}
    if changes.name is not UNCHANGED:
        try:
            name = validation.text(changes.name, "name", required=False)
            if name != customer.name:
                out["name"] = name
        except Invalid as exc:
            errors.append(exc)
    if changes.phone is not UNCHANGED:
        try:
            # A national number is read in the country the customer ships to.
            phone = validation.phone(changes.phone, "phone", customer.country)
            if phone != customer.phone:
                out["phone"] = phone
        except Invalid as exc:
            errors.append(exc)
    if changes.marketing_consent is not UNCHANGED:
        if changes.marketing_consent is None:
            errors.append(Invalid("marketingConsent must be true or false",
                                  field="marketingConsent"))
        elif changes.marketing_consent != customer.marketing_consent:
            out["marketing_consent"] = changes.marketing_consent
    try:
        tags = tag_rules.apply(customer.tags or [], add=changes.add_tags,
                               remove=changes.remove_tags)
        if tags != (customer.tags or []):
            out["tags"] = tags
    except ValidationErrors as exc:
        errors.extend(exc.errors)
    except Invalid as exc:
        errors.append(exc)
    if errors:
        raise errors[0] if len(errors) == 1 else ValidationErrors(errors)
    return out


# Column -> the name clients know it by (the event's payload lists these).
_PUBLIC_NAMES = {"name": "name", "phone": "phone", "marketing_consent": "marketingConsent",
                 "tags": "tags"}


async def update_customer(customer_id: int, changes: CustomerChanges, *,
                          actor: str) -> Customer:
    """Apply `changes`; an update that changes nothing writes nothing (no
    event, same version)."""
    async with unit_of_work() as uow:
        customer = await get_live(customer_id)
        columns = _checked(customer, changes)
        if not columns:
            return customer
        at = now()
        if "marketing_consent" in columns:
            columns.update(consent_updated_at=at, consent_source=actor)
        await save_if_unchanged(customer, "customer", updated_at=at, **columns)
        uow.record(events.updated(customer.id, actor=actor, fields=[
            _PUBLIC_NAMES[c] for c in columns if c in _PUBLIC_NAMES]))
        return customer
