"""Events as they travel: frozen records with their topics and a small payload
of ids and statuses (no personal data)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class Event:
    """What a use case records. Topics are columns so a subscriber can replay
    its own slice of the log with an index."""

    type: str
    order_id: int | None = None
    customer_id: int | None = None
    channel: str | None = None
    sku: str | None = None
    location: str | None = None
    payload: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class EventRecord(Event):
    """An event once written: it has its sequence id (the public cursor)."""

    id: int = 0
    created_at: datetime | None = None

    @classmethod
    def written(cls, event: Event, *, id: int, created_at: datetime) -> "EventRecord":
        return cls(**event.__dict__, id=id, created_at=created_at)

    def to_wire(self) -> dict[str, Any]:
        # Spelled out: dataclasses.asdict deep-copies, and this runs per event.
        return {"type": self.type, "order_id": self.order_id, "customer_id": self.customer_id,
                "channel": self.channel, "sku": self.sku, "location": self.location,
                "payload": self.payload, "id": self.id,
                "created_at": self.created_at.isoformat() if self.created_at else None}

    @classmethod
    def from_wire(cls, d: dict[str, Any]) -> "EventRecord":
        d = dict(d)
        if d.get("created_at"):
            d["created_at"] = datetime.fromisoformat(d["created_at"])
        return cls(**d)

    @classmethod
    def from_row(cls, row: Any) -> "EventRecord":
        return cls(type=row.type, order_id=row.order_id, customer_id=row.customer_id,
                   channel=row.channel, sku=row.sku, location=row.location,
                   payload=row.payload or {}, id=row.id, created_at=row.created_at)
