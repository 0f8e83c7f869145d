"""Setting up routing: a channel's strategy and a location's daily capacity.
Checked before anything is written; every mistake is reported at once."""
from __future__ import annotations

from typing import Any, Mapping

from oms.catalog.models import Channel, Location
from oms.core.errors import Invalid, NotFound
from oms.core.uow import unit_of_work

from . import routing

MAX_DAILY_CAPACITY = 1_000_000


async def set_strategy(channel: str, data: Mapping[str, Any] | None) -> routing.Strategy:
    """`data` in the JSON shape of Strategy.to_dict; None restores the default."""
    parsed = routing.strategy_from_dict(data) if data is not None else None
    async with unit_of_work():
        updated = await Channel.filter(code=channel).update(
            routing_strategy=parsed.to_dict() if parsed else None)
        if not updated:
            raise NotFound(f"unknown channel {channel}", field="channel")
    return parsed or routing.DEFAULT


async def set_capacity(location: str, daily_capacity: int | None) -> Location:
    """Orders a location may be routed per day (midnight UTC on); None: no limit."""
    if daily_capacity is not None and (
            isinstance(daily_capacity, bool) or not isinstance(daily_capacity, int)
            or not 0 <= daily_capacity <= MAX_DAILY_CAPACITY):
        raise Invalid(f"dailyCapacity must be a whole number from 0 to "
                      f"{MAX_DAILY_CAPACITY:,}, or null for no limit", field="dailyCapacity")
    async with unit_of_work():
        updated = await Location.filter(code=location).update(daily_capacity=daily_capacity)
        if not updated:
            raise NotFound(f"unknown location {location}", field="location")
        return await Location.get(code=location)
