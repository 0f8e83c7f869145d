"""Stock use cases on the real database: receive, adjust, transfer, reserve
and release. Every change writes ledger rows and StockChanged events; every
refusal changes nothing."""
from __future__ import annotations

import pytest

from oms.catalog import service as catalog
from oms.catalog.models import Channel, Product
from oms.core.errors import DomainError, ErrorCode, OutOfStock
from oms.events.models import EventLog
from oms.inventory import queries, service as inventory
from oms.inventory.models import Reservation, StockLevel, StockMovement

from tests import factories
from tests.assertions import refused


@pytest.fixture
async def stores(clean_db):
    """WEB is served by WH1 then WH2, MKT by WH2; WH3 serves no channel. No stock."""
    await factories.shop(stock={}, channels={"WEB": ["WH1", "WH2"], "MKT": ["WH2"]})
    await catalog.create_location(code="WH3", name="WH3", kind="WAREHOUSE")


async def _levels() -> list[tuple]:
    return sorted(await StockLevel.all().values_list(
        "product__sku", "location__code", "on_hand", "reserved", "safety_stock"))


async def _ledger(after: int = 0) -> list[tuple]:
    return list(await StockMovement.filter(id__gt=after).order_by("id").values_list(
        "kind", "product__sku", "location__code", "on_hand_delta", "reserved_delta", "reason",
        "reference", "actor"))


async def _events(after: int = 0) -> list[tuple]:
    return [(e.type, e.sku, e.channel, e.location, e.order_id, e.payload)
            for e in await EventLog.filter(id__gt=after).order_by("id")]


async def _marks() -> tuple[int, int]:
    last_move = await StockMovement.all().order_by("-id").first()
    last_event = await EventLog.all().order_by("-id").first()
    return (last_move.id if last_move else 0, last_event.id if last_event else 0)


async def _state() -> dict:
    return {"levels": await _levels(), "ledger": await _ledger(), "events": await _events(),
            "reservations": sorted(await Reservation.all().values_list(
                "order_id", "product_id", "location_id", "quantity"))}


async def _refused(code: ErrorCode, field: list[str] | None, coro) -> DomainError:
    return await refused(code, field, coro, state=_state)


async def _assert_ledger_adds_up() -> None:
    """Each level is exactly the sum of its ledger rows."""
    for lvl in await StockLevel.all().prefetch_related("product", "location"):
        rows = await StockMovement.filter(product_id=lvl.product_id,
                                          location_id=lvl.location_id).values_list(
            "on_hand_delta", "reserved_delta")
        assert (sum(r[0] for r in rows), sum(r[1] for r in rows)) == (
            lvl.on_hand, lvl.reserved), (lvl.product.sku, lvl.location.code)


# ---- receive

async def test_receive_creates_the_level_a_ledger_row_and_an_event_per_channel(stores):
    level = await inventory.receive(sku="SKU-A", location="WH2", quantity=7,
                                    reference=" PO-1 ", actor="ann")
    assert (level.on_hand, level.reserved, level.safety_stock, level.incoming) == (7, 0, 0, 0)
    assert await _levels() == [("SKU-A", "WH2", 7, 0, 0)]
    assert await _ledger() == [("RECEIPT", "SKU-A", "WH2", 7, 0, None, "PO-1", "ann")]
    # WH2 serves MKT and WEB: one event for each channel whose stock moved.
    assert await _events() == [("StockChanged", "SKU-A", "MKT", "WH2", None, {}),
                               ("StockChanged", "SKU-A", "WEB", "WH2", None, {})]


async def test_receive_adds_to_what_is_there(stores):
    await inventory.receive(sku="SKU-A", location="WH1", quantity=7)
    level = await inventory.receive(sku="SKU-A", location="WH1", quantity=5)
    assert level.on_hand == 12
    assert await _levels() == [("SKU-A", "WH1", 12, 0, 0)]
    assert await _ledger() == [("RECEIPT", "SKU-A", "WH1", 7, 0, None, None, None),
                               ("RECEIPT", "SKU-A", "WH1", 5, 0, None, None, None)]
    assert await _events() == [("StockChanged", "SKU-A", "WEB", "WH1", None, {})] * 2
    await _assert_ledger_adds_up()


