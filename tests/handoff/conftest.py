from __future__ import annotations

import pytest

from . import shop


@pytest.fixture
async def partner_shop(clean_db):
    """WEB served by 3PL1 (endpoint: SKU-A), WH1 (SKU-B), SUP1 (no endpoint: SKU-C)."""
    await shop.partner_shop()
