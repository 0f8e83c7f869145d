"""Types shared by every domain's schema: Money and Address."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

import strawberry


@strawberry.type
class Money:
    amount: Decimal
    currency: str


@strawberry.type
class Address:
    name: str | None
    line1: str
    line2: str | None
    city: str
    region: str | None
    postal_code: str
    country: str
    phone: str | None

    @classmethod
    def of(cls, d: dict[str, Any] | None) -> "Address | None":
        if not d:
            return None
        return cls(name=d.get("name"), line1=d["line1"], line2=d.get("line2"), city=d["city"],
                   region=d.get("region"), postal_code=d["postalCode"], country=d["country"],
                   phone=d.get("phone"))


@strawberry.input
class AddressInput:
    name: str | None = None
    line1: str
    line2: str | None = None
    city: str
    region: str | None = None
    postal_code: str
    country: str
    phone: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "line1": self.line1, "line2": self.line2, "city": self.city,
                "region": self.region, "postalCode": self.postal_code, "country": self.country,
                "phone": self.phone}