async def test_receive_at_a_location_serving_no_channel_has_a_channelless_event(stores):
    await inventory.receive(sku="SKU-B", location="WH3", quantity=1)
    assert await _events() == [("StockChanged", "SKU-B", None, "WH3", None, {})]


@pytest.mark.parametrize(("kw", "code", "field"), [
    ({"quantity": 0}, ErrorCode.INVALID, ["quantity"]),
    ({"quantity": -3}, ErrorCode.INVALID, ["quantity"]),
    ({"quantity": 1_000_001}, ErrorCode.INVALID, ["quantity"]),
    ({"reference": "R" * 201}, ErrorCode.INVALID, ["reference"]),
    ({"sku": "NOPE"}, ErrorCode.NOT_FOUND, ["sku"]),
    ({"location": "NOWHERE"}, ErrorCode.NOT_FOUND, ["location"]),
])
async def test_receive_refuses_bad_input_and_changes_nothing(stores, kw, code, field):
    await inventory.receive(sku="SKU-A", location="WH1", quantity=4)
    args = {"sku": "SKU-A", "location": "WH1", "quantity": 2, **kw}
    await _refused(code, field, inventory.receive(**args))


async def test_receive_of_an_unknown_sku_creates_no_level(stores):
    await _refused(ErrorCode.NOT_FOUND, ["sku"],
                   inventory.receive(sku="NOPE", location="WH1", quantity=1))
    assert await StockLevel.all().count() == 0


# ---- adjust

async def test_adjust_up_and_down_with_a_reason(stores):
    await inventory.receive(sku="SKU-A", location="WH1", quantity=10)
    move, event = await _marks()
    level = await inventory.adjust(sku="SKU-A", location="WH1", delta=-3, reason=" broken ",
                                   actor="bob")
    assert (level.on_hand, level.reserved) == (7, 0)
    level = await inventory.adjust(sku="SKU-A", location="WH1", delta=2, reason="found")
    assert level.on_hand == 9
    assert await _ledger(move) == [
        ("ADJUSTMENT", "SKU-A", "WH1", -3, 0, "broken", None, "bob"),
        ("ADJUSTMENT", "SKU-A", "WH1", 2, 0, "found", None, None)]
    assert await _events(event) == [("StockChanged", "SKU-A", "WEB", "WH1", None, {})] * 2
    await _assert_ledger_adds_up()


async def test_adjust_may_take_on_hand_down_to_what_is_reserved(stores):
    await inventory.receive(sku="SKU-A", location="WH1", quantity=10)
    await factories.place([("SKU-A", 4)])
    level = await inventory.adjust(sku="SKU-A", location="WH1", delta=-6, reason="count")
    assert (level.on_hand, level.reserved) == (4, 4)
    await _assert_ledger_adds_up()


async def test_adjust_cannot_remove_units_promised_to_orders(stores):
    await inventory.receive(sku="SKU-A", location="WH1", quantity=10)
    await factories.place([("SKU-A", 2)])
    err = await _refused(ErrorCode.INVALID, ["delta"], inventory.adjust(
        sku="SKU-A", location="WH1", delta=-9, reason="count"))
    assert err.message == "cannot remove 9: 10 on hand, 2 reserved"
    assert await _levels() == [("SKU-A", "WH1", 10, 2, 0)]


async def test_adjust_down_where_there_is_no_stock_leaves_no_level_behind(stores):
    err = await _refused(ErrorCode.INVALID, ["delta"], inventory.adjust(
        sku="SKU-A", location="WH2", delta=-1, reason="count"))
    assert err.message == "cannot remove 1: 0 on hand, 0 reserved"
    assert await StockLevel.all().count() == 0


