"""Stock control on the real database: inbound expectations and receipts
against them, safety stock, damaged units and write-offs, cycle counts,
low-stock thresholds, and the ledger every change writes (what moved, from
which quantity to which, why, the reference, who). Every refusal changes
nothing: no level, no ledger row, no expectation, no event."""
from __future__ import annotations

import pytest

from oms.catalog import service as catalog
from oms.core.errors import DomainError, ErrorCode
from oms.events.models import EventLog
from oms.fulfillment import service as fulfillment
from oms.inventory import levels, service as inventory
from oms.inventory.models import InboundExpectation, Reservation, StockLevel, StockMovement
from oms.orders import service as orders

from tests import factories
from tests.assertions import refused

QUANTITIES = levels.QUANTITIES


@pytest.fixture
async def stores(clean_db):
    """WEB is served by WH1 then WH2, MKT by WH2; WH3 serves no channel. No stock."""
    await factories.shop(stock={}, channels={"WEB": ["WH1", "WH2"], "MKT": ["WH2"]})
    await catalog.create_location(code="WH3", name="WH3", kind="WAREHOUSE")


async def _level(sku: str = "SKU-A", location: str = "WH1") -> dict:
    """on_hand, reserved, damaged, incoming, safety_stock, threshold and available."""
    lvl = await StockLevel.get(product__sku=sku, location__code=location)
    figures = levels.Figures.of(lvl)
    return {"on_hand": lvl.on_hand, "reserved": lvl.reserved, "damaged": lvl.damaged,
            "incoming": lvl.incoming, "safety_stock": lvl.safety_stock,
            "threshold": lvl.low_stock_threshold, "available": figures.available}


def _figures(on_hand=0, reserved=0, damaged=0, incoming=0, safety_stock=0, threshold=None):
    return {"on_hand": on_hand, "reserved": reserved, "damaged": damaged, "incoming": incoming,
            "safety_stock": safety_stock, "threshold": threshold,
            "available": levels.available(on_hand, reserved, safety_stock, damaged)}


async def _moves(after: int = 0) -> list[tuple]:
    """Ledger rows: (kind, location, {quantity: (before, after)} for what moved,
    reason, reference, actor). Also checks every row's figures add up."""
    out = []
    for m in await StockMovement.filter(id__gt=after).order_by("id").prefetch_related(
            "location"):
        moved = {}
        for q in QUANTITIES:
            delta, before, after_ = (getattr(m, f"{q}_{part}")
                                     for part in ("delta", "before", "after"))
            assert before is not None and after_ is not None, (m.kind, q)
            assert after_ - before == delta, (m.kind, q)
            if delta:
                moved[q] = (before, after_)
        out.append((m.kind, m.location.code, moved, m.reason, m.reference, m.actor))
    return out


async def _events(after: int = 0) -> list[tuple]:
    return [(e.type, e.sku, e.channel, e.location, e.payload)
            for e in await EventLog.filter(id__gt=after).order_by("id")]


async def _marks() -> tuple[int, int]:
    last_move = await StockMovement.all().order_by("-id").first()
    last_event = await EventLog.all().order_by("-id").first()
    return (last_move.id if last_move else 0, last_event.id if last_event else 0)


async def _expectations() -> list[tuple]:
    rows = await InboundExpectation.all().order_by("id").prefetch_related("product", "location")
    return [(e.product.sku, e.location.code, e.reference, e.expected, e.received, e.remaining,
             e.closed_at is not None) for e in rows]


async def _state() -> dict:
    """Everything a stock use case may write."""
    return {"levels": sorted(await StockLevel.all().values_list(
                "product_id", "location_id", "on_hand", "reserved", "damaged", "incoming",
                "safety_stock", "low_stock_threshold")),
            "ledger": await StockMovement.all().order_by("id").values(),
            "expectations": await InboundExpectation.all().order_by("id").values(),
            "reservations": await Reservation.all().order_by("id").values(),
            "events": await _events()}


async def _refused(code: ErrorCode, field: list[str] | None, coro) -> DomainError:
    return await refused(code, field, coro, state=_state)


