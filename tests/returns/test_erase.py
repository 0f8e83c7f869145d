"""What the returns domain gives the right to erasure and the customer export
(oms.customers.privacy, .export): erasing the texts and label of an order's
returns, their statuses and which are still open, and the returns in id order."""
from __future__ import annotations

from oms.returns import queries, service, tracking
from oms.returns.lifecycle import ReturnStatus
from oms.returns.models import Return, ReturnDocument, ReturnTrackingEvent
from oms.returns.policy import RequestedLine

from tests.factories import T0

from .conftest import deliver
from .support import request

RETURN_FIELDS = ("id", "status", "comment", "reject_reason", "label_url", "tracking_number",
                 "refund_total", "updated_at", "version")
SCAN_FIELDS = ("ret_id", "status", "description", "location", "occurred_at")


async def _commented(d, sku: str, comment: str) -> Return:
    return await service.request_return(
        order_id=d.order.id, resolution="REFUND", comment=comment, actor="staff:test",
        lines=[RequestedLine(d.line_id(sku), 1, "TOO_SMALL")])


async def _state(ret_ids: list[int]):
    return (await Return.filter(id__in=ret_ids).order_by("id").values_list(*RETURN_FIELDS),
            await ReturnDocument.filter(ret_id__in=ret_ids).order_by("id").values_list(
                "ret_id", "kind"),
            await ReturnTrackingEvent.filter(ret_id__in=ret_ids).order_by("id").values_list(
                *SCAN_FIELDS))


async def test_erase_personal_data_drops_comments_reasons_labels_and_scan_texts(return_shop):
    ann = await deliver()
    bob = await deliver((("SKU-C", 1),), email="bob@example.com")
    shipped_back = await _commented(ann, "SKU-A", "Ann Lee found it too small")
    await service.approve_return(shipped_back.id, actor="staff:test")
    await tracking.record_scan(return_id=shipped_back.id, status="IN_TRANSIT",
                               description="Picked up from Ann Lee", location="Paris",
                               occurred_at=T0)
    rejected = await _commented(ann, "SKU-B", "Ann Lee changed her mind")
    await service.reject_return(rejected.id, reason="Ann's dog chewed it", actor="staff:test")
    bobs = await _commented(bob, "SKU-C", "Bob Stone's comment")
    await service.approve_return(bobs.id, actor="staff:test")
    ann_before = await _state([shipped_back.id, rejected.id])
    bob_before = await _state([bobs.id])
    assert ann_before[1] == [(shipped_back.id, "LABEL")]

    await service.erase_personal_data([ann.order.id])

    (a, r), docs, scans = await _state([shipped_back.id, rejected.id])
    assert [row[:5] for row in (a, r)] == [(shipped_back.id, "IN_TRANSIT", None, None, None),
                                            (rejected.id, "REJECTED", None, None, None)]
    # The tracking number, refund total, updated_at and version do not move.
    assert [row[5:] for row in (a, r)] == [row[5:] for row in ann_before[0]]
    assert (ann_before[0][0][1:4], ann_before[0][1][1:4]) == (
        ("IN_TRANSIT", "Ann Lee found it too small", None),
        ("REJECTED", "Ann Lee changed her mind", "Ann's dog chewed it"))
    assert ann_before[0][0][4] is not None  # the label's URL
    assert docs == []
    assert scans == [(shipped_back.id, "IN_TRANSIT", None, None, T0)]
    assert await _state([bobs.id]) == bob_before
    assert bob_before[0][0][2] == "Bob Stone's comment" and len(bob_before[1]) == 1

    before = await _state([shipped_back.id, rejected.id, bobs.id])
    await service.erase_personal_data([])
    await service.erase_personal_data([bob.order.id + 1000])
    assert await _state([shipped_back.id, rejected.id, bobs.id]) == before


async def test_statuses_of_orders_oldest_first_and_which_are_still_open(return_shop):
    ann = await deliver()
    bob = await deliver((("SKU-C", 1),), email="bob@example.com")
    first = await request(ann, ("SKU-A", 1))
    second = await request(ann, ("SKU-B", 1))
    third = await request(bob, ("SKU-C", 1))
    await service.reject_return(second.id, reason="worn", actor="staff:test")

    statuses = await queries.statuses_of_orders([ann.order.id, bob.order.id])

    assert statuses == [(first.id, "REQUESTED"), (second.id, "REJECTED"),
                        (third.id, "REQUESTED")]
    assert queries.still_open(statuses) == [(first.id, "REQUESTED"), (third.id, "REQUESTED")]
    assert await queries.statuses_of_orders([bob.order.id]) == [(third.id, "REQUESTED")]
    assert await queries.statuses_of_orders([]) == []
    assert [[r.id for r in group] for group in await queries.returns_of_orders_by_id(
        [bob.order.id, 999_999, ann.order.id])] == [[third.id], [], [first.id, second.id]]


def test_only_rejected_refunded_exchanged_and_closed_returns_are_settled():
    statuses = [(n, s.value) for n, s in enumerate(ReturnStatus)]
    assert [s for _, s in queries.still_open(statuses)] == [
        "REQUESTED", "APPROVED", "IN_TRANSIT", "RECEIVED"]