@pytest.mark.parametrize(("kw", "code", "field"), [
    ({"delta": 0}, ErrorCode.INVALID, ["delta"]),
    ({"delta": 1_000_001}, ErrorCode.INVALID, ["delta"]),
    ({"delta": -1_000_001}, ErrorCode.INVALID, ["delta"]),
    ({"delta": 1.5}, ErrorCode.INVALID, ["delta"]),
    ({"reason": "  "}, ErrorCode.INVALID, ["reason"]),
    ({"reason": "r" * 501}, ErrorCode.INVALID, ["reason"]),
    ({"sku": "NOPE"}, ErrorCode.NOT_FOUND, ["sku"]),
    ({"location": "NOWHERE"}, ErrorCode.NOT_FOUND, ["location"]),
])
async def test_adjust_refuses_bad_input_and_changes_nothing(stores, kw, code, field):
    await inventory.receive(sku="SKU-A", location="WH1", quantity=5)
    args = {"sku": "SKU-A", "location": "WH1", "delta": -1, "reason": "count", **kw}
    await _refused(code, field, inventory.adjust(**args))


# ---- transfer

async def test_transfer_moves_units_at_once_with_two_ledger_rows(stores):
    await inventory.receive(sku="SKU-A", location="WH1", quantity=10)
    move, event = await _marks()
    src, dst = await inventory.transfer(sku="SKU-A", from_location="WH1", to_location="WH2",
                                        quantity=4, actor="ann")
    assert (src.on_hand, dst.on_hand) == (6, 4)
    assert await _levels() == [("SKU-A", "WH1", 6, 0, 0), ("SKU-A", "WH2", 4, 0, 0)]
    assert await _ledger(move) == [
        ("TRANSFER_OUT", "SKU-A", "WH1", -4, 0, None, "WH2", "ann"),
        ("TRANSFER_IN", "SKU-A", "WH2", 4, 0, None, "WH1", "ann")]
    # One event per (sku, channel): WEB (seen at WH1 first) and MKT (at WH2).
    assert await _events(event) == [("StockChanged", "SKU-A", "WEB", "WH1", None, {}),
                                    ("StockChanged", "SKU-A", "MKT", "WH2", None, {})]
    await _assert_ledger_adds_up()


async def test_transfer_to_a_location_serving_no_channel(stores):
    await inventory.receive(sku="SKU-B", location="WH2", quantity=3)
    _, event = await _marks()
    await inventory.transfer(sku="SKU-B", from_location="WH2", to_location="WH3", quantity=3)
    assert await _levels() == [("SKU-B", "WH2", 0, 0, 0), ("SKU-B", "WH3", 3, 0, 0)]
    assert await _events(event) == [("StockChanged", "SKU-B", "MKT", "WH2", None, {}),
                                    ("StockChanged", "SKU-B", "WEB", "WH2", None, {}),
                                    ("StockChanged", "SKU-B", None, "WH3", None, {})]


async def test_transfer_cannot_move_reserved_or_safety_stock(stores):
    await inventory.receive(sku="SKU-A", location="WH1", quantity=10)
    await factories.place([("SKU-A", 3)])
    await StockLevel.filter(location__code="WH1").update(safety_stock=2)
    err = await _refused(ErrorCode.OUT_OF_STOCK, ["quantity"], inventory.transfer(
        sku="SKU-A", from_location="WH1", to_location="WH2", quantity=6))
    assert err.message == "not enough available SKU-A at WH1"
    assert await StockLevel.filter(location__code="WH2").count() == 0
    await inventory.transfer(sku="SKU-A", from_location="WH1", to_location="WH2", quantity=5)
    assert await _levels() == [("SKU-A", "WH1", 5, 3, 2), ("SKU-A", "WH2", 5, 0, 0)]