async def _assert_ledger_adds_up() -> None:
    """Every quantity of every level is the sum of its ledger's deltas, and
    each row starts where the one before it at that level ended."""
    for lvl in await StockLevel.all():
        rows = await StockMovement.filter(product_id=lvl.product_id,
                                          location_id=lvl.location_id).order_by("id")
        for q in QUANTITIES:
            assert sum(getattr(r, f"{q}_delta") for r in rows) == getattr(lvl, q), q
            chain = [(getattr(r, f"{q}_before"), getattr(r, f"{q}_after")) for r in rows]
            for (_, end), (start, _) in zip(chain, chain[1:]):
                assert start == end, (q, chain)
        expected = sum(e.remaining for e in await InboundExpectation.filter(
            product_id=lvl.product_id, location_id=lvl.location_id))
        assert lvl.incoming == expected


# ---- expect and receive

async def test_expect_adds_to_incoming_under_a_reference(stores):
    level = await inventory.expect(sku="SKU-A", location="WH1", quantity=10,
                                   reference=" PO-1 ", actor="ann")
    assert (level.on_hand, level.incoming) == (0, 10)
    await inventory.expect(sku="SKU-A", location="WH1", quantity=5, reference="PO-1")
    await inventory.expect(sku="SKU-A", location="WH1", quantity=3, reference="PO-2")
    assert await _level() == _figures(incoming=18)
    assert await _expectations() == [("SKU-A", "WH1", "PO-1", 15, 0, 15, False),
                                     ("SKU-A", "WH1", "PO-2", 3, 0, 3, False)]
    assert await _moves() == [
        ("EXPECTED", "WH1", {"incoming": (0, 10)}, None, "PO-1", "ann"),
        ("EXPECTED", "WH1", {"incoming": (10, 15)}, None, "PO-1", None),
        ("EXPECTED", "WH1", {"incoming": (15, 18)}, None, "PO-2", None)]
    # Incoming units are not sellable: no channel's figures moved.
    assert await _events() == []
    await _assert_ledger_adds_up()


async def test_receiving_against_an_expectation_moves_units_from_incoming_to_on_hand(stores):
    await inventory.expect(sku="SKU-A", location="WH1", quantity=10, reference="PO-1")
    await inventory.expect(sku="SKU-A", location="WH1", quantity=4, reference="PO-2")
    move, event = await _marks()
    level = await inventory.receive(sku="SKU-A", location="WH1", quantity=6, reference="PO-1",
                                    actor="bob")
    assert (level.on_hand, level.incoming) == (6, 8)
    assert await _expectations() == [("SKU-A", "WH1", "PO-1", 10, 6, 4, False),
                                     ("SKU-A", "WH1", "PO-2", 4, 0, 4, False)]
    # The rest of PO-1 arrives, exactly: the expectation is closed.
    await inventory.receive(sku="SKU-A", location="WH1", quantity=4, reference="PO-1")
    assert await _level() == _figures(on_hand=10, incoming=4)
    assert await _expectations() == [("SKU-A", "WH1", "PO-1", 10, 10, 0, True),
                                     ("SKU-A", "WH1", "PO-2", 4, 0, 4, False)]
    assert await _moves(move) == [
        ("RECEIPT", "WH1", {"on_hand": (0, 6), "incoming": (14, 8)}, None, "PO-1", "bob"),
        ("RECEIPT", "WH1", {"on_hand": (6, 10), "incoming": (8, 4)}, None, "PO-1", None)]
    assert await _events(event) == [("StockChanged", "SKU-A", "WEB", "WH1", {})] * 2
    await _assert_ledger_adds_up()


async def test_receiving_more_than_expected_receives_it_all_and_closes_the_expectation(stores):
    await inventory.expect(sku="SKU-A", location="WH1", quantity=5, reference="PO-1")
    await inventory.expect(sku="SKU-A", location="WH1", quantity=2, reference="PO-2")
    move, _ = await _marks()
    await inventory.receive(sku="SKU-A", location="WH1", quantity=8, reference="PO-1")
    assert await _level() == _figures(on_hand=8, incoming=2)  # PO-2 still expected
    assert await _expectations() == [("SKU-A", "WH1", "PO-1", 5, 8, 0, True),
                                     ("SKU-A", "WH1", "PO-2", 2, 0, 2, False)]
    # More under the closed reference is a receipt that nothing expected.
    await inventory.receive(sku="SKU-A", location="WH1", quantity=1, reference="PO-1")
    assert await _level() == _figures(on_hand=9, incoming=2)
    assert await _moves(move) == [
        ("RECEIPT", "WH1", {"on_hand": (0, 8), "incoming": (7, 2)}, None, "PO-1", None),
        ("RECEIPT", "WH1", {"on_hand": (8, 9)}, None, "PO-1", None)]
    await _assert_ledger_adds_up()


