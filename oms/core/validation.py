"""Input checks done by well-kept libraries, raising DomainErrors with fields."""
from __future__ import annotations

import re
from typing import Any

import phonenumbers
import pycountry
from email_validator import EmailNotValidError, validate_email

from .errors import Invalid

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


def address(data: dict[str, Any] | None, field: str) -> dict[str, Any]:
    """A complete postal address, normalised."""
    if not data:
        raise Invalid("address is required", field=field)
    out: dict[str, Any] = {}
    for key, required in (("name", False), ("line1", True), ("line2", False), ("city", True),
                          ("region", False), ("postalCode", True)):
        try:
            out[key] = text(data.get(key), key, required=required)
        except Invalid as exc:
            raise Invalid(exc.message, field=[field, key]) from None
    out["country"] = country(data.get("country") or "", [field, "country"])
    out["phone"] = phone(data.get("phone"), [field, "phone"], out["country"])
    return out
