"""Setting up a shop on the real database: channels, locations, which serve
which, and products with their prices per channel."""
from __future__ import annotations

from decimal import Decimal

import pytest

from oms.catalog import service as catalog
from oms.catalog.models import Channel, ChannelLocation, Location, Product, ProductPrice
from oms.catalog.service import PriceInput
from oms.core.errors import DomainError, ErrorCode
from oms.events.models import EventLog
from tests.assertions import refused

pytestmark = pytest.mark.usefixtures("clean_db")


async def _catalog() -> dict:
    """Everything the catalog holds, to show an error changed nothing."""
    return {
        "channels": sorted(await Channel.all().values_list("code", "name", "kind", "currency")),
        "locations": sorted(await Location.all().values_list("code", "name", "kind", "address")),
        "links": sorted(await ChannelLocation.all().values_list(
            "channel__code", "location__code", "priority")),
        "products": sorted(await Product.all().values_list("sku", "name", "weight_grams")),
        "prices": sorted(await _prices()),
        "events": await EventLog.all().count(),
    }


async def _prices() -> list[tuple[str, str, Decimal]]:
    return sorted(await ProductPrice.all().values_list("product__sku", "channel__code", "amount"))


async def _refused(code: ErrorCode, field: list[str] | None, coro) -> DomainError:
    return await refused(code, field, coro, state=_catalog)


async def _locations_of(channel: str) -> list[str]:
    ch = await Channel.get(code=channel)
    ids = await catalog.channel_location_ids(ch.id)
    codes = dict(await Location.filter(id__in=ids).values_list("id", "code"))
    return [codes[i] for i in ids]


# ---- channels

async def test_create_channel_normalises_and_stores_it():
    ch = await catalog.create_channel(code=" WEB ", name="  Web shop ", kind="WEB",
                                      currency="eur")
    assert (ch.code, ch.name, ch.kind, ch.currency) == ("WEB", "Web shop", "WEB", "EUR")
    stored = await Channel.get(id=ch.id)
    assert (stored.code, stored.name, stored.kind, stored.currency) == (
        "WEB", "Web shop", "WEB", "EUR")
    assert await _locations_of("WEB") == []
    assert await EventLog.all().count() == 0


@pytest.mark.parametrize("kind", [k.value for k in catalog.ChannelKind])
async def test_every_channel_kind_can_be_created(kind):
    ch = await catalog.create_channel(code=f"C-{kind}", name=kind, kind=kind, currency="USD")
    assert (await Channel.get(id=ch.id)).kind == kind


async def test_a_channel_code_is_unique():
    await catalog.create_channel(code="WEB", name="Web", kind="WEB", currency="EUR")
    err = await _refused(ErrorCode.DUPLICATE, ["code"], catalog.create_channel(
        code="WEB", name="Other", kind="STORE", currency="USD"))
    assert err.message == "a channel with code WEB already exists"


@pytest.mark.parametrize(("kw", "field"), [
    ({"code": ""}, ["code"]), ({"code": "WEB SHOP"}, ["code"]), ({"code": "X" * 33}, ["code"]),
    ({"name": "  "}, ["name"]), ({"currency": "EURO"}, ["currency"]),
    ({"currency": "ABC"}, ["currency"]),
])
async def test_create_channel_refuses_bad_input(kw, field):
    args = {"code": "WEB", "name": "Web", "kind": "WEB", "currency": "EUR", **kw}
    await _refused(ErrorCode.INVALID, field, catalog.create_channel(**args))


# ---- locations

async def test_create_location_with_a_normalised_address():
    loc = await catalog.create_location(code="WH1", name="Paris", kind="WAREHOUSE", address={
        "line1": " 1 Rue de Rivoli ", "city": "Paris", "postalCode": "75001", "country": "fr"})
    stored = await Location.get(id=loc.id)
    assert (stored.code, stored.name, stored.kind) == ("WH1", "Paris", "WAREHOUSE")
    assert stored.address == {"name": None, "line1": "1 Rue de Rivoli", "line2": None,
                              "city": "Paris", "region": None, "postalCode": "75001",
                              "country": "FR", "phone": None}
    assert await EventLog.all().count() == 0


@pytest.mark.parametrize("kind", [k.value for k in catalog.LocationKind])
async def test_every_location_kind_can_be_created_without_an_address(kind):
    loc = await catalog.create_location(code=f"L-{kind}"[:32], name=kind, kind=kind)
    stored = await Location.get(id=loc.id)
    assert (stored.kind, stored.address) == (kind, None)


async def test_a_location_code_is_unique():
    await catalog.create_location(code="WH1", name="One", kind="WAREHOUSE")
    err = await _refused(ErrorCode.DUPLICATE, ["code"], catalog.create_location(
        code="WH1", name="Two", kind="STORE"))
    assert err.message == "a location with code WH1 already exists"