async def test_a_receipt_takes_only_from_its_own_reference_location_and_sku(stores):
    await inventory.expect(sku="SKU-A", location="WH1", quantity=5, reference="PO-1")
    await inventory.expect(sku="SKU-A", location="WH2", quantity=5, reference="PO-1")
    await inventory.expect(sku="SKU-B", location="WH1", quantity=5, reference="PO-1")
    await inventory.receive(sku="SKU-A", location="WH1", quantity=3)  # no reference
    await inventory.receive(sku="SKU-A", location="WH1", quantity=3, reference="PO-9")
    assert await _level() == _figures(on_hand=6, incoming=5)
    await inventory.receive(sku="SKU-A", location="WH1", quantity=2, reference="PO-1")
    assert await _level() == _figures(on_hand=8, incoming=3)
    assert await _level("SKU-A", "WH2") == _figures(incoming=5)
    assert await _level("SKU-B", "WH1") == _figures(incoming=5)
    await _assert_ledger_adds_up()


async def test_expecting_more_under_a_closed_reference_reopens_it(stores):
    await inventory.expect(sku="SKU-A", location="WH1", quantity=2, reference="PO-1")
    await inventory.receive(sku="SKU-A", location="WH1", quantity=3, reference="PO-1")
    await inventory.expect(sku="SKU-A", location="WH1", quantity=4, reference="PO-1")
    assert await _expectations() == [("SKU-A", "WH1", "PO-1", 6, 3, 4, False)]
    await inventory.receive(sku="SKU-A", location="WH1", quantity=4, reference="PO-1")
    assert await _expectations() == [("SKU-A", "WH1", "PO-1", 6, 7, 0, True)]
    assert await _level() == _figures(on_hand=7)
    await _assert_ledger_adds_up()


@pytest.mark.parametrize(("kw", "code", "field"), [
    ({"quantity": 0}, ErrorCode.INVALID, ["quantity"]),
    ({"quantity": -4}, ErrorCode.INVALID, ["quantity"]),
    ({"quantity": 1_000_001}, ErrorCode.INVALID, ["quantity"]),
    ({"quantity": True}, ErrorCode.INVALID, ["quantity"]),
    ({"quantity": 2.5}, ErrorCode.INVALID, ["quantity"]),
    ({"reference": "  "}, ErrorCode.INVALID, ["reference"]),
    ({"reference": None}, ErrorCode.INVALID, ["reference"]),
    ({"reference": "R" * 201}, ErrorCode.INVALID, ["reference"]),
    ({"sku": "NOPE"}, ErrorCode.NOT_FOUND, ["sku"]),
    ({"location": "NOWHERE"}, ErrorCode.NOT_FOUND, ["location"]),
])
async def test_expect_refuses_bad_input_and_changes_nothing(stores, kw, code, field):
    await inventory.expect(sku="SKU-A", location="WH1", quantity=4, reference="PO-1")
    args = {"sku": "SKU-A", "location": "WH1", "quantity": 2, "reference": "PO-1", **kw}
    await _refused(code, field, inventory.expect(**args))


async def test_no_quantity_grows_past_a_billion_units(stores):
    await inventory.receive(sku="SKU-A", location="WH1", quantity=1)
    await StockLevel.filter(location__code="WH1").update(on_hand=999_999_999,
                                                         incoming=999_500_000)
    await inventory.receive(sku="SKU-A", location="WH1", quantity=1)  # exactly the most
    err = await _refused(ErrorCode.INVALID, ["quantity"], inventory.receive(
        sku="SKU-A", location="WH1", quantity=1))
    assert err.message == "SKU-A at WH1 would hold more than 1,000,000,000 units"
    await _refused(ErrorCode.INVALID, ["delta"], inventory.adjust(
        sku="SKU-A", location="WH1", delta=1, reason="found"))
    await _refused(ErrorCode.INVALID, ["quantity"], inventory.expect(
        sku="SKU-A", location="WH1", quantity=500_001, reference="PO-1"))
    await inventory.expect(sku="SKU-A", location="WH1", quantity=500_000, reference="PO-1")


