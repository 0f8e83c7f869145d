"""DataLoader batch reads: rows of many parents in one query, handed back
as one list per parent id, in the order the ids were asked for."""
from __future__ import annotations

from collections import defaultdict
from typing import Any, Iterable


async def grouped_by(model: Any, key: str, ids: list[int],
                     order: Iterable[str] = ("id",)) -> list[list[Any]]:
    """`model` rows whose `key` is one of `ids`, grouped per id (an empty
    list for an id with none), each group in `order`."""
    groups: dict[int, list[Any]] = defaultdict(list)
    for row in await model.filter(**{f"{key}__in": ids}).order_by(*order):
        groups[getattr(row, key)].append(row)
    return [groups.get(i, []) for i in ids]
