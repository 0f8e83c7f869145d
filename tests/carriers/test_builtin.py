"""oms-post, the offline carrier: registry, zones, the rates table and its
refusals, and S10 tracking numbers whose check digit catches typing errors."""
from __future__ import annotations

from decimal import Decimal

import pytest

from oms.carriers import Carrier, Parcel, Rate, Service, carrier_codes, get_carrier
from oms.carriers import builtin, s10
from oms.carriers.builtin import OmsPost
from oms.core.errors import ErrorCode, Invalid, NotFound

NL = {"name": "Shop", "line1": "Damrak 1", "postalCode": "1012 LG", "city": "Amsterdam",
      "country": "NL"}


def _to(country: str) -> dict:
    return {"name": "Customer", "line1": "Street 1", "city": "City", "country": country}


# ---- registry

def test_registry_returns_the_builtin_carrier_behind_the_interface():
    carrier = get_carrier("oms-post")
    assert isinstance(carrier, OmsPost)
    assert isinstance(carrier, Carrier)
    assert carrier.code == "oms-post"
    assert carrier_codes() == ["oms-post"]


@pytest.mark.parametrize("code", ["ups", "", "OMS-POST", None, 1])
def test_registry_refuses_unknown_carriers(code):
    with pytest.raises(NotFound) as exc:
        get_carrier(code)
    assert exc.value.code is ErrorCode.NOT_FOUND
    assert exc.value.field == ["carrier"]


def test_services_with_domestic_transit_days():
    assert OmsPost().services() == [Service("ECONOMY", "oms-post Economy", 5),
                                    Service("STANDARD", "oms-post Standard", 3),
                                    Service("EXPRESS", "oms-post Express", 1)]


# ---- zones

@pytest.mark.parametrize(("origin", "destination", "zone"), [
    ("NL", "NL", 1), ("US", "US", 1), ("DE", "DE", 1),
    ("NL", "DE", 2), ("PL", "IE", 2), ("FR", "NL", 2),
    ("NL", "US", 3), ("US", "NL", 3), ("NL", "CH", 3), ("GB", "FR", 3), ("NO", "SE", 3),
    ("JP", "CN", 3),
])
def test_zone_from_origin_and_destination_country(origin, destination, zone):
    assert builtin.zone(origin, destination) == zone


# ---- rates: the whole table, each band at both of its edges

BAND_EDGES = [(1, 1000), (1001, 2000), (2001, 5000), (5001, 10000), (10001, 20000), (20001, 30000)]
EXPECTED = {  # (service, zone) -> price per band
    ("ECONOMY", 1): ["4.50", "5.50", "7.00", "9.50", "14.00", "19.00"],
    ("ECONOMY", 2): ["9.00", "11.00", "15.00", "21.00", "32.00", "42.00"],
    ("ECONOMY", 3): ["16.00", "21.00", "30.00", "45.00", "70.00", "95.00"],
    ("STANDARD", 1): ["5.95", "6.95", "8.95", "11.95", "16.95", "22.95"],
    ("STANDARD", 2): ["11.50", "13.90", "18.90", "26.90", "39.90", "52.90"],
    ("STANDARD", 3): ["21.00", "27.00", "39.00", "58.00", "89.00", "119.00"],
    ("EXPRESS", 1): ["12.50", "14.50", "18.50", "24.50", "34.50", "44.50"],
    ("EXPRESS", 2): ["24.00", "28.00", "36.00", "49.00", "72.00", "95.00"],
    ("EXPRESS", 3): ["45.00", "55.00", "75.00", "105.00", "150.00", "199.00"],
}
DESTINATION_BY_ZONE = {1: "NL", 2: "DE", 3: "US"}
TRANSIT = {  # (service, zone) -> days
    ("ECONOMY", 1): 5, ("ECONOMY", 2): 6, ("ECONOMY", 3): 8,
    ("STANDARD", 1): 3, ("STANDARD", 2): 4, ("STANDARD", 3): 6,
    ("EXPRESS", 1): 1, ("EXPRESS", 2): 2, ("EXPRESS", 3): 4,
}


@pytest.mark.parametrize("zone", [1, 2, 3])
@pytest.mark.parametrize("band", range(len(BAND_EDGES)))
def test_rates_by_zone_and_weight_band(zone, band):
    for weight in BAND_EDGES[band]:
        rates = OmsPost().rates(Parcel(weight), NL, _to(DESTINATION_BY_ZONE[zone]))
        assert rates == [
            Rate(carrier="oms-post", service=service, amount=Decimal(EXPECTED[service, zone][band]),
                 currency="EUR", transit_days=TRANSIT[service, zone])
            for service in ("ECONOMY", "STANDARD", "EXPRESS")
        ]
        assert all(type(r.amount) is Decimal and r.amount.as_tuple().exponent == -2 for r in rates)


def test_country_codes_are_normalised():
    assert OmsPost().rates(Parcel(500), {"country": " nl "}, {"country": "de"})[0].amount == Decimal("9.00")


@pytest.mark.parametrize("weight", [0, -1, -30000, True, False, 1.5, "100", None, Decimal("10")])
def test_rates_refuse_a_weight_that_is_not_a_positive_whole_number(weight):
    with pytest.raises(Invalid) as exc:
        OmsPost().rates(Parcel(weight), NL, _to("DE"))
    assert exc.value.field == ["parcel", "weightGrams"]
    assert exc.value.message == "weightGrams must be a whole number of grams above 0"


