"""Resolve a gateway call whose outcome is unknown by looking it up, never by
charging twice. Pure: standard library and this package only.

A GatewayTimeout means the request may or may not have moved money. Sending
it again under a new idempotency key could charge the customer twice, so
`call_once` sends the call exactly once and, on a timeout, asks the gateway
what happened under the same key, a bounded number of times. If the gateway
still knows nothing, the outcome stays unknown and `OutcomeUnknown` is raised:
the caller records the payment as pending and resolves it later (a sweeper
calling `lookup`, or re-sending with the SAME key, which a gateway answers
from its book).

Callers must not hold a database transaction or a row lock around this
call: it waits on the network, for up to the sum of `lookup_delays` on top
of the call itself. Read what you need, commit, call the gateway, then open
a new transaction to record the result (house rule 6).
"""
from __future__ import annotations

import asyncio
from typing import Awaitable, Callable, Sequence

from .gateway import GatewayResult, GatewayTimeout, PaymentGateway

# Seconds to wait before each lookup: a gateway may need a moment to finish
# what it was doing when the connection dropped.
DEFAULT_LOOKUP_DELAYS: tuple[float, ...] = (0.5, 2.0, 5.0)


class OutcomeUnknown(GatewayTimeout):
    """The call timed out and no lookup could say what became of it."""


async def call_once(
    gateway: PaymentGateway,
    idempotency_key: str,
    send: Callable[[str], Awaitable[GatewayResult]],
    *,
    lookup_delays: Sequence[float] = DEFAULT_LOOKUP_DELAYS,
    sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
) -> GatewayResult:
    """Run `send(idempotency_key)` once; on a timeout, look the key up.

    `send` receives the key so that the call and the lookup cannot disagree
    about it, e.g. `lambda key: gateway.capture(..., idempotency_key=key)`.
    Returns the gateway's result (APPROVED or DECLINED) whether it came from
    the call or from a lookup. DomainErrors from the call propagate: the
    request was refused and nothing happened.
    """
    try:
        return await send(idempotency_key)
    except GatewayTimeout:
        pass
    for delay in lookup_delays:
        await sleep(delay)
        try:
            found = await gateway.lookup(idempotency_key=idempotency_key)
        except GatewayTimeout:
            continue  # the lookup itself went unanswered: try again
        if found is not None:
            return found
    raise OutcomeUnknown(
        f"no answer for idempotency key {idempotency_key!r} after "
        f"{len(lookup_delays)} lookups", idempotency_key=idempotency_key)
