"""Money is Decimal, quantised to the currency's minor unit, never float."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

CENT = Decimal("0.01")


def to_decimal(value: object) -> Decimal:
    try:
        d = Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise ValueError(f"not a decimal amount: {value!r}") from exc
    if not d.is_finite():
        raise ValueError(f"not a finite amount: {value!r}")
    try:
        return d.quantize(CENT, rounding=ROUND_HALF_EVEN)
    except InvalidOperation as exc:  # too many digits for the context (e.g. 1e400)
        raise ValueError(f"amount out of range: {value!r}") from exc


@dataclass(frozen=True)
class Money:
    amount: Decimal
    currency: str

    @classmethod
    def of(cls, amount: object, currency: str) -> "Money":
        return cls(to_decimal(amount), currency)
