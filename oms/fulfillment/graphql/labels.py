"""shipmentLabelCreate: a carrier label and packing slip for a shipment
(oms.fulfillment.labels); both PDFs are served at the shipment's labelUrl
and packingSlipUrl."""
from __future__ import annotations

import strawberry

from oms.fulfillment import labels
from oms.graphql.context import OPERATORS, Info, require

from .schema import ShipmentPayload, _payload, _shipment_id


@strawberry.type
class LabelMutation:
    @strawberry.mutation(description="Buy a label: a new tracking number from the carrier's "
                                     "counter, a 4x6 inch label PDF and a packing slip. "
                                     "Allowed while the shipment is PICKING or PACKED; again "
                                     "replaces both and voids the old tracking number.")
    async def shipment_label_create(self, info: Info, id: strawberry.ID, carrier: str,
                                    service: str, weight_grams: int | None = None
                                    ) -> ShipmentPayload:
        actor = require(info, *OPERATORS)
        return await _payload(lambda: labels.create_label(
            _shipment_id(id), carrier=carrier, service=service, weight_grams=weight_grams,
            actor=actor.label))
