"""Input checks: each returns the normalised value or raises Invalid with its field."""
from __future__ import annotations

import pytest

from oms.core import validation as v
from oms.core.errors import ErrorCode, Invalid


def _invalid(fn, *args, **kw) -> Invalid:
    with pytest.raises(Invalid) as exc:
        fn(*args, **kw)
    assert exc.value.code is ErrorCode.INVALID
    return exc.value


# ---- codes (channel, location, sku)

@pytest.mark.parametrize(("raw", "clean"), [
    ("WEB", "WEB"), ("  wh-1 ", "wh-1"), ("SKU_1.a", "SKU_1.a"), ("9", "9"), ("A" * 32, "A" * 32),
])
def test_code_accepts_letters_digits_dot_underscore_dash(raw, clean):
    assert v.code(raw, "code") == clean


@pytest.mark.parametrize("raw", ["", "   ", None, "A" * 33, "-A", ".A", "_A", "A B", "A/B", "Ä"])
def test_code_refuses_anything_else(raw):
    err = _invalid(v.code, raw, "sku", "sku")
    assert err.message == "sku must be 1-32 letters, digits, '.', '_' or '-'"
    assert err.field == ["sku"]


# ---- free text

def test_text_strips_and_returns_the_value():
    assert v.text("  Paris  ", "city") == "Paris"


@pytest.mark.parametrize("raw", [None, "", "   "])
def test_text_required_but_blank_is_refused(raw):
    err = _invalid(v.text, raw, "city")
    assert (err.message, err.field) == ("city is required", ["city"])


@pytest.mark.parametrize("raw", [None, "", "   "])
def test_text_optional_and_blank_is_none(raw):
    assert v.text(raw, "line2", required=False) is None


def test_text_longer_than_the_limit_is_refused():
    assert v.text("x" * 10, "note", max_len=10) == "x" * 10
    err = _invalid(v.text, "x" * 11, "note", max_len=10)
    assert (err.message, err.field) == ("note is longer than 10 characters", ["note"])
    assert _invalid(v.text, "x" * 201, "name").message == "name is longer than 200 characters"


# ---- email

@pytest.mark.parametrize(("raw", "clean"), [
    ("ann@example.com", "ann@example.com"),
    ("Ann.Lee@Example.COM", "ann.lee@example.com"),
    ("a+tag@sub.example.org", "a+tag@sub.example.org"),
])
def test_email_is_normalised_to_lower_case(raw, clean):
    assert v.email(raw) == clean


@pytest.mark.parametrize("raw", ["", None, "ann", "ann@", "@example.com", "ann@example",
                                 "ann@@example.com", "ann lee@example.com"])
def test_a_bad_email_is_refused_with_its_field(raw):
    err = _invalid(v.email, raw, ["customer", "email"])
    assert err.message.startswith("invalid email address: ")
    assert err.field == ["customer", "email"]


# ---- phone

@pytest.mark.parametrize(("raw", "country", "clean"), [
    ("+33 1 42 68 53 00", None, "+33142685300"),
    ("01 42 68 53 00", "FR", "+33142685300"),
    ("+1 212 555 1234", "FR", "+12125551234"),
])
def test_phone_is_formatted_e164(raw, country, clean):
    assert v.phone(raw, "phone", country) == clean


@pytest.mark.parametrize("raw", [None, ""])
def test_no_phone_is_none(raw):
    assert v.phone(raw, "phone") is None


@pytest.mark.parametrize(("raw", "country"), [
    ("12", None), ("not a phone", None), ("01 42 68 53 00", None), ("+33 1", None),
    ("+1 555 0100", None), ("123", "FR"),
])
def test_a_bad_phone_is_refused(raw, country):
    err = _invalid(v.phone, raw, ["shippingAddress", "phone"], country)
    assert (err.message, err.field) == ("invalid phone number", ["shippingAddress", "phone"])


# ---- country and currency

@pytest.mark.parametrize(("raw", "clean"), [("FR", "FR"), (" de ", "DE"), ("us", "US")])
def test_country_is_an_upper_case_alpha_2_code(raw, clean):
    assert v.country(raw, "country") == clean


