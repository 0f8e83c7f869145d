"""UPU S10 item identifiers: 2 letters, 8 serial digits, a check digit, and
the issuer's 2-letter country, e.g. CP000000014NL.

The S10 check digit is mod 11 with weights 8 6 4 2 3 5 9 7, but it folds
two remainders onto one digit (0 and 6 both give 5), so on its own it misses
some single-digit errors, and it cannot see the last serial digit swapped
with the check digit. We therefore issue only serials whose remainder is
neither 0 nor 6, choosing the last serial digit so that swap is caught too,
and refuse the folded remainders when validating. Every number we issue is
still a genuine S10 number; every single-digit change and every adjacent
transposition of its nine digits is rejected (tests/carriers prove it).
"""
from __future__ import annotations

import re

from oms.core.errors import Invalid

WEIGHTS = (8, 6, 4, 2, 3, 5, 9, 7)
_FOLDED = (0, 6)  # remainders whose check digit collides with another's
MAX_SEQUENCE = 10**7 - 1  # the 8th serial digit is ours to choose
_FORMAT = re.compile(r"[A-Z]{2}[0-9]{9}[A-Z]{2}")


def _remainder(serial: str) -> int:
    return sum(int(d) * w for d, w in zip(serial, WEIGHTS)) % 11


def check_digit(serial: str) -> int:
    """The S10 check digit of an 8-digit serial."""
    c = 11 - _remainder(serial)
    return {10: 0, 11: 5}.get(c, c)


def _valid_digits(digits: str) -> bool:
    serial = digits[:8]
    return _remainder(serial) not in _FOLDED and check_digit(serial) == int(digits[8])


def is_valid(value: object) -> bool:
    if not isinstance(value, str) or not _FORMAT.fullmatch(value):
        return False
    return _valid_digits(value[2:11])


def issue(sequence: int, *, prefix: str, country: str) -> str:
    is_int = isinstance(sequence, int) and not isinstance(sequence, bool)
    if not is_int or not 0 <= sequence <= MAX_SEQUENCE:
        raise Invalid(f"sequence must be from 0 to {MAX_SEQUENCE}", field="sequence")
    if not re.fullmatch(r"[A-Z]{2}", prefix) or not re.fullmatch(r"[A-Z]{2}", country):
        raise ValueError("an S10 prefix and issuer country are two capital letters")
    head = f"{sequence:07d}"
    for last in "0123456789":
        serial = head + last
        if _remainder(serial) in _FOLDED:
            continue
        digits = serial + str(check_digit(serial))
        swapped = digits[:7] + digits[8] + digits[7]
        if swapped == digits or not _valid_digits(swapped):
            return f"{prefix}{digits}{country}"
    # The weight 7 is invertible mod 11, so the ten choices give ten
    # remainders and at most two are folded or swap-blind; never reached.
    raise AssertionError(f"no S10 serial for sequence {sequence}")