@pytest.mark.parametrize("weight", [30001, 10**9])
def test_rates_refuse_parcels_over_30_kg(weight):
    with pytest.raises(Invalid) as exc:
        OmsPost().rates(Parcel(weight), NL, _to("DE"))
    assert exc.value.field == ["parcel", "weightGrams"]
    assert exc.value.message == "weightGrams must be at most 30000 for oms-post"


@pytest.mark.parametrize("destination", [{}, {"country": ""}, {"country": "XX"}, {"country": "NLD"},
                                         {"country": None}, {"country": 31}, None])
def test_rates_refuse_an_unknown_destination_country(destination):
    with pytest.raises(Invalid) as exc:
        OmsPost().rates(Parcel(500), NL, destination)
    assert exc.value.field == ["destination", "country"]


def test_rates_refuse_an_unknown_origin_country():
    with pytest.raises(Invalid) as exc:
        OmsPost().rates(Parcel(500), {"country": "ZZ"}, NL)
    assert exc.value.field == ["origin", "country"]


# ---- tracking numbers

def test_tracking_numbers_are_s10_shaped():
    carrier = OmsPost()
    assert [carrier.tracking_number(i) for i in range(4)] == [
        "CP000000014NL", "CP000000116NL", "CP000000204NL", "CP000000306NL"]
    assert OmsPost(issuer_country="DE", service_indicator="EE").tracking_number(9_999_999) \
        == "EE999999908DE"


def test_check_digit_is_the_upu_s10_one():
    # The worked example of the S10 standard: serial 47312482 -> check digit 9.
    assert s10.check_digit("47312482") == 9
    assert s10.is_valid("RA473124829GB")
    # Valid S10, but not one oms-post (CP ... NL) issued.
    assert not OmsPost().validate_tracking_number("RA473124829GB")
    assert OmsPost(issuer_country="GB", service_indicator="RA").validate_tracking_number("RA473124829GB")


SEQUENCES = [*range(3000), *range(3000, s10.MAX_SEQUENCE + 1, 7919), s10.MAX_SEQUENCE]


def test_tracking_numbers_are_unique_and_valid():
    carrier = OmsPost()
    numbers = [carrier.tracking_number(i) for i in SEQUENCES]
    assert len(set(numbers)) == len(numbers)
    assert all(carrier.validate_tracking_number(n) for n in numbers)


def _single_digit_changes(number: str):
    for i in range(2, 11):
        for digit in "0123456789":
            if digit != number[i]:
                yield number[:i] + digit + number[i + 1:]


def _adjacent_transpositions(number: str):
    for i in range(0, 12):
        if number[i] != number[i + 1]:
            yield number[:i] + number[i + 1] + number[i] + number[i + 2:]


def test_validator_rejects_every_single_digit_change_and_transposition_of_a_sample():
    carrier = OmsPost()
    sample = carrier.tracking_number(4_711_042)
    assert sample == "CP471104203NL"
    changes = list(_single_digit_changes(sample))
    swaps = list(_adjacent_transpositions(sample))
    assert len(changes) == 81 and len(swaps) == 11
    assert [n for n in changes + swaps if carrier.validate_tracking_number(n)] == []


def test_validator_rejects_every_single_digit_change_and_transposition_of_every_issued_number():
    carrier = OmsPost()
    for sequence in SEQUENCES[::5]:
        number = carrier.tracking_number(sequence)
        for wrong in (*_single_digit_changes(number), *_adjacent_transpositions(number)):
            assert not carrier.validate_tracking_number(wrong), (number, wrong)


def test_folded_remainders_are_neither_issued_nor_accepted():
    # Plain S10 gives remainders 0 and 6 the same check digit, so one digit
    # typed wrong can turn one such number into another, and plain S10 accepts it.
    folded, neighbour = "CP000000005NL", "CP900000005NL"
    assert s10.check_digit("00000000") == s10.check_digit("90000000") == 5
    assert not s10.is_valid(folded)
    assert not s10.is_valid(neighbour)
    assert "CP00000000" not in OmsPost().tracking_number(0)


@pytest.mark.parametrize("value", ["", "cp000000014nl", "CP000000014N", "CP0000000140NL",
                                   "CP00000001ANL", "C1000000014NL", " CP000000014NL",
                                   "CP000000015NL", "CP000000014NL\n", None, 14])
def test_validator_rejects_malformed_numbers(value):
    assert not OmsPost().validate_tracking_number(value)


@pytest.mark.parametrize("sequence", [-1, s10.MAX_SEQUENCE + 1, True, 1.0, "1"])
def test_tracking_number_refuses_a_sequence_out_of_range(sequence):
    with pytest.raises(Invalid) as exc:
        OmsPost().tracking_number(sequence)
    assert exc.value.field == ["sequence"]


@pytest.mark.parametrize(("country", "indicator"), [("nl", "CP"), ("NLD", "CP"), ("NL", "C1")])
def test_carrier_refuses_a_malformed_issuer_at_set_up(country, indicator):
    with pytest.raises(ValueError):
        OmsPost(issuer_country=country, service_indicator=indicator)
