"""A channel's order-capture settings: its risk policy (markets included),
capture rules per source, how long unconfirmed orders hold stock, and its
shipping methods with their service levels. Read at every placement; changed
by staff through `update`, which checks everything before writing anything."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import time
from typing import Any

from oms.catalog.models import Channel, ShippingMethod
from oms.core import validation as v
from oms.core.errors import DomainError, Invalid, NotFound, ValidationErrors
from oms.core.uow import unit_of_work

from . import capture, capture_policy, promises, risk

MAX_TTL_MINUTES = 60 * 24 * 90  # a reservation held for more than 90 days is a mistake
MAX_METHODS = 50


async def capture_settings(channel_id: int) -> capture.ChannelCapture:
    channel = await Channel.get(id=channel_id)
    methods = await ShippingMethod.filter(channel_id=channel_id).order_by("id")
    return capture.channel_capture(
        risk_policy=channel.risk_policy, capture_overrides=channel.capture_overrides,
        reservation_ttl_minutes=channel.reservation_ttl_minutes,
        methods=[capture.method_from_row(m.code, m.name, m.service_days, m.handling_days,
                                         m.cutoff, m.timezone) for m in methods])


@dataclass(frozen=True)
class MethodInput:
    code: str
    name: str
    service_days: int
    handling_days: int = 0
    cutoff: str = "14:00"
    timezone: str = "UTC"


_UNSET: Any = object()


async def update(channel: str, *, risk_policy: Any = _UNSET, capture_overrides: Any = _UNSET,
                 reservation_ttl_minutes: Any = _UNSET, shipping_methods: Any = _UNSET
                 ) -> Channel:
    """Change what is given (None clears a setting; shipping methods replace
    the channel's set). Every mistake is reported at once and nothing is saved."""
    errors: list[DomainError] = []
    changes: dict[str, Any] = {}

    def attempt(fn, *args):
        try:
            return fn(*args)
        except ValidationErrors as exc:
            errors.extend(exc.errors)
        except DomainError as exc:
            errors.append(exc)
        return None

    if risk_policy is not _UNSET:
        parsed = attempt(risk.policy_from_dict, risk_policy) if risk_policy is not None else None
        changes["risk_policy"] = risk.policy_to_dict(parsed) if parsed else None
    if capture_overrides is not _UNSET:
        parsed = attempt(capture_policy.parse_overrides, capture_overrides)
        changes["capture_overrides"] = capture_policy.overrides_to_dict(parsed) if parsed else None
    if reservation_ttl_minutes is not _UNSET:
        if reservation_ttl_minutes is not None and (
                isinstance(reservation_ttl_minutes, bool)
                or not isinstance(reservation_ttl_minutes, int)
                or not 0 <= reservation_ttl_minutes <= MAX_TTL_MINUTES):
            errors.append(Invalid(f"reservationTtlMinutes must be from 0 (never lapse) to "
                                  f"{MAX_TTL_MINUTES}", field="reservationTtlMinutes"))
        changes["reservation_ttl_minutes"] = reservation_ttl_minutes
    methods: list[MethodInput] | None = None
    if shipping_methods is not _UNSET:
        methods = attempt(_checked_methods, shipping_methods or [])
    if errors:
        raise errors[0] if len(errors) == 1 else ValidationErrors(errors)
    async with unit_of_work():
        found = await Channel.filter(code=channel).select_for_update().first()
        if found is None:
            raise NotFound(f"unknown channel {channel}", field="channel")
        if changes:
            await Channel.filter(id=found.id).update(**changes)
        if methods is not None:
            await ShippingMethod.filter(channel_id=found.id).delete()
            await ShippingMethod.bulk_create([
                ShippingMethod(channel_id=found.id, code=m.code, name=m.name,
                               service_days=m.service_days, handling_days=m.handling_days,
                               cutoff=m.cutoff, timezone=m.timezone) for m in methods])
        return await Channel.get(id=found.id)


def _checked_methods(methods: list[MethodInput]) -> list[MethodInput]:
    if len(methods) > MAX_METHODS:
        raise Invalid(f"a channel has at most {MAX_METHODS} shipping methods",
                      field="shippingMethods")
    errors: list[DomainError] = []
    seen: set[str] = set()
    out = []
    for i, m in enumerate(methods):
        path = ["shippingMethods", str(i)]
        try:
            cutoff = _cutoff(m.cutoff, [*path, "cutoff"])
            name = v.text(m.name, "name", max_len=200)
            checked = promises.ShippingMethod(code=m.code, name=name, service_days=m.service_days,
                                              handling_days=m.handling_days, cutoff=cutoff,
                                              timezone=m.timezone)
        except DomainError as exc:
            errors.append(Invalid(exc.message, field=[*path, *_leaf(exc.field)]))
            continue
        if checked.code in seen:
            errors.append(Invalid(f"shipping method {checked.code} is listed twice",
                                  field=[*path, "code"]))
        seen.add(checked.code)
        out.append(MethodInput(code=checked.code, name=name, service_days=m.service_days,
                               handling_days=m.handling_days,
                               cutoff=cutoff.strftime("%H:%M"), timezone=m.timezone))
    if errors:
        raise errors[0] if len(errors) == 1 else ValidationErrors(errors)
    return out


def _leaf(field: Any) -> list[str]:
    if field is None:
        return []
    return [field[-1]] if isinstance(field, list) else [str(field)]


def _cutoff(value: str, field: list[str]) -> time:
    try:
        hour, minute = value.split(":")
        if len(hour) != 2 or len(minute) != 2:
            raise ValueError
        return time(int(hour), int(minute))
    except (ValueError, AttributeError):
        raise Invalid("cutoff must be a time of day as HH:MM, such as 14:00",
                      field=field) from None
