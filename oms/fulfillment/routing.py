"""Which locations fulfil an order, and why. Pure: no I/O.

A channel's strategy is data (Channel.routing_strategy, the JSON of
`Strategy.to_dict`); NULL is `DEFAULT`, which decides exactly as placement
always has: the first location in the channel's priority order that fills
the whole order, else each SKU split across locations in priority order.

How a strategy decides:
- Locations that rejected a shipment of the order, and locations that have
  already been routed their daily capacity today, are left out (with a reason).
- `safety_stock` is kept back at every location for routing only: a location
  gives a SKU only what leaves at least that many units available.
- PROXIMITY and LOCATION_PRIORITY order the locations, in the order listed;
  the channel's priority always breaks what is left of a tie. PROXIMITY ranks
  the shipping address's country and region first, then its country, then
  the rest.
- DROP_SHIP_FIRST: a SKU that one SUPPLIER location can give whole goes to
  the first such supplier (in the order above); the rest is routed as usual,
  suppliers included. Without it a supplier is an ordinary location, so a
  supplier listed last in the channel's priority only gets what warehouses
  cannot fill.
- One location that fills everything left always wins. Otherwise
  FEWEST_SHIPMENTS splits over the fewest locations (the first such set in
  the order above); without it each SKU is taken from locations in order.
FEWEST_SHIPMENTS and DROP_SHIP_FIRST switch behaviours on; their position in
the list does not matter.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from itertools import combinations
from typing import Any, Collection, Mapping, Sequence

from oms.core.errors import DomainError, Invalid, OutOfStock, ValidationErrors

MAX_SAFETY_STOCK = 1_000_000
# FEWEST_SHIPMENTS tries location sets smallest first; past this many sets it
# settles for a greedy cover (each next location the one giving most of what
# is left), so a wide order over many locations stays fast.
MAX_SETS_TRIED = 20_000

SUPPLIER = "SUPPLIER"


class Criterion(str, Enum):
    LOCATION_PRIORITY = "LOCATION_PRIORITY"
    FEWEST_SHIPMENTS = "FEWEST_SHIPMENTS"
    PROXIMITY = "PROXIMITY"
    DROP_SHIP_FIRST = "DROP_SHIP_FIRST"


class ReasonCode(str, Enum):
    SELECTED_PRIORITY = "SELECTED_PRIORITY"          # one location fills everything left
    SPLIT_PRIORITY = "SPLIT_PRIORITY"                # SKUs taken from locations in order
    SPLIT_FEWEST_SHIPMENTS = "SPLIT_FEWEST_SHIPMENTS"
    DROP_SHIP = "DROP_SHIP"
    PROXIMITY_SAME_REGION = "PROXIMITY_SAME_REGION"
    PROXIMITY_SAME_COUNTRY = "PROXIMITY_SAME_COUNTRY"
    PROXIMITY_OTHER_COUNTRY = "PROXIMITY_OTHER_COUNTRY"
    SKIPPED_CAPACITY = "SKIPPED_CAPACITY"
    SKIPPED_SAFETY_STOCK = "SKIPPED_SAFETY_STOCK"
    REJECTED_BY_LOCATION = "REJECTED_BY_LOCATION"
    NO_LOCATION_CAN_FILL = "NO_LOCATION_CAN_FILL"


class Outcome(str, Enum):
    ROUTED = "ROUTED"
    HELD = "HELD"  # no location could fill it: the order is held


_ORDERING = (Criterion.PROXIMITY, Criterion.LOCATION_PRIORITY)


@dataclass(frozen=True)
class Strategy:
    criteria: tuple[Criterion, ...] = (Criterion.LOCATION_PRIORITY,)
    safety_stock: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {"criteria": [c.value for c in self.criteria], "safetyStock": self.safety_stock}

    def has(self, criterion: Criterion) -> bool:
        return criterion in self.criteria


DEFAULT = Strategy()


def strategy_from_dict(data: Mapping[str, Any] | None) -> Strategy:
    """The stored (or given) JSON as a Strategy; None is DEFAULT. Every
    mistake is reported at once (ValidationErrors)."""
    if data is None:
        return DEFAULT
    if not isinstance(data, Mapping):
        raise Invalid("a routing strategy is an object", field="routingStrategy")
    errors: list[DomainError] = []
    raw = data.get("criteria")
    criteria: list[Criterion] = []
    if not isinstance(raw, (list, tuple)) or not raw:
        errors.append(Invalid("criteria must list at least one criterion", field="criteria"))
    else:
        for i, value in enumerate(raw):
            try:
                criterion = Criterion(value)
            except ValueError:
                errors.append(Invalid(f"unknown criterion {value!r}; one of "
                                      f"{', '.join(c.value for c in Criterion)}",
                                      field=["criteria", str(i)]))
                continue
            if criterion in criteria:
                errors.append(Invalid(f"{criterion.value} is listed twice",
                                      field=["criteria", str(i)]))
            criteria.append(criterion)
    safety = data.get("safetyStock", 0)
    if safety is None:
        safety = 0
    if isinstance(safety, bool) or not isinstance(safety, int) \
            or not 0 <= safety <= MAX_SAFETY_STOCK:
        errors.append(Invalid(f"safetyStock must be a whole number from 0 to "
                              f"{MAX_SAFETY_STOCK:,}", field="safetyStock"))
    if errors:
        raise errors[0] if len(errors) == 1 else ValidationErrors(errors)
    return Strategy(criteria=tuple(dict.fromkeys(criteria)), safety_stock=safety)


@dataclass(frozen=True)
class Site:
    """A location as routing sees it; the list handed to `decide` is in the
    channel's priority order."""

    id: int
    code: str
    kind: str = "WAREHOUSE"
    country: str | None = None
    region: str | None = None
    daily_capacity: int | None = None  # None: no limit
    routed_today: int = 0  # orders routed here since midnight (UTC)

    @property
    def full(self) -> bool:
        return self.daily_capacity is not None and self.routed_today >= self.daily_capacity


