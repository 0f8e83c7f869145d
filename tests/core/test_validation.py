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
    us = v.address({**FULL, "country": "US", "region": "NY", "postalCode": "10001",
                    "phone": "(212) 555-1234"}, "a")
    assert us["phone"] == "+12125551234"


# ---- postal codes and regions, per country (Google's address data)

def _addr(country: str, postal_code: str | None = None, region: str | None = None) -> dict:
    return {"line1": "1 Main St", "city": "Somewhere", "country": country,
            "postalCode": postal_code, "region": region}


@pytest.mark.parametrize(("country", "raw", "clean"), [
    ("FR", "75001", "75001"),
    ("DE", "10115", "10115"),
    ("PT", "1100-148", "1100-148"),
    ("NL", "1012 JS", "1012 JS"),
    ("NL", "1012JS", "1012JS"),
    ("NL", "1012 js", "1012 JS"),          # upper-cased though the data does not mark NL so
    ("GB", "sw1a  1aa", "SW1A 1AA"),       # upper-cased, inner spaces collapsed
    ("GB", "EC1Y 8SY", "EC1Y 8SY"),
    ("CA", "k1a 0b1", "K1A 0B1"),
    ("IE", "A65 F4E2", "A65 F4E2"),
    ("JP", "154-0023", "154-0023"),
    ("BR", "01310-100", "01310-100"),
])
def test_a_postal_code_in_the_country_format_is_accepted_and_normalised(country, raw, clean):
    region = {"CA": "ON", "JP": "Tokyo", "BR": "SP"}.get(country)
    assert v.address(_addr(country, raw, region), "a")["postalCode"] == clean


@pytest.mark.parametrize(("country", "raw", "message"), [
    ("FR", "7500", "postalCode 7500 is not a valid postal code in FR; "
                  "for example 33380, 34092 or 33506"),
    ("FR", "75001-1", "postalCode 75001-1 is not a valid postal code in FR; "
                      "for example 33380, 34092 or 33506"),
    ("DE", "ABCDE", "postalCode ABCDE is not a valid postal code in DE; "
                    "for example 26133 or 53225"),
    ("GB", "12345", "postalCode 12345 is not a valid postal code in GB; "
                    "for example EC1Y 8SY, GIR 0AA or M2 5BQ"),
    ("NL", "0123 AB", "postalCode 0123 AB is not a valid postal code in NL; "
                      "for example 1234 AB or 2490 AA"),
    ("PT", "1100148", "postalCode 1100148 is not a valid postal code in PT; "
                      "for example 2725-079, 1250-096 or 1201-950"),
    ("IE", "D2", "postalCode D2 is not a valid Eircode in IE; for example A65 F4E2"),
])
def test_a_postal_code_out_of_the_country_format_names_an_example(country, raw, message):
    err = _invalid(v.address, _addr(country, raw), "shippingAddress")
    assert (err.message, err.field) == (message, ["shippingAddress", "postalCode"])


def test_a_us_zip_code_is_checked_against_the_format_and_the_state_range():
    assert v.address(_addr("US", "94103", "CA"), "a")["postalCode"] == "94103"
    assert v.address(_addr("US", "94103-1234", "CA"), "a")["postalCode"] == "94103-1234"
    wrong_state = _invalid(v.address, _addr("US", "10001", "California"), "a")
    assert wrong_state.field == ["a", "postalCode"]
    assert wrong_state.message == ("postalCode 10001 is not a valid ZIP code in US CA; "
                                   "for example 90000 or 96199")
    too_short = _invalid(v.address, _addr("US", "9410", "NY"), "a")
    assert too_short.field == ["a", "postalCode"]
    assert too_short.message.startswith("postalCode 9410 is not a valid ZIP code in US")


@pytest.mark.parametrize(("country", "region"), [("HK", "Kowloon"), ("AE", "Dubai"),
                                                 ("QA", None), ("JM", "Kingston")])
@pytest.mark.parametrize("raw", [None, "", "  "])
def test_countries_without_postal_codes_accept_none(country, region, raw):
    assert v.address(_addr(country, raw, region), "a")["postalCode"] == ""


def test_a_postal_code_typed_for_a_country_without_them_is_dropped():
    # Forms elsewhere force one, so people type 000000 or 999077: a placeholder, not a code.
    assert v.address(_addr("HK", "999077", "Kowloon"), "a")["postalCode"] == ""


@pytest.mark.parametrize("country", ["IE", "CO", "HR"])
def test_where_the_postal_code_is_optional_a_blank_one_is_empty(country):
    region = "Antioquia" if country == "CO" else None
    assert v.address(_addr(country, None, region), "a")["postalCode"] == ""


