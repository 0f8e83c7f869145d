"""Opaque global ids: base64("Type:pk"). Clients must not build them by hand."""
from __future__ import annotations

import base64
import binascii


def encode(type_name: str, pk: int) -> str:
    return base64.urlsafe_b64encode(f"{type_name}:{pk}".encode()).decode().rstrip("=")


def decode(type_name: str, global_id: str | None) -> int | None:
    """The pk behind an id of this type, or None for anything else (never raises)."""
    if not global_id or len(global_id) > 64:
        return None
    try:
        raw = base64.urlsafe_b64decode(global_id + "=" * (-len(global_id) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    prefix, _, pk = raw.partition(":")
    if prefix != type_name or not (pk.isascii() and pk.isdigit()) or len(pk) > 18:
        return None
    return int(pk)