async def test_transfer_both_ways_keeps_the_totals(stores):
    await inventory.receive(sku="SKU-A", location="WH1", quantity=5)
    await inventory.receive(sku="SKU-A", location="WH2", quantity=5)
    await inventory.transfer(sku="SKU-A", from_location="WH2", to_location="WH1", quantity=5)
    await inventory.transfer(sku="SKU-A", from_location="WH1", to_location="WH2", quantity=2)
    assert await _levels() == [("SKU-A", "WH1", 8, 0, 0), ("SKU-A", "WH2", 2, 0, 0)]
    await _assert_ledger_adds_up()


@pytest.mark.parametrize(("kw", "code", "field"), [
    ({"quantity": 0}, ErrorCode.INVALID, ["quantity"]),
    ({"quantity": -1}, ErrorCode.INVALID, ["quantity"]),
    ({"quantity": 1_000_001}, ErrorCode.INVALID, ["quantity"]),
    ({"to_location": "WH1"}, ErrorCode.INVALID, ["to"]),
    ({"sku": "NOPE"}, ErrorCode.NOT_FOUND, ["sku"]),
    ({"from_location": "NOWHERE"}, ErrorCode.NOT_FOUND, ["from"]),
    ({"to_location": "NOWHERE"}, ErrorCode.NOT_FOUND, ["to"]),
    ({"quantity": 6}, ErrorCode.OUT_OF_STOCK, ["quantity"]),
    ({"from_location": "WH3", "to_location": "WH1"}, ErrorCode.OUT_OF_STOCK, ["quantity"]),
])
async def test_transfer_refuses_bad_input_and_changes_nothing(stores, kw, code, field):
    await inventory.receive(sku="SKU-A", location="WH1", quantity=5)
    args = {"sku": "SKU-A", "from_location": "WH1", "to_location": "WH2", "quantity": 1, **kw}
    await _refused(code, field, inventory.transfer(**args))


# ---- available = onHand - reserved - safetyStock

async def test_available_is_on_hand_less_reserved_less_safety_stock(stores):
    await inventory.receive(sku="SKU-A", location="WH1", quantity=10)
    await inventory.receive(sku="SKU-A", location="WH2", quantity=6)
    await factories.place([("SKU-A", 3)])  # WEB: WH1 fills it
    await StockLevel.filter(location__code="WH1").update(safety_stock=2)
    await StockLevel.filter(location__code="WH2").update(safety_stock=1)
    wh1 = await StockLevel.get(location__code="WH1")
    wh2 = await StockLevel.get(location__code="WH2")
    assert (queries.sellable(wh1), queries.sellable(wh2)) == (10 - 3 - 2, 6 - 0 - 1)
    product = await Product.get(sku="SKU-A")
    web, mkt = await Channel.get(code="WEB"), await Channel.get(code="MKT")
    figures = await queries.channel_stock([(web.id, product.id), (mkt.id, product.id)])
    assert [(f.available, f.reserved) for f in figures] == [(5 + 5, 3), (5, 0)]


async def test_available_is_never_below_zero(stores):
    await inventory.receive(sku="SKU-A", location="WH1", quantity=4)
    await factories.place([("SKU-A", 3)])
    await StockLevel.filter(location__code="WH1").update(safety_stock=3)
    level = await StockLevel.get(location__code="WH1")
    assert queries.sellable(level) == 0
    assert queries.sellable({"on_hand": 4, "reserved": 3, "safety_stock": 3, "damaged": 0}) == 0
    assert queries.sellable({"on_hand": 9, "reserved": 3, "safety_stock": 3, "damaged": 4}) == 0


async def test_safety_stock_is_not_sold(stores):
    await inventory.receive(sku="SKU-A", location="WH1", quantity=10)
    await StockLevel.filter(location__code="WH1").update(safety_stock=4)
    with pytest.raises(OutOfStock) as exc:
        await factories.place([("SKU-A", 7)])
    assert exc.value.message == "not enough stock for SKU-A: 7 wanted, 6 available"
    order = await factories.place([("SKU-A", 6)])
    assert order.status == "PENDING"
    assert await _levels() == [("SKU-A", "WH1", 10, 6, 4)]


# ---- reserve and release, as the order use cases call them