# ---- safety stock

async def test_safety_stock_is_kept_back_from_every_channel(stores):
    await inventory.receive(sku="SKU-A", location="WH2", quantity=10)
    move, event = await _marks()
    level = await inventory.set_safety_stock(sku="SKU-A", location="WH2", quantity=4,
                                             actor="ann")
    assert (level.on_hand, level.safety_stock) == (10, 4)
    assert await _level("SKU-A", "WH2") == _figures(on_hand=10, safety_stock=4)
    await inventory.set_safety_stock(sku="SKU-A", location="WH2", quantity=0)
    assert await _moves(move) == [
        ("SAFETY_STOCK", "WH2", {"safety_stock": (0, 4)}, None, None, "ann"),
        ("SAFETY_STOCK", "WH2", {"safety_stock": (4, 0)}, None, None, None)]
    assert await _events(event) == [("StockChanged", "SKU-A", "MKT", "WH2", {}),
                                    ("StockChanged", "SKU-A", "WEB", "WH2", {})] * 2
    await _assert_ledger_adds_up()


async def test_setting_the_same_safety_stock_again_changes_nothing(stores):
    await inventory.receive(sku="SKU-A", location="WH1", quantity=10)
    await inventory.set_safety_stock(sku="SKU-A", location="WH1", quantity=3)
    before = await _state()
    level = await inventory.set_safety_stock(sku="SKU-A", location="WH1", quantity=3)
    assert level.safety_stock == 3
    assert await _state() == before


async def test_safety_stock_above_on_hand_leaves_nothing_available(stores):
    await inventory.receive(sku="SKU-A", location="WH1", quantity=2)
    await inventory.set_safety_stock(sku="SKU-A", location="WH1", quantity=5)
    assert await _level() == _figures(on_hand=2, safety_stock=5)  # available 0
    # A new level: safety stock before any unit arrives.
    await inventory.set_safety_stock(sku="SKU-B", location="WH3", quantity=1)
    assert await _level("SKU-B", "WH3") == _figures(safety_stock=1)
    await _assert_ledger_adds_up()


@pytest.mark.parametrize(("kw", "code", "field"), [
    ({"quantity": -1}, ErrorCode.INVALID, ["quantity"]),
    ({"quantity": 1_000_001}, ErrorCode.INVALID, ["quantity"]),
    ({"quantity": None}, ErrorCode.INVALID, ["quantity"]),
    ({"sku": "NOPE"}, ErrorCode.NOT_FOUND, ["sku"]),
    ({"location": "NOWHERE"}, ErrorCode.NOT_FOUND, ["location"]),
])
async def test_safety_stock_refuses_bad_input_and_changes_nothing(stores, kw, code, field):
    await inventory.receive(sku="SKU-A", location="WH1", quantity=4)
    args = {"sku": "SKU-A", "location": "WH1", "quantity": 2, **kw}
    await _refused(code, field, inventory.set_safety_stock(**args))


# ---- damaged units and write-offs

async def test_damaged_units_stay_on_hand_and_are_never_available(stores):
    await inventory.receive(sku="SKU-A", location="WH1", quantity=10)
    move, event = await _marks()
    level = await inventory.damage(sku="SKU-A", location="WH1", quantity=3, reason=" wet box ",
                                   actor="ann")
    assert (level.on_hand, level.damaged) == (10, 3)
    assert await _level() == _figures(on_hand=10, damaged=3)  # available 7
    assert await _moves(move) == [
        ("DAMAGE", "WH1", {"damaged": (0, 3)}, "wet box", None, "ann")]
    assert await _events(event) == [("StockChanged", "SKU-A", "WEB", "WH1", {})]
    await _assert_ledger_adds_up()


