"""Human-readable order numbers: the channel code and the order id, such as
WEB-000042. Derived, not stored, so they cost nothing and never collide."""
from __future__ import annotations


def format_number(channel_code: str, order_id: int) -> str:
    return f"{channel_code}-{order_id:06d}"


def parse_number(number: str) -> tuple[str, int] | None:
    code, sep, digits = (number or "").strip().rpartition("-")
    if not sep or not code or not digits.isdigit() or len(digits) > 12:
        return None
    return code, int(digits)
