"""Returns (reverse logistics): a channel's return policy, requests checked
against it, approval with a return label, the parcel's tracking, receipt and
inspection back into stock, and the resolution (refund or exchange)."""
