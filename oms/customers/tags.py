"""A customer's tags: short labels staff put on a customer ("vip",
"wholesale", "prefers phone"). Pure: standard library and oms.core only.

A tag is stored normalised (trimmed, inner spaces collapsed, lower case) so
"VIP", " vip " and "Vip" are one tag, and a customer's tags are kept unique
and sorted, so the list reads the same however it was built."""
from __future__ import annotations

from typing import Iterable

from oms.core.errors import DomainError, ErrorCode, Invalid, ValidationErrors

MAX_TAG_LENGTH = 40
MAX_TAGS = 50


def normalise(tag: object, field: list[str]) -> str:
    if not isinstance(tag, str) or not tag.strip():
        raise Invalid("a tag must not be empty", field=field)
    value = " ".join(tag.split()).lower()
    if len(value) > MAX_TAG_LENGTH:
        raise Invalid(f"a tag is at most {MAX_TAG_LENGTH} characters", field=field,
                      code=ErrorCode.TAG_TOO_LONG)
    return value


def apply(current: Iterable[str], *, add: Iterable[object] = (),
          remove: Iterable[object] = ()) -> list[str]:
    """The tags after adding `add` and removing `remove`: unique and sorted.
    Raises every mistake at once (a ValidationErrors when there are several):
    an empty or too long tag, one both added and removed, more than MAX_TAGS."""
    errors: list[DomainError] = []
    added: list[str] = []
    for i, tag in enumerate(add):
        try:
            added.append(normalise(tag, ["addTags", str(i)]))
        except Invalid as exc:
            errors.append(exc)
    removed: set[str] = set()
    for i, tag in enumerate(remove):
        try:
            value = normalise(tag, ["removeTags", str(i)])
        except Invalid as exc:
            errors.append(exc)
            continue
        if value in added:
            errors.append(Invalid(f"the tag {value!r} is both added and removed",
                                  field=["removeTags", str(i)]))
        removed.add(value)
    tags = sorted((set(current) | set(added)) - removed)
    if not errors and len(tags) > MAX_TAGS:
        errors.append(Invalid(f"a customer has at most {MAX_TAGS} tags ({len(tags)} asked)",
                              field=["addTags"], code=ErrorCode.TOO_MANY_TAGS))
    if errors:
        raise errors[0] if len(errors) == 1 else ValidationErrors(errors)
    return tags