@dataclass(frozen=True)
class Reason:
    code: ReasonCode
    message: str
    location: str | None = None  # location code
    location_id: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code.value, "message": self.message, "location": self.location,
                "locationId": self.location_id}


Step = tuple[int, int, int]  # (product id, location id, quantity)


@dataclass(frozen=True)
class Decision:
    steps: list[Step]  # sorted by (product, location): the order rows are locked in
    locations: list[int]  # location ids in the order they were chosen
    reasons: list[Reason]
    # product id -> (units wanted, units the allowed locations could give)
    short: dict[int, tuple[int, int]] = field(default_factory=dict)

    @property
    def routed(self) -> bool:
        return not self.short

    def raise_if_short(self, skus: Mapping[int, str]) -> None:
        if not self.short:
            return
        p = min(self.short, key=lambda k: skus[k])
        wanted, routable = self.short[p]
        raise OutOfStock(f"not enough stock for {skus[p]}: {wanted} wanted, "
                         f"{routable} available", field=["lines", skus[p]])


def decide(need: Mapping[int, int], sites: Sequence[Site],
           available: Mapping[tuple[int, int], int], skus: Mapping[int, str], *,
           strategy: Strategy = DEFAULT, country: str | None = None,
           region: str | None = None, rejected: Collection[int] = ()) -> Decision:
    """Route `need` (units per product) over `sites` (priority order) given
    each (product, location)'s available units. `country`/`region` are the
    shipping address's; `rejected` are locations excluded for this order
    (a mapping gives each one's reason, for the record)."""
    reasons: list[Reason] = []
    rank = {s.id: i for i, s in enumerate(sites)}
    candidates: list[Site] = []
    for site in sites:
        if site.id in rejected:
            why = rejected.get(site.id) if isinstance(rejected, Mapping) else None
            reasons.append(_reason(ReasonCode.REJECTED_BY_LOCATION, site,
                                   f"{site.code} rejected a shipment of this order"
                                   + (f": {why}" if why else "")))
        elif site.full:
            reasons.append(_reason(ReasonCode.SKIPPED_CAPACITY, site,
                                   f"{site.code} has been routed {site.routed_today} orders "
                                   f"today, its daily capacity is {site.daily_capacity}"))
        else:
            candidates.append(site)
    if strategy.has(Criterion.PROXIMITY):  # otherwise they are in priority order already
        candidates.sort(key=lambda s: _order_key(s, strategy, rank[s.id], country, region))
    ss = strategy.safety_stock
    give: dict[tuple[int, int], int] = {}
    by_sku = sorted(need, key=lambda k: skus[k])
    for site in candidates:
        for p in by_sku:
            raw = available.get((p, site.id), 0)
            give[(p, site.id)] = g = raw - ss if raw > ss else 0
            if ss and raw >= need[p] > g:
                reasons.append(_reason(ReasonCode.SKIPPED_SAFETY_STOCK, site,
                                       f"{site.code} would keep fewer than {ss} {skus[p]} "
                                       f"available (has {raw}, {need[p]} wanted)"))
    short = {p: (q, total) for p, q in need.items()
             if (total := sum(give[(p, s.id)] for s in candidates)) < q}
    if short:
        for p in sorted(short, key=lambda k: skus[k]):
            wanted, routable = short[p]
            reasons.append(Reason(ReasonCode.NO_LOCATION_CAN_FILL,
                                  f"no allowed location can give {wanted} {skus[p]} "
                                  f"({routable} available to route)"))
        return Decision(steps=[], locations=[], reasons=reasons, short=short)

    taken: dict[tuple[int, int], int] = {}
    chosen: list[int] = []
    left = {p: q for p, q in need.items() if q > 0}

    def take(p: int, loc: int, q: int) -> None:
        taken[(p, loc)] = taken.get((p, loc), 0) + q
        give[(p, loc)] -= q
        left[p] -= q
        if not left[p]:
            del left[p]
        if loc not in chosen:
            chosen.append(loc)

    if strategy.has(Criterion.DROP_SHIP_FIRST):
        suppliers = [s for s in candidates if s.kind == SUPPLIER]
        for p in sorted(left, key=lambda k: skus[k]):
            site = next((s for s in suppliers if give[(p, s.id)] >= left[p]), None)
            if site is not None:
                reasons.append(_reason(ReasonCode.DROP_SHIP, site,
                                       f"{site.code} drop-ships {skus[p]}"))
                take(p, site.id, left[p])
    if left:
        single = next((s for s in candidates
                       if all(give[(p, s.id)] >= q for p, q in left.items())), None)
        if single is not None:
            reasons.append(_reason(ReasonCode.SELECTED_PRIORITY, single,
                                   f"{single.code} fills {_what(left, skus)}; first by "
                                   f"{_ordering_text(strategy)}"))
            for p, q in list(left.items()):
                take(p, single.id, q)
        else:
            used = (_fewest(left, candidates, give) if strategy.has(Criterion.FEWEST_SHIPMENTS)
                    else candidates)
            code = (ReasonCode.SPLIT_FEWEST_SHIPMENTS if strategy.has(Criterion.FEWEST_SHIPMENTS)
                    else ReasonCode.SPLIT_PRIORITY)
            before = set(chosen)
            for p in sorted(left, key=lambda k: skus[k]):
                for site in used:
                    q = min(left.get(p, 0), give[(p, site.id)])
                    if q > 0:
                        take(p, site.id, q)
            by_id = {s.id: s for s in candidates}
            split_sites = [by_id[loc] for loc in chosen if loc not in before]
            for site in split_sites:
                reasons.append(_reason(code, site, f"{site.code} gives part of the order; "
                                       + ("the fewest locations that fill it"
                                          if code is ReasonCode.SPLIT_FEWEST_SHIPMENTS
                                          else f"taken in {_ordering_text(strategy)} order")))
    if strategy.has(Criterion.PROXIMITY):
        by_id = {s.id: s for s in candidates}
        for loc in chosen:
            reasons.append(_proximity_reason(by_id[loc], country, region))
    return Decision(steps=sorted((p, loc, q) for (p, loc), q in taken.items()),
                    locations=chosen, reasons=reasons)