@pytest.mark.parametrize("raw", ["", None, "F", "FRA", "XX", "ZZ", "12", "France"])
def test_a_bad_country_is_refused(raw):
    err = _invalid(v.country, raw, ["shippingAddress", "country"])
    assert err.message == "country must be an ISO 3166-1 alpha-2 code"
    assert err.field == ["shippingAddress", "country"]


@pytest.mark.parametrize(("raw", "clean"), [("EUR", "EUR"), (" usd ", "USD"), ("jpy", "JPY")])
def test_currency_is_an_upper_case_iso_4217_code(raw, clean):
    assert v.currency(raw) == clean


@pytest.mark.parametrize("raw", ["", None, "EU", "EURO", "ABC", "€"])
def test_a_bad_currency_is_refused(raw):
    err = _invalid(v.currency, raw)
    assert (err.message, err.field) == ("currency must be an ISO 4217 code", ["currency"])


# ---- quantity

@pytest.mark.parametrize("value", [1, 2, 999_999, 1_000_000])
def test_quantity_within_bounds(value):
    assert v.MAX_QUANTITY == 1_000_000
    assert v.quantity(value, "quantity") == value


def test_quantity_zero_only_when_allowed():
    assert v.quantity(0, "quantity", allow_zero=True) == 0
    err = _invalid(v.quantity, 0, ["lines", "0", "quantity"])
    assert err.message == "quantity must be between 1 and 1000000"
    assert err.field == ["lines", "0", "quantity"]


@pytest.mark.parametrize("value", [-1, -1_000_000, 1_000_001, 10**12, 1.0, 2.5, "3", None])
def test_quantity_out_of_bounds_or_not_whole_is_refused(value):
    err = _invalid(v.quantity, value, "quantity")
    assert (err.message, err.field) == ("quantity must be between 1 and 1000000", ["quantity"])


def test_negative_quantity_is_refused_even_when_zero_is_allowed():
    err = _invalid(v.quantity, -1, "quantity", allow_zero=True)
    assert err.message == "quantity must be between 0 and 1000000"


# ---- postal address

FULL = {"name": " Ann Lee ", "line1": "1 Rue de Rivoli", "line2": "", "city": "Paris",
        "region": None, "postalCode": "75001", "country": "fr", "phone": "01 42 68 53 00"}


def test_a_complete_address_is_normalised():
    assert v.address(FULL, "shippingAddress") == {
        "name": "Ann Lee", "line1": "1 Rue de Rivoli", "line2": None, "city": "Paris",
        "region": None, "postalCode": "75001", "country": "FR", "phone": "+33142685300"}


def test_optional_parts_may_be_left_out():
    assert v.address({"line1": "1 Main St", "city": "Berlin", "postalCode": "10115",
                      "country": "DE"}, "address") == {
        "name": None, "line1": "1 Main St", "line2": None, "city": "Berlin", "region": None,
        "postalCode": "10115", "country": "DE", "phone": None}


@pytest.mark.parametrize("data", [None, {}])
def test_no_address_is_refused(data):
    err = _invalid(v.address, data, "shippingAddress")
    assert (err.message, err.field) == ("address is required", ["shippingAddress"])


@pytest.mark.parametrize("missing", ["line1", "city", "postalCode"])
def test_an_incomplete_address_names_the_missing_part(missing):
    data = {**FULL, missing: "  "}
    err = _invalid(v.address, data, "shippingAddress")
    assert (err.message, err.field) == (f"{missing} is required", ["shippingAddress", missing])


def test_an_address_part_that_is_too_long_is_refused():
    err = _invalid(v.address, {**FULL, "city": "P" * 201}, "shippingAddress")
    assert err.field == ["shippingAddress", "city"]
    assert err.message == "city is longer than 200 characters"


@pytest.mark.parametrize("country", ["", "XX", "FRA"])
def test_an_address_in_no_real_country_is_refused(country):
    err = _invalid(v.address, {**FULL, "country": country}, "shippingAddress")
    assert err.field == ["shippingAddress", "country"]


def test_an_address_phone_is_read_in_the_address_country():
    err = _invalid(v.address, {**FULL, "phone": "123"}, "shippingAddress")
    assert (err.message, err.field) == ("invalid phone number", ["shippingAddress", "phone"])
    us = v.address({**FULL, "country": "US", "phone": "(212) 555-1234"}, "a")
    assert us["phone"] == "+12125551234"
