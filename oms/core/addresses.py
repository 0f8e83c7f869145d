"""Postal addresses after an erasure. Pure: the orders and the partner
hand-off requests both hold a copy of the ship-to address, and both must be
redacted to exactly the same shape."""
from __future__ import annotations

from typing import Any


def redacted_address(address: dict[str, Any] | None) -> dict[str, Any]:
    """The same shape as a postal address (Address is non-null on an order),
    keeping only where it was: the country and the region (sales by country
    survive an erasure)."""
    address = address or {}
    return {"name": None, "line1": "", "line2": None, "city": "",
            "region": address.get("region"), "postalCode": "",
            "country": address.get("country") or "", "phone": None}