async def test_writing_off_damaged_units_takes_them_off_hand(stores):
    await inventory.receive(sku="SKU-A", location="WH1", quantity=10)
    await inventory.damage(sku="SKU-A", location="WH1", quantity=3, reason="wet box")
    move, event = await _marks()
    level = await inventory.write_off(sku="SKU-A", location="WH1", quantity=2, reason="binned",
                                      actor="bob")
    assert (level.on_hand, level.damaged) == (8, 1)
    assert await _level() == _figures(on_hand=8, damaged=1)  # still 7 available
    assert await _moves(move) == [
        ("WRITE_OFF", "WH1", {"on_hand": (10, 8), "damaged": (3, 1)}, "binned", None, "bob")]
    # What channels may sell did not move: no event.
    assert await _events(event) == []
    await inventory.write_off(sku="SKU-A", location="WH1", quantity=1, reason="binned")
    assert await _level() == _figures(on_hand=7)
    await _assert_ledger_adds_up()


async def test_damage_is_refused_beyond_available(stores):
    await inventory.receive(sku="SKU-A", location="WH1", quantity=10)
    await factories.place([("SKU-A", 3)])  # 3 reserved
    await inventory.set_safety_stock(sku="SKU-A", location="WH1", quantity=2)
    await inventory.damage(sku="SKU-A", location="WH1", quantity=1, reason="dent")
    # 10 - 3 - 2 - 1 = 4 available.
    err = await _refused(ErrorCode.INVALID, ["quantity"], inventory.damage(
        sku="SKU-A", location="WH1", quantity=5, reason="dent"))
    assert err.message == ("cannot mark 5 damaged: 4 available (10 on hand, 3 reserved, "
                           "2 safety stock, 1 damaged already)")
    await inventory.damage(sku="SKU-A", location="WH1", quantity=4, reason="dent")
    assert await _level() == _figures(on_hand=10, reserved=3, damaged=5, safety_stock=2)


async def test_damage_or_write_off_where_there_is_no_stock_leaves_no_level_behind(stores):
    err = await _refused(ErrorCode.INVALID, ["quantity"], inventory.damage(
        sku="SKU-A", location="WH2", quantity=1, reason="dent"))
    assert err.message == ("cannot mark 1 damaged: 0 available (0 on hand, 0 reserved, "
                           "0 safety stock, 0 damaged already)")
    err = await _refused(ErrorCode.INVALID, ["quantity"], inventory.write_off(
        sku="SKU-A", location="WH2", quantity=1, reason="binned"))
    assert err.message == "cannot write off 1: only 0 damaged at WH2"
    assert await StockLevel.all().count() == 0


async def test_write_off_is_refused_beyond_what_is_damaged(stores):
    await inventory.receive(sku="SKU-A", location="WH1", quantity=10)
    await inventory.damage(sku="SKU-A", location="WH1", quantity=2, reason="dent")
    err = await _refused(ErrorCode.INVALID, ["quantity"], inventory.write_off(
        sku="SKU-A", location="WH1", quantity=3, reason="binned"))
    assert err.message == "cannot write off 3: only 2 damaged at WH1"


async def test_damaged_units_cannot_be_adjusted_or_transferred_away(stores):
    await inventory.receive(sku="SKU-A", location="WH1", quantity=10)
    await factories.place([("SKU-A", 2)])
    await inventory.damage(sku="SKU-A", location="WH1", quantity=3, reason="dent")
    err = await _refused(ErrorCode.INVALID, ["delta"], inventory.adjust(
        sku="SKU-A", location="WH1", delta=-6, reason="count"))
    assert err.message == "cannot remove 6: 10 on hand, 2 reserved, 3 damaged"
    await _refused(ErrorCode.OUT_OF_STOCK, ["quantity"], inventory.transfer(
        sku="SKU-A", from_location="WH1", to_location="WH2", quantity=6))
    await inventory.transfer(sku="SKU-A", from_location="WH1", to_location="WH2", quantity=5)
    assert await _level() == _figures(on_hand=5, reserved=2, damaged=3)


