"""The carrier interface: every carrier, built-in or remote, is an adapter
behind `Carrier`, so shipments never know which one they are talking to.

Pure: standard library and `oms.core` only. Addresses are plain dicts in the
shape the API uses (name, line1, line2, city, region, postalCode, country,
phone) so an order's shipping address can be passed as it is stored.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol, runtime_checkable

Address = dict[str, Any]


@dataclass(frozen=True)
class Parcel:
    weight_grams: int


@dataclass(frozen=True)
class Service:
    code: str
    name: str
    # Domestic transit time; a rate may add days for a farther zone.
    transit_days: int


@dataclass(frozen=True)
class Rate:
    carrier: str
    service: str
    amount: Decimal
    currency: str
    transit_days: int


@runtime_checkable
class Carrier(Protocol):
    code: str
    name: str

    def services(self) -> list[Service]:
        """Every service the carrier sells, cheapest first."""
        ...

    def rates(self, parcel: Parcel, origin: Address, destination: Address) -> list[Rate]:
        """One rate per service that can carry the parcel; raises Invalid otherwise."""
        ...

    def tracking_number(self, sequence: int) -> str:
        """The tracking number for a sequence number the caller allocates.

        The caller owns the sequence (later a database sequence) so numbers
        are unique across processes without the carrier holding state.
        """
        ...

    def validate_tracking_number(self, value: str) -> bool:
        ...
