"""Inventory's own per-request DataLoaders.

They live exactly as long as the context's `Loaders` (a new one per HTTP
request and per subscription event), so they never serve stale rows, and
oms.graphql.loaders need not know of them."""
from __future__ import annotations

from weakref import WeakKeyDictionary

from strawberry.dataloader import DataLoader

from oms.graphql.context import Info
from oms.graphql.loaders import Loaders
from oms.inventory import queries


class InventoryLoaders:
    def __init__(self) -> None:
        # (product_id, location_id) -> open inbound expectations, oldest first
        self.open_inbound = DataLoader(queries.open_inbound)


_of: "WeakKeyDictionary[Loaders, InventoryLoaders]" = WeakKeyDictionary()


def inventory_loaders(info: Info) -> InventoryLoaders:
    loaders = info.context.loaders
    found = _of.get(loaders)
    if found is None:
        found = _of[loaders] = InventoryLoaders()
    return found