async def _want(sku: str, qty: int) -> inventory.Want:
    return inventory.Want(product_id=(await Product.get(sku=sku)).id, sku=sku, quantity=qty)


async def test_reserve_sums_wants_of_one_product_and_release_gives_all_back(stores):
    await inventory.receive(sku="SKU-A", location="WH1", quantity=3)
    await inventory.receive(sku="SKU-A", location="WH2", quantity=3)
    web = await Channel.get(code="WEB")
    move, event = await _marks()
    await inventory.reserve(order_id=41, channel_id=web.id, actor="ann",
                            location_ids=await catalog.channel_location_ids(web.id),
                            wants=[await _want("SKU-A", 2), await _want("SKU-A", 2)])
    assert await _levels() == [("SKU-A", "WH1", 3, 3, 0), ("SKU-A", "WH2", 3, 1, 0)]
    assert sorted(await Reservation.all().values_list(
        "order_id", "channel_id", "location__code", "quantity")) == [
        (41, web.id, "WH1", 3), (41, web.id, "WH2", 1)]
    assert await _ledger(move) == [
        ("RESERVE", "SKU-A", "WH1", 0, 3, None, "order:41", "ann"),
        ("RESERVE", "SKU-A", "WH2", 0, 1, None, "order:41", "ann")]
    assert await _events(event) == [("StockChanged", "SKU-A", "WEB", "WH1", None, {}),
                                    ("StockChanged", "SKU-A", "MKT", "WH2", None, {})]

    move, event = await _marks()
    await inventory.release(order_id=41, actor="bob", reason="changed mind")
    assert await _levels() == [("SKU-A", "WH1", 3, 0, 0), ("SKU-A", "WH2", 3, 0, 0)]
    assert await Reservation.all().count() == 0
    assert await _ledger(move) == [
        ("RELEASE", "SKU-A", "WH1", 0, -3, "changed mind", "order:41", "bob"),
        ("RELEASE", "SKU-A", "WH2", 0, -1, "changed mind", "order:41", "bob")]
    assert await _events(event) == [("StockChanged", "SKU-A", "WEB", "WH1", None, {}),
                                    ("StockChanged", "SKU-A", "MKT", "WH2", None, {})]
    await _assert_ledger_adds_up()


async def test_releasing_twice_gives_back_once(stores):
    await inventory.receive(sku="SKU-A", location="WH1", quantity=3)
    web = await Channel.get(code="WEB")
    await inventory.reserve(order_id=7, channel_id=web.id,
                            location_ids=await catalog.channel_location_ids(web.id), wants=[await _want("SKU-A", 2)])
    await inventory.release(order_id=7)
    before = await _state()
    await inventory.release(order_id=7)
    assert await _state() == before
    assert await _levels() == [("SKU-A", "WH1", 3, 0, 0)]


async def test_reserve_all_or_nothing(stores):
    await inventory.receive(sku="SKU-A", location="WH1", quantity=3)
    await inventory.receive(sku="SKU-B", location="WH1", quantity=1)
    web = await Channel.get(code="WEB")
    err = await _refused(ErrorCode.OUT_OF_STOCK, ["lines", "SKU-B"], inventory.reserve(
        order_id=8, channel_id=web.id,
        location_ids=await catalog.channel_location_ids(web.id), wants=[await _want("SKU-A", 3), await _want("SKU-B", 2)]))
    assert err.message == "not enough stock for SKU-B: 2 wanted, 1 available"


async def test_reserve_in_a_channel_without_locations_is_out_of_stock(stores):
    await catalog.create_channel(code="POP", name="Pop-up", kind="STORE", currency="EUR")
    await inventory.receive(sku="SKU-A", location="WH1", quantity=3)
    pop = await Channel.get(code="POP")
    err = await _refused(ErrorCode.OUT_OF_STOCK, ["channel"], inventory.reserve(
        order_id=9, channel_id=pop.id, location_ids=[], wants=[await _want("SKU-A", 1)]))
    assert err.message == "the channel has no stock locations"