def _reason(code: ReasonCode, site: Site, message: str) -> Reason:
    return Reason(code, message, site.code, site.id)


def _what(left: Mapping[int, int], skus: Mapping[int, str]) -> str:
    return ", ".join(f"{q} {skus[p]}" for p, q in sorted(left.items(), key=lambda kv: skus[kv[0]]))


def _ordering_text(strategy: Strategy) -> str:
    named = [c.value for c in strategy.criteria if c in _ORDERING]
    if Criterion.LOCATION_PRIORITY.value not in named:
        named.append(Criterion.LOCATION_PRIORITY.value)
    return ", ".join(named)


def proximity(site: Site, country: str | None, region: str | None) -> int:
    """0: the address's country and region; 1: its country; 2: elsewhere."""
    if country is None or site.country is None or site.country.upper() != country.upper():
        return 2
    if region and site.region and site.region.casefold() == region.casefold():
        return 0
    return 1


def _order_key(site: Site, strategy: Strategy, priority: int, country: str | None,
               region: str | None) -> tuple[int, ...]:
    key: list[int] = []
    for c in strategy.criteria:
        if c is Criterion.PROXIMITY:
            key.append(proximity(site, country, region))
        elif c is Criterion.LOCATION_PRIORITY:
            key.append(priority)
    key.append(priority)
    return tuple(key)