@pytest.mark.parametrize(("kw", "field"), [
    ({"code": "W/1"}, ["code"]),
    ({"name": ""}, ["name"]),
    ({"address": {"city": "Paris", "postalCode": "75001", "country": "FR"}},
     ["address", "line1"]),
    ({"address": {"line1": "1 Main St", "city": "Paris", "postalCode": "75001",
                  "country": "XX"}}, ["address", "country"]),
])
async def test_create_location_refuses_bad_input(kw, field):
    args = {"code": "WH1", "name": "Paris", "kind": "WAREHOUSE", **kw}
    await _refused(ErrorCode.INVALID, field, catalog.create_location(**args))


# ---- which locations serve a channel

@pytest.fixture
async def sites(clean_db):
    await catalog.create_channel(code="WEB", name="Web", kind="WEB", currency="EUR")
    for code in ("WH1", "WH2", "SHOP"):
        await catalog.create_location(code=code, name=code, kind="WAREHOUSE")


@pytest.mark.usefixtures("sites")
async def test_channel_locations_are_kept_in_priority_order():
    ch = await catalog.set_channel_locations(channel="WEB", locations=["WH2", "SHOP", "WH1"])
    assert ch.code == "WEB"
    assert await _locations_of("WEB") == ["WH2", "SHOP", "WH1"]
    assert sorted(await ChannelLocation.all().values_list("location__code", "priority")) == [
        ("SHOP", 1), ("WH1", 2), ("WH2", 0)]
    assert await EventLog.all().count() == 0


@pytest.mark.usefixtures("sites")
async def test_setting_channel_locations_replaces_them():
    await catalog.set_channel_locations(channel="WEB", locations=["WH1", "WH2"])
    await catalog.set_channel_locations(channel="WEB", locations=["SHOP", "WH1"])
    assert await _locations_of("WEB") == ["SHOP", "WH1"]
    await catalog.set_channel_locations(channel="WEB", locations=[])
    assert await _locations_of("WEB") == []
    assert await ChannelLocation.all().count() == 0


@pytest.mark.usefixtures("sites")
async def test_a_location_serves_several_channels():
    await catalog.create_channel(code="MKT", name="Marketplace", kind="MARKETPLACE",
                                 currency="EUR")
    await catalog.set_channel_locations(channel="WEB", locations=["WH1", "WH2"])
    await catalog.set_channel_locations(channel="MKT", locations=["WH2"])
    assert await _locations_of("WEB") == ["WH1", "WH2"]
    assert await _locations_of("MKT") == ["WH2"]


@pytest.mark.usefixtures("sites")
async def test_channel_locations_refuses_a_location_listed_twice():
    await catalog.set_channel_locations(channel="WEB", locations=["WH1"])
    err = await _refused(ErrorCode.INVALID, ["locations"], catalog.set_channel_locations(
        channel="WEB", locations=["WH2", "WH1", "WH2"]))
    assert err.message == "a location is listed twice"


@pytest.mark.usefixtures("sites")
async def test_channel_locations_refuses_an_unknown_location_and_keeps_the_old_ones():
    await catalog.set_channel_locations(channel="WEB", locations=["WH1"])
    err = await _refused(ErrorCode.NOT_FOUND, ["locations"], catalog.set_channel_locations(
        channel="WEB", locations=["WH2", "NOWHERE"]))
    assert err.message == "unknown location NOWHERE"
    assert await _locations_of("WEB") == ["WH1"]


@pytest.mark.usefixtures("sites")
async def test_channel_locations_refuses_an_unknown_channel():
    err = await _refused(ErrorCode.NOT_FOUND, ["channel"], catalog.set_channel_locations(
        channel="NOPE", locations=["WH1"]))
    assert err.message == "unknown channel NOPE"


# ---- products and prices

@pytest.fixture
async def channels(clean_db):
    await catalog.create_channel(code="WEB", name="Web", kind="WEB", currency="EUR")
    await catalog.create_channel(code="MKT", name="Marketplace", kind="MARKETPLACE",
                                 currency="EUR")


@pytest.mark.usefixtures("channels")
async def test_upsert_creates_a_product_with_its_prices():
    p = await catalog.upsert_product(sku="SKU-A", name=" Mug ", weight_grams=350, prices=[
        PriceInput(channel="WEB", amount="12.50"), PriceInput(channel="MKT", amount=Decimal("13"))])
    stored = await Product.get(id=p.id)
    assert (stored.sku, stored.name, stored.weight_grams) == ("SKU-A", "Mug", 350)
    assert await _prices() == [("SKU-A", "MKT", Decimal("13.00")),
                               ("SKU-A", "WEB", Decimal("12.50"))]
    assert await EventLog.all().count() == 0