@pytest.mark.parametrize("use_case", ["damage", "write_off"])
@pytest.mark.parametrize(("kw", "code", "field"), [
    ({"quantity": 0}, ErrorCode.INVALID, ["quantity"]),
    ({"quantity": -1}, ErrorCode.INVALID, ["quantity"]),
    ({"quantity": 1_000_001}, ErrorCode.INVALID, ["quantity"]),
    ({"reason": " "}, ErrorCode.INVALID, ["reason"]),
    ({"reason": None}, ErrorCode.INVALID, ["reason"]),
    ({"reason": "r" * 501}, ErrorCode.INVALID, ["reason"]),
    ({"sku": "NOPE"}, ErrorCode.NOT_FOUND, ["sku"]),
    ({"location": "NOWHERE"}, ErrorCode.NOT_FOUND, ["location"]),
    ({"quantity": 6}, ErrorCode.INVALID, ["quantity"]),  # 5 available, 2 damaged
])
async def test_damage_and_write_off_refuse_bad_input_and_change_nothing(stores, use_case, kw,
                                                                         code, field):
    await inventory.receive(sku="SKU-A", location="WH1", quantity=7)
    await inventory.damage(sku="SKU-A", location="WH1", quantity=2, reason="dent")
    if use_case == "write_off" and kw == {"quantity": 6}:
        kw = {"quantity": 3}
    args = {"sku": "SKU-A", "location": "WH1", "quantity": 1, "reason": "dent", **kw}
    await _refused(code, field, getattr(inventory, use_case)(**args))


# ---- cycle counts

async def test_a_count_records_its_variance_as_a_count_movement(stores):
    await inventory.receive(sku="SKU-A", location="WH1", quantity=10)
    move, event = await _marks()
    level = await inventory.count(sku="SKU-A", location="WH1", counted=8, reason=" aisle 4 ",
                                  actor="ann")
    assert level.on_hand == 8
    await inventory.count(sku="SKU-A", location="WH1", counted=11)
    await inventory.count(sku="SKU-A", location="WH1", counted=11)  # it agrees: still counted
    assert await _level() == _figures(on_hand=11)
    assert await _moves(move) == [
        ("COUNT", "WH1", {"on_hand": (10, 8)}, "aisle 4", None, "ann"),
        ("COUNT", "WH1", {"on_hand": (8, 11)}, None, None, None),
        ("COUNT", "WH1", {}, None, None, None)]
    assert await _events(event) == [("StockChanged", "SKU-A", "WEB", "WH1", {})] * 2
    await _assert_ledger_adds_up()


async def test_a_count_at_a_new_location_finds_stock(stores):
    await inventory.count(sku="SKU-B", location="WH3", counted=4)
    assert await _level("SKU-B", "WH3") == _figures(on_hand=4)
    assert await _moves() == [("COUNT", "WH3", {"on_hand": (0, 4)}, None, None, None)]
    assert await _events() == [("StockChanged", "SKU-B", None, "WH3", {})]


async def test_a_count_includes_damaged_units(stores):
    await inventory.receive(sku="SKU-A", location="WH1", quantity=10)
    await inventory.damage(sku="SKU-A", location="WH1", quantity=2, reason="dent")
    await inventory.count(sku="SKU-A", location="WH1", counted=9)
    assert await _level() == _figures(on_hand=9, damaged=2)
    await _assert_ledger_adds_up()


async def test_a_count_below_what_is_reserved_is_refused(stores):
    await inventory.receive(sku="SKU-A", location="WH1", quantity=10)
    await factories.place([("SKU-A", 4)])
    err = await _refused(ErrorCode.INVALID, ["counted"], inventory.count(
        sku="SKU-A", location="WH1", counted=3))
    assert err.message == "counted 3 is below the 4 units reserved for orders at WH1"
    await inventory.damage(sku="SKU-A", location="WH1", quantity=2, reason="dent")
    err = await _refused(ErrorCode.INVALID, ["counted"], inventory.count(
        sku="SKU-A", location="WH1", counted=5))
    assert err.message == ("counted 5 is below the 4 reserved and 2 damaged units at WH1: "
                           "write off the missing damaged units first")
    await inventory.count(sku="SKU-A", location="WH1", counted=6)
    assert await _level() == _figures(on_hand=6, reserved=4, damaged=2)


