"""Tortoise configuration: every domain's models plus aerich's."""
from __future__ import annotations

import os
from typing import Any

MODEL_MODULES = [
    "oms.events.models",
    "oms.catalog.models",
    "oms.inventory.models",
    "oms.customers.models",
    "oms.orders.models",
    "oms.fulfillment.models",
    "oms.handoff.models",
    "oms.payments.models",
    "oms.notifications.models",
    "oms.returns.models",
]


def tortoise_config(db_url: str, *, pool_size: int = 20, with_aerich: bool = True) -> dict[str, Any]:
    if db_url.startswith("postgres://"):
        connection: dict[str, Any] | str = {
            "engine": "tortoise.backends.asyncpg",
            "credentials": _pg_credentials(db_url, pool_size),
        }
    else:
        connection = db_url
    models = list(MODEL_MODULES) + (["aerich.models"] if with_aerich else [])
    return {
        "connections": {"default": connection},
        "apps": {"models": {"models": models, "default_connection": "default"}},
        "use_tz": True,
        "timezone": "UTC",
    }


async def _keep_session(conn: Any) -> None:
    """Pool release without asyncpg's reset query (advisory unlock, CLOSE ALL,
    UNLISTEN, RESET ALL): one round trip saved per transaction. Safe because
    the OMS keeps no session state on pooled connections (no LISTEN, SET,
    cursors or session advisory locks); asyncpg still rolls back any open
    transaction before calling this."""
    return None


def _pg_credentials(db_url: str, pool_size: int) -> dict[str, Any]:
    from urllib.parse import unquote, urlparse

    u = urlparse(db_url)
    return {
        "host": u.hostname or "127.0.0.1",
        "port": u.port or 5432,
        "user": unquote(u.username or "postgres"),
        "password": unquote(u.password or ""),
        "database": (u.path or "/oms").lstrip("/") or "oms",
        "minsize": 1,
        "maxsize": pool_size,
        "reset": _keep_session,
    }


# aerich reads this (see [tool.aerich] in pyproject.toml).
AERICH_CONFIG = tortoise_config(os.environ.get("OMS_DATABASE_URL", "sqlite://oms.sqlite3"))
