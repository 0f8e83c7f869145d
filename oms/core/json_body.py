"""Reading a signed webhook's JSON body field by field (carriers, partners),
with the field named in every refusal. Pure: standard library and oms.core.
Unknown keys are ignored, so a sender may send more than we read."""
from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from oms.core.errors import Invalid


def json_object(body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise Invalid("the body is not JSON", field="body") from None
    if not isinstance(data, dict):
        raise Invalid("the body must be a JSON object", field="body")
    return data


def text(data: dict[str, Any], key: str, max_len: int, *, required: bool = False
         ) -> str | None:
    """A string field, stripped; empty counts as missing. NUL is refused here
    rather than by PostgreSQL later."""
    value = data.get(key)
    if isinstance(value, str):
        value = value.strip()
    if value is None or value == "":
        if required:
            raise Invalid(f"{key} is required", field=key)
        return None
    if not isinstance(value, str):
        raise Invalid(f"{key} must be a string", field=key)
    if len(value) > max_len:
        raise Invalid(f"{key} is longer than {max_len} characters", field=key)
    if "\x00" in value:
        raise Invalid(f"{key} must not contain NUL characters", field=key)
    return value


def time(data: dict[str, Any], key: str, *, required: bool = False) -> datetime | None:
    """An ISO 8601 time with its time zone."""
    value = data.get(key)
    if value is None:
        if required:
            raise Invalid(f"{key} is required", field=key)
        return None
    try:
        parsed = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        raise Invalid(f"{key} must be an ISO 8601 time with a time zone", field=key)
    return parsed