@pytest.mark.parametrize(("kw", "code", "field"), [
    ({"counted": -1}, ErrorCode.INVALID, ["counted"]),
    ({"counted": 1_000_001}, ErrorCode.INVALID, ["counted"]),
    ({"counted": "5"}, ErrorCode.INVALID, ["counted"]),
    ({"reason": "r" * 501}, ErrorCode.INVALID, ["reason"]),
    ({"sku": "NOPE"}, ErrorCode.NOT_FOUND, ["sku"]),
    ({"location": "NOWHERE"}, ErrorCode.NOT_FOUND, ["location"]),
    ({"counted": 1}, ErrorCode.INVALID, ["counted"]),  # 2 reserved
])
async def test_count_refuses_bad_input_and_changes_nothing(stores, kw, code, field):
    await inventory.receive(sku="SKU-A", location="WH1", quantity=7)
    await factories.place([("SKU-A", 2)])
    args = {"sku": "SKU-A", "location": "WH1", "counted": 5, **kw}
    await _refused(code, field, inventory.count(**args))


# ---- low stock

async def test_a_level_at_or_below_its_threshold_is_low_and_says_so_once(stores):
    await inventory.receive(sku="SKU-A", location="WH1", quantity=10)
    move, event = await _marks()
    level = await inventory.set_low_stock_threshold(sku="SKU-A", location="WH1", threshold=5)
    assert level.low_stock_threshold == 5
    assert await _moves(move) == []  # a setting, not a movement of stock
    assert await _events(event) == []  # 10 available: not low
    await inventory.damage(sku="SKU-A", location="WH1", quantity=4, reason="dent")  # 6
    assert await _events(event) == [("StockChanged", "SKU-A", "WEB", "WH1", {})]
    _, event = await _marks()
    await inventory.adjust(sku="SKU-A", location="WH1", delta=-1, reason="lost")  # 5: low
    assert await _events(event) == [
        ("StockChanged", "SKU-A", "WEB", "WH1", {}),
        ("LowStock", "SKU-A", None, "WH1", {"available": 5, "threshold": 5})]
    _, event = await _marks()
    await inventory.adjust(sku="SKU-A", location="WH1", delta=-1, reason="lost")  # 4: still low
    assert await _events(event) == [("StockChanged", "SKU-A", "WEB", "WH1", {})]
    await inventory.receive(sku="SKU-A", location="WH1", quantity=3)  # 7: not low
    _, event = await _marks()
    await inventory.transfer(sku="SKU-A", from_location="WH1", to_location="WH3",
                             quantity=3)  # 4: low again
    assert await _events(event) == [
        ("StockChanged", "SKU-A", "WEB", "WH1", {}),
        ("StockChanged", "SKU-A", None, "WH3", {}),
        ("LowStock", "SKU-A", None, "WH1", {"available": 4, "threshold": 5})]


_WEB = ("StockChanged", "SKU-A", "WEB", "WH1", {})


@pytest.mark.parametrize(("change", "events"), [
    (lambda: inventory.set_safety_stock(sku="SKU-A", location="WH1", quantity=5),
     [_WEB, ("LowStock", "SKU-A", None, "WH1", {"available": 3, "threshold": 3})]),
    (lambda: inventory.count(sku="SKU-A", location="WH1", counted=2),
     [_WEB, ("LowStock", "SKU-A", None, "WH1", {"available": 2, "threshold": 3})]),
    (lambda: inventory.damage(sku="SKU-A", location="WH1", quantity=6, reason="dent"),
     [_WEB, ("LowStock", "SKU-A", None, "WH1", {"available": 2, "threshold": 3})]),
    (lambda: inventory.set_low_stock_threshold(sku="SKU-A", location="WH1", threshold=8),
     [("LowStock", "SKU-A", None, "WH1", {"available": 8, "threshold": 8})]),
    (lambda: inventory.receive(sku="SKU-A", location="WH1", quantity=1), [_WEB]),
])
async def test_any_change_that_makes_a_level_low_raises_low_stock(stores, change, events):
    await inventory.receive(sku="SKU-A", location="WH1", quantity=8)
    await inventory.set_low_stock_threshold(sku="SKU-A", location="WH1", threshold=3)
    _, event = await _marks()
    await change()
    assert await _events(event) == events


async def test_a_cleared_threshold_is_never_low(stores):
    await inventory.set_low_stock_threshold(sku="SKU-A", location="WH1", threshold=0)
    level = await StockLevel.get(location__code="WH1")
    assert (level.on_hand, level.low_stock_threshold) == (0, 0)
    assert [e[0] for e in await _events()] == ["LowStock"]  # 0 available, at the threshold
    await inventory.set_low_stock_threshold(sku="SKU-A", location="WH1", threshold=None)
    assert await _level() == _figures()
    assert [e[0] for e in await _events()] == ["LowStock"]