def _proximity_reason(site: Site, country: str | None, region: str | None) -> Reason:
    level = proximity(site, country, region)
    if level == 0:
        return _reason(ReasonCode.PROXIMITY_SAME_REGION, site,
                       f"{site.code} is in the address's region ({site.region}, {site.country})")
    if level == 1:
        return _reason(ReasonCode.PROXIMITY_SAME_COUNTRY, site,
                       f"{site.code} is in the address's country ({site.country})")
    return _reason(ReasonCode.PROXIMITY_OTHER_COUNTRY, site,
                   f"{site.code} is outside the address's country")


def _fewest(left: Mapping[int, int], candidates: list[Site],
            give: Mapping[tuple[int, int], int]) -> list[Site]:
    """The smallest set of locations that together fill `left`, as the first
    such set in the candidates' order (kept in that order)."""
    def fills(sites: Sequence[Site]) -> bool:
        return all(sum(give[(p, s.id)] for s in sites) >= q for p, q in left.items())

    tried = 0
    for k in range(2, len(candidates) + 1):
        for combo in combinations(candidates, k):
            tried += 1
            if fills(combo):
                return list(combo)
            if tried >= MAX_SETS_TRIED:
                return _greedy_cover(left, candidates, give)
    return candidates  # unreachable: the caller checked that all of them fill it


def _greedy_cover(left: Mapping[int, int], candidates: list[Site],
                  give: Mapping[tuple[int, int], int]) -> list[Site]:
    remaining = dict(left)
    picked: list[Site] = []
    pool = list(candidates)
    while any(remaining.values()) and pool:
        best = max(pool, key=lambda s: sum(min(q, give[(p, s.id)])
                                           for p, q in remaining.items()))
        pool.remove(best)
        picked.append(best)
        for p in remaining:
            remaining[p] -= min(remaining[p], give[(p, best.id)])
    return [s for s in candidates if s in picked]


def assign_lines(steps: Sequence[Step], lines: Sequence[tuple[int, int, int]]
                 ) -> dict[int, list[tuple[int, int]]]:
    """Spread a decision's units over order lines: location id -> [(line id,
    qty)]. `lines` are (line id, product id, quantity still to route); each
    product's lines are filled by line id from its locations by location id,
    the order shipments are made in (oms.fulfillment.service.route_order)."""
    out: dict[int, list[tuple[int, int]]] = {}
    parts: dict[int, list[list[int]]] = {}
    for p, loc, q in sorted(steps, key=lambda s: (s[0], s[1])):
        parts.setdefault(p, []).append([loc, q])
    for line_id, p, qty in sorted(lines):
        for part in parts.get(p, []):
            if qty == 0:
                break
            q = min(qty, part[1])
            if q:
                out.setdefault(part[0], []).append((line_id, q))
                part[1] -= q
                qty -= q
    return out
