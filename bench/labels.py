"""Label PDFs per second: the 4x6 inch shipping label (Code128 barcode of an
S10 tracking number, both addresses, service, weight) and the A4 packing
slip, drawn by reportlab exactly as `shipmentLabelCreate` draws them.

Runs for --seconds per kind in one process (one core) and, with
--processes N, in N processes at once, and prints documents/s, the mean and
p95 time per document and the mean size.

Then, unless --no-end-to-end, the whole use case on PostgreSQL
(`shipmentLabelCreate`'s service, in process): a fresh database, --shipments
packed shipments, labels made --concurrency at a time. Each label takes the
order lock, draws both PDFs, bumps the carrier's tracking-number counter
and stores the documents in one transaction; labels/s is what the shop gets. The addresses vary per document
(names and streets of different lengths, some non-Latin text) so fonts and
wrapping do real work; tracking numbers are issued from the built-in
carrier's sequence.

    .venv/bin/python bench/labels.py [--seconds 5] [--processes 2]
        [--shipments 400] [--concurrency 8] [--no-end-to-end]
"""
from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.dirname(__file__))

from oms.carriers import OmsPost  # noqa: E402
from oms.carriers.labels import packing_slip_pdf, shipping_label_pdf  # noqa: E402

SENDER = {"name": "Acme Shop B.V. - Warehouse Amsterdam", "line1": "Damrak 1", "line2": "Unit 4",
          "city": "Amsterdam", "region": None, "postalCode": "1012 LG", "country": "NL",
          "phone": "+31201234567"}
NAMES = ["Anna Schmidt", "Zofia Wójcik-Krzyżanowska", "Jean-Baptiste de la Fontaine", "李小龍",
         "María José Fernández García de los Ríos"]
STREETS = ["Hauptstrasse 5", "Rue du Faubourg Saint-Honoré 208, Bâtiment C, 3e étage",
           "ul. Marszałkowska 104/122", "Calle de Alcalá 1"]


def _recipient(i: int) -> dict:
    return {"name": NAMES[i % len(NAMES)], "line1": STREETS[i % len(STREETS)],
            "line2": "" if i % 3 else "c/o Reception", "city": "Berlin", "region": "BE",
            "postalCode": f"{10000 + i % 9000}", "country": "DE", "phone": "+49301234567"}


def _label(i: int, carrier: OmsPost) -> bytes:
    return shipping_label_pdf(tracking_number=carrier.tracking_number(i % 10_000_000),
                              carrier_name="oms-post", service_name="oms-post Standard",
                              sender=SENDER, recipient=_recipient(i), weight_grams=250 + i % 9000,
                              reference=f"ORD-{100000 + i}/1")


def _slip(i: int, carrier: OmsPost) -> bytes:
    lines = [(f"SKU-{i % 97:04d}-{k}", f"Product {k} {NAMES[k % len(NAMES)]}", 1 + k % 3)
             for k in range(1 + i % 8)]
    return packing_slip_pdf(order_number=f"ORD-{100000 + i}", lines=lines,
                            recipient=_recipient(i), shipment_reference=f"ORD-{100000 + i}/1")


KINDS = {"label": _label, "packing-slip": _slip}


def run(kind: str, seconds: float, offset: int = 0) -> tuple[int, list[float], int]:
    make, carrier = KINDS[kind], OmsPost()
    times: list[float] = []
    size = 0
    i = offset
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        t0 = time.perf_counter()
        size += len(make(i, carrier))
        times.append(time.perf_counter() - t0)
        i += 1
    return len(times), times, size


def _report(kind: str, processes: int, wall: float, results) -> None:
    count = sum(n for n, _, _ in results)
    times = sorted(t for _, ts, _ in results for t in ts)
    size = sum(s for _, _, s in results)
    p95 = times[int(len(times) * 0.95) - 1] if times else 0.0
    print(f"{kind:13s} processes={processes}  {count / wall:8.1f} documents/s  "
          f"mean {statistics.fmean(times) * 1000:6.2f} ms  p95 {p95 * 1000:6.2f} ms  "
          f"size {size / max(count, 1) / 1024:5.1f} KB")