@pytest.mark.parametrize(("kw", "code", "field"), [
    ({"threshold": -1}, ErrorCode.INVALID, ["threshold"]),
    ({"threshold": 1_000_001}, ErrorCode.INVALID, ["threshold"]),
    ({"threshold": 2.0}, ErrorCode.INVALID, ["threshold"]),
    ({"sku": "NOPE"}, ErrorCode.NOT_FOUND, ["sku"]),
    ({"location": "NOWHERE"}, ErrorCode.NOT_FOUND, ["location"]),
])
async def test_threshold_refuses_bad_input_and_changes_nothing(stores, kw, code, field):
    await inventory.receive(sku="SKU-A", location="WH1", quantity=7)
    await inventory.set_low_stock_threshold(sku="SKU-A", location="WH1", threshold=3)
    args = {"sku": "SKU-A", "location": "WH1", "threshold": 5, **kw}
    await _refused(code, field, inventory.set_low_stock_threshold(**args))


# ---- the ledger, through orders

async def test_release_and_sale_rows_carry_their_figures_too(stores, frozen_clock):
    await inventory.receive(sku="SKU-A", location="WH1", quantity=10)
    cancelled = await factories.place([("SKU-A", 3)])
    shipped = await factories.place([("SKU-A", 2)])
    move, _ = await _marks()
    await orders.cancel_order(cancelled.id, reason="changed mind", actor="ann")
    await orders.confirm_order(shipped.id)
    (shipment,) = await factories.shipments_of(shipped.id)
    for step in (fulfillment.pick, fulfillment.pack, fulfillment.ship):
        await step(shipment.id)
    assert await _level() == _figures(on_hand=8)
    assert await _moves(move) == [
        ("RELEASE", "WH1", {"reserved": (5, 2)}, "changed mind", f"order:{cancelled.id}",
         "ann"),
        ("SALE", "WH1", {"on_hand": (10, 8), "reserved": (2, 0)}, None,
         f"order:{shipped.id}", None)]
    # Every row's deltas add up to the level, reservations included.
    for q in QUANTITIES:
        deltas = await StockMovement.all().values_list(f"{q}_delta", flat=True)
        assert sum(deltas) == (await _level())[q]


async def test_every_kind_written_is_a_movement_kind(stores):
    await inventory.expect(sku="SKU-A", location="WH1", quantity=3, reference="PO-1")
    await inventory.receive(sku="SKU-A", location="WH1", quantity=10, reference="PO-1")
    await inventory.adjust(sku="SKU-A", location="WH1", delta=-1, reason="lost")
    await inventory.count(sku="SKU-A", location="WH1", counted=10)
    await inventory.damage(sku="SKU-A", location="WH1", quantity=1, reason="dent")
    await inventory.write_off(sku="SKU-A", location="WH1", quantity=1, reason="binned")
    await inventory.set_safety_stock(sku="SKU-A", location="WH1", quantity=1)
    await inventory.transfer(sku="SKU-A", from_location="WH1", to_location="WH2", quantity=1)
    order = await factories.place([("SKU-A", 1)])
    await orders.cancel_order(order.id)
    kinds = set(await StockMovement.all().values_list("kind", flat=True))
    assert kinds == {"EXPECTED", "RECEIPT", "ADJUSTMENT", "COUNT", "DAMAGE", "WRITE_OFF",
                     "SAFETY_STOCK", "TRANSFER_OUT", "TRANSFER_IN", "RESERVE", "RELEASE"}
    assert kinds <= {k.value for k in levels.MovementKind}


async def test_damaged_units_are_not_sold(stores):
    await inventory.receive(sku="SKU-A", location="WH1", quantity=5)
    await inventory.damage(sku="SKU-A", location="WH1", quantity=2, reason="dent")
    err = await _refused(ErrorCode.OUT_OF_STOCK, ["lines", "SKU-A"],
                         factories.place([("SKU-A", 4)]))
    assert err.message == "not enough stock for SKU-A: 4 wanted, 3 available"
