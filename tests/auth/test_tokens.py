"""Bearer tokens: verification, and the cache of verified tokens."""
from __future__ import annotations

from datetime import timedelta

import pytest

from oms.auth import tokens
from oms.auth.tokens import InvalidToken, Role

SECRET = "s" * 48


def test_a_verified_token_names_its_actor():
    t = tokens.mint(SECRET, role=Role.CUSTOMER, customer_id=7)
    actor = tokens.verify(SECRET, t)
    assert (actor.role, actor.customer_id) == (Role.CUSTOMER, 7)
    assert tokens.verify(SECRET, t) is actor  # second use: from the cache


def test_a_cached_token_still_expires(monkeypatch):
    t = tokens.mint(SECRET, role=Role.ADMIN, ttl=timedelta(minutes=5))
    tokens.verify(SECRET, t)
    later = tokens.now() + timedelta(minutes=6)
    monkeypatch.setattr(tokens, "now", lambda: later)
    with pytest.raises(InvalidToken):
        # PyJWT's wall clock would still accept it: expiry follows our clock,
        # in the cache and out of it.
        tokens.verify(SECRET, t)


def test_the_cache_is_per_secret():
    t = tokens.mint(SECRET, role=Role.ADMIN)
    tokens.verify(SECRET, t)
    with pytest.raises(InvalidToken):
        tokens.verify("another secret, same token" * 2, t)


def test_the_cache_is_bounded(monkeypatch):
    monkeypatch.setattr(tokens, "_VERIFIED_MAX", 3)
    tokens._verified.clear()
    for i in range(10):
        tokens.verify(SECRET, tokens.mint(SECRET, role=Role.STAFF, subject=f"u{i}"))
    assert len(tokens._verified) == 3


def test_a_bad_token_is_not_cached():
    tokens._verified.clear()
    with pytest.raises(InvalidToken):
        tokens.verify(SECRET, "not-a-jwt")
    assert not tokens._verified


def test_a_token_with_a_malformed_expiry_is_refused():
    import jwt
    bad = jwt.encode({"iss": "oms", "sub": "x", "role": "admin", "exp": [1]}, SECRET,
                     algorithm="HS256")
    with pytest.raises(InvalidToken):
        tokens.verify(SECRET, bad)