async def end_to_end(shipments: int, concurrency: int) -> None:
    from decimal import Decimal

    from tortoise import Tortoise

    from _common import BenchEnv
    from oms import db
    from oms.catalog import service as catalog
    from oms.fulfillment import labels, service as fulfillment
    from oms.fulfillment.models import Shipment
    from oms.inventory import service as inventory
    from oms.orders import service as orders

    async with BenchEnv("labels") as env:
        await Tortoise.init(config=db.tortoise_config(env.database_url,
                                                      pool_size=concurrency + 2))
        try:
            await catalog.create_channel(code="MKT", name="Marketplace", kind="MARKETPLACE",
                                         currency="EUR")
            await catalog.create_location(code="WH1", name="Warehouse", kind="WAREHOUSE",
                                          address=SENDER)
            await catalog.set_channel_locations(channel="MKT", locations=["WH1"])
            for k in range(4):
                await catalog.upsert_product(sku=f"SKU-{k}", name=f"Product {k}",
                                             weight_grams=150 + 100 * k, prices=[
                                                 catalog.PriceInput(channel="MKT",
                                                                    amount=Decimal("9.90"))])
                await inventory.receive(sku=f"SKU-{k}", location="WH1", quantity=1_000_000)
            ids: list[int] = []
            for i in range(shipments):
                # Marketplace orders are paid at source: confirmed and routed at once.
                order = await orders.place_order(orders.PlaceOrder(
                    channel="MKT", source="MARKETPLACE",
                    customer=orders.CustomerInput(email=f"c{i}@example.com",
                                                  name=NAMES[i % len(NAMES)]),
                    lines=[orders.LineInput(sku=f"SKU-{k}", quantity=1 + k)
                           for k in range(1 + i % 4)],
                    shipping_address={**_recipient(i), "name": None}), actor="bench")
                (shipment,) = await Shipment.filter(order_id=order.id)
                await fulfillment.pick(shipment.id)
                await fulfillment.pack(shipment.id)
                ids.append(shipment.id)
            queue = list(ids)
            times: list[float] = []

            async def worker() -> None:
                while queue:
                    sid = queue.pop()
                    t = time.perf_counter()
                    await labels.create_label(sid, carrier="oms-post", service="STANDARD",
                                              actor="bench")
                    times.append(time.perf_counter() - t)

            t0 = time.perf_counter()
            await asyncio.gather(*[worker() for _ in range(concurrency)])
            wall = time.perf_counter() - t0
            made = await Shipment.filter(tracking_number__isnull=False).count()
            times.sort()
            print(f"shipmentLabelCreate  {len(times) / wall:8.1f} labels/s  "
                  f"({len(times)} labels, concurrency {concurrency}, {wall:.1f} s; "
                  f"p50 {times[len(times) // 2] * 1000:.1f} ms, "
                  f"p95 {times[int(len(times) * 0.95) - 1] * 1000:.1f} ms per label; "
                  f"{made} tracking numbers stored)")
        finally:
            await Tortoise.close_connections()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--processes", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--shipments", type=int, default=400)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--no-end-to-end", action="store_true")
    args = parser.parse_args()
    print(f"label PDFs, {args.seconds:.0f} s per kind, cpu_count={os.cpu_count()}")
    print("\nsummary")
    print("-" * 100)
    for kind in KINDS:
        run(kind, 0.5)  # warm-up: fonts, imports
        t0 = time.perf_counter()
        result = run(kind, args.seconds)
        _report(kind, 1, time.perf_counter() - t0, [result])
        if args.processes > 1:
            with ProcessPoolExecutor(args.processes) as pool:
                list(pool.map(run, [kind] * args.processes, [0.3] * args.processes))
                t0 = time.perf_counter()
                futures = [pool.submit(run, kind, args.seconds, k * 1_000_000)
                           for k in range(args.processes)]
                results = [f.result() for f in futures]
                _report(kind, args.processes, time.perf_counter() - t0, results)
    if not args.no_end_to_end:
        asyncio.run(end_to_end(args.shipments, args.concurrency))


if __name__ == "__main__":
    main()
