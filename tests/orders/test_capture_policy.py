"""Capture policy: the whole default table, every override, and bad overrides."""
from __future__ import annotations

import itertools

import pytest

from oms.core.errors import ErrorCode, Invalid
from oms.orders import capture_policy as cp
from oms.orders.capture_policy import CaptureDecision as D
from oms.orders.capture_policy import CaptureRule as R
from oms.orders.sources import OrderSource as S

AUTO, WAIT = D.AUTO_CONFIRM, D.AWAIT_STAFF

# (source, payment authorised) -> decision with no channel overrides: every cell.
DEFAULTS = {
    (S.WEB, True): AUTO, (S.WEB, False): WAIT,
    (S.SOCIAL, True): AUTO, (S.SOCIAL, False): WAIT,
    (S.API, True): AUTO, (S.API, False): WAIT,
    (S.MARKETPLACE, True): AUTO, (S.MARKETPLACE, False): AUTO,  # paid at the marketplace
    (S.STORE, True): AUTO, (S.STORE, False): AUTO,              # paid at the till
    (S.PHONE, True): WAIT, (S.PHONE, False): WAIT,
    (S.EMAIL, True): WAIT, (S.EMAIL, False): WAIT,
    (S.IMPORT, True): AUTO, (S.IMPORT, False): AUTO,
}


def test_the_default_table_covers_every_source_once():
    assert set(cp.DEFAULT_RULES) == set(S)
    assert {s for s, _ in DEFAULTS} == set(S)


@pytest.mark.parametrize(("source", "authorized"), list(DEFAULTS))
def test_default_decision(source, authorized):
    assert cp.decide(source, payment_authorized=authorized) is DEFAULTS[source, authorized]
    assert cp.decide(source.value, payment_authorized=authorized) is DEFAULTS[source, authorized]
    assert cp.decide(source, payment_authorized=authorized, overrides={}) \
        is DEFAULTS[source, authorized]


def _expected(source, rule, authorized):
    if rule is R.AUTO_CONFIRM:
        return AUTO
    if rule is R.AWAIT_STAFF:
        return WAIT
    return AUTO if authorized or source in (S.MARKETPLACE, S.STORE) else WAIT


@pytest.mark.parametrize(("source", "rule", "authorized"),
                         list(itertools.product(S, R, [True, False])))
def test_an_override_replaces_the_default_for_its_source_only(source, rule, authorized):
    overrides = {source.value: rule.value}
    assert cp.decide(source, payment_authorized=authorized, overrides=overrides) \
        is _expected(source, rule, authorized)
    for other in S:
        if other is not source:
            assert cp.decide(other, payment_authorized=authorized, overrides=overrides) \
                is DEFAULTS[other, authorized]


def test_examples_from_the_issue():
    # Phone and email orders wait; web orders with an authorised payment confirm at once.
    assert cp.decide("PHONE", payment_authorized=True) is WAIT
    assert cp.decide("EMAIL", payment_authorized=True) is WAIT
    assert cp.decide("WEB", payment_authorized=True) is AUTO
    assert cp.decide("WEB", payment_authorized=False) is WAIT
    # A B2B shop on invoice; a shop that trusts card payments taken on the phone.
    assert cp.decide("WEB", payment_authorized=False,
                     overrides={"WEB": "AUTO_CONFIRM"}) is AUTO
    assert cp.decide("PHONE", payment_authorized=True,
                     overrides={"PHONE": "AUTO_CONFIRM_IF_AUTHORIZED"}) is AUTO
    assert cp.decide("PHONE", payment_authorized=False,
                     overrides={"PHONE": "AUTO_CONFIRM_IF_AUTHORIZED"}) is WAIT
    # A channel that reviews every imported order.
    assert cp.decide("IMPORT", payment_authorized=True,
                     overrides={"IMPORT": "AWAIT_STAFF"}) is WAIT


def test_rule_for_names_the_rule_in_force():
    assert cp.rule_for("PHONE") is R.AWAIT_STAFF
    assert cp.rule_for(S.PHONE, {"PHONE": "AUTO_CONFIRM"}) is R.AUTO_CONFIRM
    assert cp.rule_for("WEB", {S.PHONE: R.AUTO_CONFIRM}) is R.AUTO_CONFIRM_IF_AUTHORIZED


def test_overrides_are_parsed_to_enums_and_back():
    raw = {"PHONE": "AUTO_CONFIRM_IF_AUTHORIZED", "IMPORT": "AWAIT_STAFF"}
    parsed = cp.parse_overrides(raw)
    assert parsed == {S.PHONE: R.AUTO_CONFIRM_IF_AUTHORIZED, S.IMPORT: R.AWAIT_STAFF}
    assert all(type(k) is S and type(v) is R for k, v in parsed.items())
    assert cp.overrides_to_dict(parsed) == raw
    assert cp.parse_overrides(parsed) == parsed
    assert cp.parse_overrides(None) == {} and cp.parse_overrides({}) == {}


SOURCES = "WEB, PHONE, EMAIL, MARKETPLACE, STORE, SOCIAL, API, IMPORT"
RULES = "AUTO_CONFIRM, AUTO_CONFIRM_IF_AUTHORIZED, AWAIT_STAFF"


def _invalid(fn, *args, **kw) -> Invalid:
    with pytest.raises(Invalid) as exc:
        fn(*args, **kw)
    assert exc.value.code is ErrorCode.INVALID
    return exc.value


@pytest.mark.parametrize("source", ["FAX", "web", "", " WEB", None, 1])
def test_an_unknown_source_in_overrides_is_refused_naming_the_sources(source):
    err = _invalid(cp.parse_overrides, {source: "AUTO_CONFIRM"})
    assert err.message == f"unknown order source {source!r}; allowed: {SOURCES}"
    assert err.field == ["captureOverrides", str(source)]


@pytest.mark.parametrize("rule", ["CONFIRM", "auto_confirm", "", None, 1, ["AUTO_CONFIRM"],
                                  "PENDING"])
def test_an_unknown_rule_in_overrides_is_refused_naming_the_rules(rule):
    err = _invalid(cp.parse_overrides, {"PHONE": rule}, "channel.captureOverrides")
    assert err.message == f"unknown capture rule {rule!r}; allowed: {RULES}"
    assert err.field == ["channel.captureOverrides", "PHONE"]


@pytest.mark.parametrize("raw", [["WEB"], "WEB", 3])
def test_overrides_that_are_not_a_mapping_are_refused(raw):
    err = _invalid(cp.parse_overrides, raw)
    assert err.field == ["captureOverrides"]
    assert err.message == "captureOverrides must be an object of source: rule"


def test_decide_refuses_bad_overrides_and_an_unknown_source():
    assert _invalid(cp.decide, "WEB", payment_authorized=True,
                    overrides={"WEB": "YES"}).field == ["captureOverrides", "WEB"]
    err = _invalid(cp.decide, "FAX", payment_authorized=True)
    assert (err.field, err.message) == (["source"],
                                        f"unknown order source 'FAX'; allowed: {SOURCES}")


def test_the_default_table_cannot_be_changed_by_accident():
    with pytest.raises(TypeError):
        cp.DEFAULT_RULES[S.PHONE] = R.AUTO_CONFIRM  # type: ignore[index]
