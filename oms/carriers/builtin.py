"""oms-post: the built-in carrier that works offline.

Rates come from a table (zone x weight band), not from a remote API, so a
shop can ship, quote and print labels without any carrier account; the
tables are data so a tariff change is an edit to numbers, not to logic.
"""
from __future__ import annotations

from decimal import Decimal

from oms.core import validation
from oms.core.errors import Invalid

from . import s10
from .base import Address, Parcel, Rate, Service

CURRENCY = "EUR"
MAX_WEIGHT_GRAMS = 30_000

DOMESTIC, EU, WORLD = 1, 2, 3

EU_COUNTRIES = frozenset({
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU",
    "IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
})

SERVICES = (
    Service("ECONOMY", "oms-post Economy", 5),
    Service("STANDARD", "oms-post Standard", 3),
    Service("EXPRESS", "oms-post Express", 1),
)

# A farther zone adds days to every service's domestic transit time.
ZONE_EXTRA_DAYS = {DOMESTIC: 0, EU: 1, WORLD: 3}

# Upper bound (inclusive, grams) of each weight band; prices below follow it.
WEIGHT_BANDS = (1_000, 2_000, 5_000, 10_000, 20_000, MAX_WEIGHT_GRAMS)


def _prices(*amounts: str) -> tuple[Decimal, ...]:
    assert len(amounts) == len(WEIGHT_BANDS)
    return tuple(Decimal(a) for a in amounts)


# service -> zone -> price per weight band, in CURRENCY.
PRICES: dict[str, dict[int, tuple[Decimal, ...]]] = {
    "ECONOMY": {
        DOMESTIC: _prices("4.50", "5.50", "7.00", "9.50", "14.00", "19.00"),
        EU: _prices("9.00", "11.00", "15.00", "21.00", "32.00", "42.00"),
        WORLD: _prices("16.00", "21.00", "30.00", "45.00", "70.00", "95.00"),
    },
    "STANDARD": {
        DOMESTIC: _prices("5.95", "6.95", "8.95", "11.95", "16.95", "22.95"),
        EU: _prices("11.50", "13.90", "18.90", "26.90", "39.90", "52.90"),
        WORLD: _prices("21.00", "27.00", "39.00", "58.00", "89.00", "119.00"),
    },
    "EXPRESS": {
        DOMESTIC: _prices("12.50", "14.50", "18.50", "24.50", "34.50", "44.50"),
        EU: _prices("24.00", "28.00", "36.00", "49.00", "72.00", "95.00"),
        WORLD: _prices("45.00", "55.00", "75.00", "105.00", "150.00", "199.00"),
    },
}


def zone(origin_country: str, destination_country: str) -> int:
    if origin_country == destination_country:
        return DOMESTIC
    if origin_country in EU_COUNTRIES and destination_country in EU_COUNTRIES:
        return EU
    return WORLD


def weight_band(weight_grams: int) -> int:
    """Index into WEIGHT_BANDS; raises Invalid outside (0, MAX_WEIGHT_GRAMS]."""
    # bool is an int subclass; True must not quote as a 1 g parcel.
    if not isinstance(weight_grams, int) or isinstance(weight_grams, bool) or weight_grams <= 0:
        raise Invalid("weightGrams must be a whole number of grams above 0",
                      field=["parcel", "weightGrams"])
    for i, upper in enumerate(WEIGHT_BANDS):
        if weight_grams <= upper:
            return i
    raise Invalid(f"weightGrams must be at most {MAX_WEIGHT_GRAMS} for oms-post",
                  field=["parcel", "weightGrams"])


def _country(address: Address, which: str) -> str:
    raw = address.get("country") if isinstance(address, dict) else None
    return validation.country(raw if isinstance(raw, str) else "", [which, "country"])


class OmsPost:
    code = "oms-post"
    name = "oms-post"

    def __init__(self, *, issuer_country: str = "NL", service_indicator: str = "CP") -> None:
        # The S10 suffix names the issuing post; configurable so two
        # installations (or a test) can keep their number spaces apart.
        # Fail at set-up, not when the first parcel ships.
        s10.issue(0, prefix=service_indicator, country=issuer_country)
        self.issuer_country = issuer_country
        self.service_indicator = service_indicator

    def services(self) -> list[Service]:
        return list(SERVICES)

    def service(self, code: str) -> Service:
        for s in SERVICES:
            if s.code == code:
                return s
        raise Invalid(f"oms-post has no service {code!r}", field="service")

    def rates(self, parcel: Parcel, origin: Address, destination: Address) -> list[Rate]:
        band = weight_band(parcel.weight_grams)
        z = zone(_country(origin, "origin"), _country(destination, "destination"))
        return [Rate(carrier=self.code, service=s.code, amount=PRICES[s.code][z][band],
                     currency=CURRENCY, transit_days=s.transit_days + ZONE_EXTRA_DAYS[z])
                for s in SERVICES]

    def tracking_number(self, sequence: int) -> str:
        return s10.issue(sequence, prefix=self.service_indicator, country=self.issuer_country)

    def validate_tracking_number(self, value: str) -> bool:
        """True for a number this carrier could have issued: S10-valid, with
        our service indicator and issuer country (so swapped letters fail too)."""
        return (s10.is_valid(value) and value[:2] == self.service_indicator
                and value[-2:] == self.issuer_country)
