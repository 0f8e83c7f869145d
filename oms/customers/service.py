"""Customers are identified by email and created on their first order."""
from __future__ import annotations

from oms.core import sql
from oms.core.uow import unit_of_work

from .models import Customer

# How many recent shipping addresses a customer's address book keeps.
ADDRESS_BOOK_SIZE = 10


async def find_or_create(*, email: str, name: str | None = None, phone: str | None = None) -> Customer:
    """`email` must already be normalised. Safe under concurrent first orders."""
    async with unit_of_work() as uow:
        customer = await Customer.get_or_none(email=email)
        if customer is None:
            await sql.execute(
                uow.conn, "INSERT INTO customer (email, name, phone, addresses, created_at, "
                          "updated_at) VALUES (?, ?, ?, '[]', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                          " ON CONFLICT (email) DO NOTHING", [email, name, phone])
            customer = await Customer.get(email=email)
        elif (name and name != customer.name) or (phone and phone != customer.phone):
            customer.name = name or customer.name
            customer.phone = phone or customer.phone
            await customer.save(update_fields=["name", "phone", "updated_at"])
        return customer


async def remember_address(customer: Customer, address: dict) -> None:
    if address in (customer.addresses or []):
        return
    customer.addresses = [*(customer.addresses or []), address][-ADDRESS_BOOK_SIZE:]
    await customer.save(update_fields=["addresses", "updated_at"])