@pytest.mark.parametrize("country", ["FR", "DE", "US", "GB", "CA", "AU", "JP", "NL"])
def test_where_the_postal_code_is_required_a_blank_one_is_refused(country):
    err = _invalid(v.address, _addr(country, "  ", "ON" if country == "CA" else None), "a")
    if country in ("US", "AU", "JP"):  # their region is required too, and checked first
        assert err.field == ["a", "region"]
    else:
        assert (err.message, err.field) == ("postalCode is required", ["a", "postalCode"])


@pytest.mark.parametrize(("country", "raw", "code"), [
    ("US", "California", "CA"), ("US", "california", "CA"), ("US", "ca", "CA"),
    ("US", "New York", "NY"), ("CA", "Quebec", "QC"), ("CA", "Colombie-Britannique", "BC"),
    ("AU", "New South Wales", "NSW"), ("AU", "vic", "VIC"), ("IT", "Milano", "MI"),
    ("ES", "Madrid", "M"), ("MX", "Jalisco", "Jal."), ("BR", "São Paulo", "SP"),
    ("JP", "Tokyo", "東京都"), ("HK", "kowloon", "Kowloon"),
])
def test_a_known_region_is_normalised_to_its_code(country, raw, code):
    postal = {"US": "10001" if code == "NY" else "94103", "CA": "H3Z 2Y7" if code == "QC"
              else "V8X 3X4", "AU": "2060" if code == "NSW" else "3000", "IT": "20121",
              "ES": "28001", "MX": "44100", "BR": "01310-100", "JP": "154-0023"}.get(country)
    assert v.address(_addr(country, postal, raw), "a")["region"] == code


@pytest.mark.parametrize("country", ["US", "CA", "AU", "IT", "JP", "HK", "AE"])
def test_a_required_region_left_blank_is_refused(country):
    err = _invalid(v.address, _addr(country, None, " "), "shippingAddress")
    assert err.field == ["shippingAddress", "region"]
    assert err.message.startswith("region (") and err.message.endswith(
        f") is required for addresses in {country}")


def test_a_missing_us_state_is_refused_by_name():
    err = _invalid(v.address, _addr("US", "94103"), "a")
    assert err.message == "region (state) is required for addresses in US"


@pytest.mark.parametrize(("country", "raw"), [("US", "Cali"), ("US", "Bavaria"),
                                              ("CA", "Texas"), ("AU", "Queens")])
def test_an_unknown_required_region_is_refused_naming_examples(country, raw):
    err = _invalid(v.address, _addr(country, None, raw), "shippingAddress")
    assert err.field == ["shippingAddress", "region"]
    assert err.message.startswith(f"region {raw!r} is not a ")
    assert "give its code or name, for example" in err.message


def test_an_unknown_us_state_message_lists_codes():
    err = _invalid(v.address, _addr("US", "94103", "Cali"), "a")
    assert err.message == ("region 'Cali' is not a state of US; give its code or name, "
                           "for example AL, AK, AS, AZ, AR, AA, AE, AP, ...")


@pytest.mark.parametrize(("country", "raw"), [("FR", "Île-de-France"), ("DE", "Bayern"),
                                              ("GB", "Greater London"), ("IE", "Dublin 2")])
def test_an_optional_region_not_in_the_data_is_kept_as_typed(country, raw):
    postal = {"FR": "75001", "DE": "80331", "GB": "SW1A 1AA"}.get(country)
    assert v.address(_addr(country, postal, f" {raw} "), "a")["region"] == raw


def test_an_optional_region_in_the_data_is_still_normalised():
    assert v.address(_addr("IE", None, "co. cork"), "a")["region"] == "Co. Cork"


@pytest.mark.parametrize(("country", "postal", "region", "city"), [
    ("US", "94103", "CA", "Nowhereville"),
    ("CN", "100096", "Beijing Shi", "Not A Real City"),
    ("KR", "03051", "Seoul", "Gotham"),
    ("FR", "75001", None, "Atlantis"),
])
def test_a_city_missing_from_the_data_is_never_refused(country, postal, region, city):
    out = v.address({**_addr(country, postal, region), "city": city}, "a")
    assert out["city"] == city


def test_the_address_checks_run_in_field_order():
    # A bad country is reported before the postal code that depends on it.
    err = _invalid(v.address, {**_addr("XX", "nonsense"), "phone": "1"}, "a")
    assert err.field == ["a", "country"]
    # A bad region before a bad postal code; a bad postal code before a bad phone.
    assert _invalid(v.address, _addr("US", "x", "Cali"), "a").field == ["a", "region"]
    err = _invalid(v.address, {**_addr("FR", "x"), "phone": "123"}, "a")
    assert err.field == ["a", "postalCode"]
