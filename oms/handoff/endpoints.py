"""Where a partner location receives its fulfilment requests, and the secret
that signs them both ways. The hand-off owns these two columns of Location.

The secret is write-only: it is stored for signing and verifying, and no
read path (GraphQL or otherwise) returns it."""
from __future__ import annotations

from urllib.parse import urlsplit

from oms.catalog import service as catalog
from oms.catalog.models import Location
from oms.catalog.service import LocationKind
from oms.core.errors import Invalid
from oms.core.uow import unit_of_work

PARTNER_KINDS = frozenset({LocationKind.THIRD_PARTY_LOGISTICS.value, LocationKind.SUPPLIER.value})
MIN_SECRET = 16
MAX_SECRET = 200  # the column's width
MAX_URL = 500


def check_url(url: str) -> str:
    url = url.strip()
    if len(url) > MAX_URL:
        raise Invalid(f"url is longer than {MAX_URL} characters", field="url")
    if any(c.isspace() for c in url):
        raise Invalid("url must not contain spaces", field="url")
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError:
        raise Invalid("url is not a valid URL", field="url") from None
    if parts.scheme not in ("http", "https") or not host:
        raise Invalid("url must be an http or https URL with a host", field="url")
    return url


def check_secret(secret: str) -> str:
    if not (MIN_SECRET <= len(secret) <= MAX_SECRET):
        raise Invalid(f"secret must be {MIN_SECRET} to {MAX_SECRET} characters", field="secret")
    if any(c.isspace() for c in secret) or not secret.isprintable():
        raise Invalid("secret must not contain spaces or control characters", field="secret")
    return secret


async def set_endpoint(*, location: str, url: str | None, secret: str | None = None) -> Location:
    """Point a 3PL or supplier at its endpoint. A null url clears the endpoint
    and its secret (nothing more is sent there; inbound calls are refused).
    A url needs a secret, given now or kept from before."""
    url = check_url(url) if url is not None else None
    secret = check_secret(secret) if secret is not None else None
    async with unit_of_work():
        loc = await catalog.get_location(location)
        if loc.kind not in PARTNER_KINDS:
            raise Invalid("only THIRD_PARTY_LOGISTICS and SUPPLIER locations have an endpoint",
                          field="location")
        if url is None:
            if secret is not None:
                raise Invalid("a secret needs a url", field="secret")
            changes = {"endpoint_url": None, "endpoint_secret": None}
        else:
            if secret is None and not loc.endpoint_secret:
                raise Invalid("a secret is required with a url", field="secret")
            changes = {"endpoint_url": url, "endpoint_secret": secret or loc.endpoint_secret}
        await Location.filter(id=loc.id).update(**changes)
        for key, value in changes.items():
            setattr(loc, key, value)
        return loc


def is_partner(loc: Location) -> bool:
    """Shipments here are handed off: a partner kind with an endpoint and secret."""
    return loc.kind in PARTNER_KINDS and bool(loc.endpoint_url) and bool(loc.endpoint_secret)