@pytest.mark.usefixtures("channels")
async def test_upsert_updates_the_product_and_its_prices_and_keeps_the_others():
    await catalog.upsert_product(sku="SKU-A", name="Mug", weight_grams=350, prices=[
        PriceInput(channel="WEB", amount="12.50"), PriceInput(channel="MKT", amount="13.00")])
    p = await catalog.upsert_product(sku="SKU-A", name="Big mug", weight_grams=None, prices=[
        PriceInput(channel="WEB", amount="14.00")])
    assert await Product.all().count() == 1
    stored = await Product.get(id=p.id)
    assert (stored.name, stored.weight_grams) == ("Big mug", None)
    assert await _prices() == [("SKU-A", "MKT", Decimal("13.00")),
                               ("SKU-A", "WEB", Decimal("14.00"))]
    assert await ProductPrice.all().count() == 2


@pytest.mark.usefixtures("channels")
async def test_upsert_without_prices_leaves_a_product_unpriced():
    await catalog.upsert_product(sku="SKU-A", name="Mug")
    assert await Product.filter(sku="SKU-A").values_list("name", "weight_grams") == [
        ("Mug", None)]
    assert await _prices() == []


@pytest.mark.usefixtures("channels")
@pytest.mark.parametrize(("amount", "stored"), [
    ("0", Decimal("0.00")), ("9.999", Decimal("10.00")), ("0.125", Decimal("0.12")),
    ("0.135", Decimal("0.14")), ("99999999999.99", Decimal("99999999999.99")),
])
async def test_prices_are_rounded_half_even_to_the_cent(amount, stored):
    await catalog.upsert_product(sku="SKU-A", name="Mug",
                                 prices=[PriceInput(channel="WEB", amount=amount)])
    assert await _prices() == [("SKU-A", "WEB", stored)]


@pytest.mark.usefixtures("channels")
@pytest.mark.parametrize(("kw", "code", "field"), [
    ({"sku": "SKU A"}, ErrorCode.INVALID, ["sku"]),
    ({"sku": ""}, ErrorCode.INVALID, ["sku"]),
    ({"name": " "}, ErrorCode.INVALID, ["name"]),
    ({"weight_grams": -1}, ErrorCode.INVALID, ["weightGrams"]),
    ({"weight_grams": 10_000_001}, ErrorCode.INVALID, ["weightGrams"]),
    ({"prices": [PriceInput("WEB", "1.00"), PriceInput("WEB", "2.00")]}, ErrorCode.INVALID,
     ["prices"]),
    ({"prices": [PriceInput("WEB", "1.00"), PriceInput("MKT", "-0.01")]}, ErrorCode.INVALID,
     ["prices", "1", "amount"]),
    ({"prices": [PriceInput("WEB", "100000000000")]}, ErrorCode.INVALID,
     ["prices", "0", "amount"]),
    ({"prices": [PriceInput("WEB", "ten")]}, ErrorCode.INVALID, ["prices", "0", "amount"]),
    ({"prices": [PriceInput("WEB", "NaN")]}, ErrorCode.INVALID, ["prices", "0", "amount"]),
    ({"prices": [PriceInput("WEB", "Infinity")]}, ErrorCode.INVALID,
     ["prices", "0", "amount"]),
    ({"prices": [PriceInput("WEB", "1.00"), PriceInput("NOPE", "1.00")]}, ErrorCode.NOT_FOUND,
     ["prices"]),
])
async def test_upsert_refuses_bad_input_and_changes_nothing(kw, code, field):
    await catalog.upsert_product(sku="SKU-A", name="Mug", weight_grams=350,
                                 prices=[PriceInput("WEB", "12.50")])
    args = {"sku": "SKU-A", "name": "Changed", "weight_grams": 1,
            "prices": [PriceInput("WEB", "99.00")], **kw}
    await _refused(code, field, catalog.upsert_product(**args))
    assert await _prices() == [("SKU-A", "WEB", Decimal("12.50"))]


@pytest.mark.usefixtures("channels")
async def test_an_unknown_channel_in_prices_creates_no_product():
    err = await _refused(ErrorCode.NOT_FOUND, ["prices"], catalog.upsert_product(
        sku="SKU-NEW", name="New", prices=[PriceInput("NOPE", "1.00")]))
    assert err.message == "unknown channel NOPE"
    assert await Product.filter(sku="SKU-NEW").count() == 0


# ---- lookups

async def test_lookups_by_code_raise_not_found():
    for fn, arg, field, message in [
        (catalog.get_channel, "NOPE", ["channel"], "unknown channel NOPE"),
        (catalog.get_location, "NOPE", ["location"], "unknown location NOPE"),
        (catalog.get_product, "NOPE", ["sku"], "unknown sku NOPE"),
        (catalog.get_product, "", ["sku"], "unknown sku "),
    ]:
        with pytest.raises(DomainError) as exc:
            await fn(arg)
        assert (exc.value.code, exc.value.field, exc.value.message) == (
            ErrorCode.NOT_FOUND, field, message)
