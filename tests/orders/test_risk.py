"""Risk rules: each rule alone, all at once, the stored form, and bad policies."""
from __future__ import annotations

import json
from decimal import Decimal

import pytest

from oms.core.errors import ErrorCode, Invalid
from oms.orders import risk
from oms.orders.risk import BlockedAddress, RiskCode, RiskFacts, RiskHit, RiskPolicy

ADDRESS = {"name": "Ann Lee", "line1": "1 Rue de Rivoli", "line2": None, "city": "Paris",
           "region": None, "postalCode": "75001", "country": "FR", "phone": None}


def facts(**kw) -> RiskFacts:
    base = dict(total=Decimal("100.00"), currency="EUR", email="ann@example.com",
                shipping_address=ADDRESS, orders_from_email_last_hour=0)
    return RiskFacts.of(**{**base, **kw})


def codes(policy: RiskPolicy, f: RiskFacts) -> list[RiskCode]:
    return [hit.code for hit in risk.assess(policy, f)]


def _invalid(fn, *args, **kw) -> Invalid:
    with pytest.raises(Invalid) as exc:
        fn(*args, **kw)
    assert exc.value.code is ErrorCode.INVALID
    return exc.value


def test_every_code_has_exactly_one_rule():
    # NO_LOCATION_CAN_FILL is a hold reason routing gives, not a capture rule.
    assert list(risk.RULES) == [c for c in RiskCode if c is not RiskCode.NO_LOCATION_CAN_FILL]


def test_an_empty_policy_never_holds():
    busy = facts(total=Decimal("1e9"), orders_from_email_last_hour=999)
    assert risk.assess(RiskPolicy(), busy) == []


def test_facts_are_read_from_a_validated_address():
    f = facts()
    assert (f.shipping_country, f.shipping_line1, f.shipping_postal_code) == (
        "FR", "1 Rue de Rivoli", "75001")


# ---- order total

def test_a_total_above_the_limit_holds_and_one_at_it_does_not():
    policy = RiskPolicy(max_total=Decimal("1000"))
    assert risk.assess(policy, facts(total=Decimal("1000.00"))) == []
    assert risk.assess(policy, facts(total=Decimal("1000.01"))) == [RiskHit(
        RiskCode.TOTAL_ABOVE_LIMIT, "order total 1000.01 EUR is above the limit of 1000.00 EUR")]


def test_a_per_currency_limit_wins_over_the_general_one():
    policy = RiskPolicy(max_total=Decimal("1000"),
                        max_total_per_currency={"JPY": Decimal("150000"), "usd": "1200"})
    assert codes(policy, facts(total=Decimal("1100"), currency="USD")) == []
    assert codes(policy, facts(total=Decimal("1201"), currency="USD")) == [
        RiskCode.TOTAL_ABOVE_LIMIT]
    assert codes(policy, facts(total=Decimal("140000"), currency="JPY")) == []
    assert codes(policy, facts(total=Decimal("1001"), currency="EUR")) == [
        RiskCode.TOTAL_ABOVE_LIMIT]


def test_without_a_limit_for_the_currency_the_total_is_not_checked():
    policy = RiskPolicy(max_total_per_currency={"EUR": Decimal("10")})
    assert codes(policy, facts(total=Decimal("999999"), currency="GBP")) == []


def test_a_zero_limit_holds_every_paid_order():
    policy = RiskPolicy(max_total=Decimal("0"))
    assert codes(policy, facts(total=Decimal("0.01"))) == [RiskCode.TOTAL_ABOVE_LIMIT]
    assert codes(policy, facts(total=Decimal("0"))) == []


# ---- markets

def test_a_country_outside_the_markets_holds():
    policy = RiskPolicy(markets={"fr", "DE", " be "})
    assert policy.markets == frozenset({"FR", "DE", "BE"})
    assert risk.assess(policy, facts()) == []
    us = {**ADDRESS, "country": "US"}
    assert risk.assess(policy, facts(shipping_address=us)) == [RiskHit(
        RiskCode.COUNTRY_OUTSIDE_MARKETS,
        "shipping country US is outside the channel's markets (BE, DE, FR)")]


def test_no_markets_means_everywhere():
    assert codes(RiskPolicy(), facts(shipping_address={**ADDRESS, "country": "BR"})) == []


# ---- velocity

@pytest.mark.parametrize(("earlier", "held"), [(0, False), (2, False), (3, True), (10, True)])
def test_velocity_lets_through_the_limit_and_holds_the_next(earlier, held):
    policy = RiskPolicy(max_orders_per_email_per_hour=3)
    hits = risk.assess(policy, facts(orders_from_email_last_hour=earlier))
    assert [h.code for h in hits] == ([RiskCode.VELOCITY] if held else [])
    if held:
        assert hits[0].detail == (f"order {earlier + 1} from this email within an hour; "
                                  "the limit is 3")


def test_a_zero_velocity_limit_holds_every_order():
    assert codes(RiskPolicy(max_orders_per_email_per_hour=0), facts()) == [RiskCode.VELOCITY]


# ---- blocked emails

@pytest.mark.parametrize("email", ["ann@example.com", "ANN@Example.com", " ann@example.com ",
                                   "ann+2@example.com"])
def test_a_blocked_email_holds_whatever_its_case_or_tag(email):
    policy = RiskPolicy(blocked_emails={"Ann@Example.com"})
    assert risk.assess(policy, facts(email=email)) == [RiskHit(
        RiskCode.BLOCKED_EMAIL, "the customer's email is on the blocked list")]


@pytest.mark.parametrize("email", ["bob@example.com", "ann@example.org", "ann.lee@example.com",
                                   "xann@example.com"])
def test_other_emails_pass(email):
    assert codes(RiskPolicy(blocked_emails={"ann@example.com"}), facts(email=email)) == []


def test_a_blocked_domain_holds_every_address_on_it_but_not_its_subdomains():
    policy = RiskPolicy(blocked_emails={"@Spam.example"})
    assert policy.blocked_emails == frozenset({"@spam.example"})
    assert risk.assess(policy, facts(email="who@spam.example")) == [RiskHit(
        RiskCode.BLOCKED_EMAIL, "the customer's email domain @spam.example is on the blocked list")]
    assert codes(policy, facts(email="who@mail.spam.example")) == []
    assert codes(policy, facts(email="who@notspam.example")) == []


def test_a_blocked_entry_with_a_tag_blocks_the_whole_mailbox():
    policy = RiskPolicy(blocked_emails={"ann+shop@example.com"})
    assert codes(policy, facts(email="ann@example.com")) == [RiskCode.BLOCKED_EMAIL]


# ---- blocked addresses

BLOCKED = {"line1": "1 Rue de Rivoli", "postalCode": "75001", "country": "FR"}


@pytest.mark.parametrize("typed", [
    {"line1": "1 Rue de Rivoli", "postalCode": "75001", "country": "FR"},
    {"line1": "1 RUE DE RIVOLI", "postalCode": "75001", "country": "FR"},
    {"line1": " 1  rue de   rivoli ", "postalCode": "75 001", "country": "fr"},
    {"line1": "1 RuedeRivoli", "postalCode": "75001", "country": "FR"},
])
def test_a_blocked_address_holds_whatever_its_case_or_spacing(typed):
    policy = RiskPolicy(blocked_addresses=[BLOCKED])
    assert risk.assess(policy, facts(shipping_address={**ADDRESS, **typed})) == [RiskHit(
        RiskCode.BLOCKED_ADDRESS, "the shipping address is on the blocked list")]


@pytest.mark.parametrize("typed", [
    {"line1": "2 Rue de Rivoli"}, {"postalCode": "75002"}, {"country": "BE"},
])
def test_an_address_differing_in_line1_postal_code_or_country_passes(typed):
    policy = RiskPolicy(blocked_addresses=[BLOCKED])
    assert codes(policy, facts(shipping_address={**ADDRESS, **typed})) == []


def test_a_blocked_address_without_postal_code_matches_one_without():
    policy = RiskPolicy(blocked_addresses=[{"line1": "Flat 1, 2 Nathan Rd", "country": "HK"}])
    hk = {**ADDRESS, "line1": "flat 1, 2 nathan rd", "postalCode": "", "country": "HK"}
    assert codes(policy, facts(shipping_address=hk)) == [RiskCode.BLOCKED_ADDRESS]


def test_the_city_and_name_do_not_matter_for_a_blocked_address():
    policy = RiskPolicy(blocked_addresses=[BlockedAddress("1 Rue de Rivoli", "75001", "FR")])
    other = {**ADDRESS, "name": "Someone Else", "city": "PARIS 1er"}
    assert codes(policy, facts(shipping_address=other)) == [RiskCode.BLOCKED_ADDRESS]


# ---- all together

def test_every_rule_that_fires_is_reported_in_code_order():
    policy = RiskPolicy(max_total=Decimal("50"), markets={"DE"}, max_orders_per_email_per_hour=1,
                        blocked_emails={"@example.com"}, blocked_addresses=[BLOCKED])
    assert codes(policy, facts(orders_from_email_last_hour=1)) == [
        c for c in RiskCode if c is not RiskCode.NO_LOCATION_CAN_FILL]


def test_a_new_rule_is_one_entry(monkeypatch):
    monkeypatch.setitem(risk.RULES, "NIGHT_OWL", lambda policy, f: "placed at night")
    assert risk.assess(RiskPolicy(), facts()) == [RiskHit("NIGHT_OWL", "placed at night")]


def test_details_carry_no_personal_data():
    policy = RiskPolicy(max_total=Decimal("1"), max_orders_per_email_per_hour=0,
                        blocked_emails={"ann@example.com"}, blocked_addresses=[BLOCKED])
    for hit in risk.assess(policy, facts()):
        assert "ann" not in hit.detail.lower() and "rivoli" not in hit.detail.lower()


# ---- stored form

FULL = {"maxTotal": "5000.00", "maxTotalPerCurrency": {"JPY": "800000.00", "USD": "6000.00"},
        "markets": ["BE", "DE", "FR"], "maxOrdersPerEmailPerHour": 5,
        "blockedEmails": ["@spam.example", "bad@example.com"],
        "blockedAddresses": [{"line1": "1 Rue de Rivoli", "postalCode": "75001", "country": "FR"}]}


def test_a_policy_round_trips_through_json():
    policy = risk.policy_from_dict(json.loads(json.dumps(FULL)))
    assert policy == RiskPolicy(
        max_total=Decimal("5000"), max_total_per_currency={"USD": Decimal("6000"),
                                                           "JPY": Decimal("800000")},
        markets={"FR", "DE", "BE"}, max_orders_per_email_per_hour=5,
        blocked_emails={"bad@example.com", "@spam.example"},
        blocked_addresses=[BlockedAddress("1 Rue de Rivoli", "75001", "FR")])
    assert risk.policy_to_dict(policy) == FULL
    assert json.loads(json.dumps(risk.policy_to_dict(policy))) == FULL


def test_missing_settings_are_off():
    assert risk.policy_from_dict({}) == RiskPolicy()
    assert risk.policy_from_dict(None) == RiskPolicy()
    assert risk.policy_from_dict({"maxTotal": None, "markets": None}) == RiskPolicy()
    assert risk.policy_to_dict(RiskPolicy()) == {
        "maxTotal": None, "maxTotalPerCurrency": {}, "markets": [],
        "maxOrdersPerEmailPerHour": None, "blockedEmails": [], "blockedAddresses": []}


def test_an_unknown_setting_is_refused_naming_the_known_ones():
    err = _invalid(risk.policy_from_dict, {"maxTotl": "10"})
    assert err.field == ["riskPolicy", "maxTotl"]
    assert err.message == ("unknown risk policy setting 'maxTotl'; allowed: maxTotal, "
                           "maxTotalPerCurrency, markets, maxOrdersPerEmailPerHour, "
                           "blockedEmails, blockedAddresses")


# ---- bad policies

@pytest.mark.parametrize(("data", "field", "message"), [
    ({"maxTotal": "-1"}, ["riskPolicy", "maxTotal"], "limit must not be negative"),
    ({"maxTotal": "-0.01"}, ["riskPolicy", "maxTotal"], "limit must not be negative"),
    ({"maxTotal": "lots"}, ["riskPolicy", "maxTotal"],
     'limit must be a decimal amount such as "1000.00"'),
    ({"maxTotal": "NaN"}, ["riskPolicy", "maxTotal"],
     'limit must be a decimal amount such as "1000.00"'),
    ({"maxTotal": "Infinity"}, ["riskPolicy", "maxTotal"],
     'limit must be a decimal amount such as "1000.00"'),
    ({"maxTotal": 10.5}, ["riskPolicy", "maxTotal"],
     'limit must be a decimal amount such as "1000.00"'),
    ({"maxTotal": True}, ["riskPolicy", "maxTotal"],
     'limit must be a decimal amount such as "1000.00"'),
    ({"maxTotalPerCurrency": {"EUR": "-5"}}, ["riskPolicy", "maxTotalPerCurrency", "EUR"],
     "limit must not be negative"),
    ({"maxTotalPerCurrency": {"EURO": "5"}}, ["riskPolicy", "maxTotalPerCurrency", "EURO"],
     "currency must be an ISO 4217 code"),
    ({"maxTotalPerCurrency": ["EUR"]}, ["riskPolicy", "maxTotalPerCurrency"], "must be an object"),
    ({"markets": ["FR", "XX"]}, ["riskPolicy", "markets", "1"],
     "country must be an ISO 3166-1 alpha-2 code"),
    ({"markets": ["France"]}, ["riskPolicy", "markets", "0"],
     "country must be an ISO 3166-1 alpha-2 code"),
    ({"markets": [None]}, ["riskPolicy", "markets", "0"],
     "country must be an ISO 3166-1 alpha-2 code"),
    ({"markets": "FR"}, ["riskPolicy", "markets"], "must be a list"),
    ({"maxOrdersPerEmailPerHour": -1}, ["riskPolicy", "maxOrdersPerEmailPerHour"],
     "limit must be a whole number, 0 or more"),
    ({"maxOrdersPerEmailPerHour": 2.5}, ["riskPolicy", "maxOrdersPerEmailPerHour"],
     "limit must be a whole number, 0 or more"),
    ({"maxOrdersPerEmailPerHour": "5"}, ["riskPolicy", "maxOrdersPerEmailPerHour"],
     "limit must be a whole number, 0 or more"),
    ({"blockedEmails": ["ok@example.com", 7]}, ["riskPolicy", "blockedEmails", "1"],
     "a blocked email must be an address or @domain"),
    ({"blockedEmails": "a@example.com"}, ["riskPolicy", "blockedEmails"], "must be a list"),
    ({"blockedAddresses": [{"postalCode": "75001", "country": "FR"}]},
     ["riskPolicy", "blockedAddresses", "0", "line1"], "line1 is required"),
    ({"blockedAddresses": [{"line1": 5, "country": "FR"}]},
     ["riskPolicy", "blockedAddresses", "0", "line1"], "line1 must be text"),
    ({"blockedAddresses": [{"line1": "1 Main St", "country": "XX"}]},
     ["riskPolicy", "blockedAddresses", "0", "country"],
     "country must be an ISO 3166-1 alpha-2 code"),
    ({"blockedAddresses": ["1 Main St"]}, ["riskPolicy", "blockedAddresses", "0"],
     "must be an object"),
    ({"blockedAddresses": {"line1": "x"}}, ["riskPolicy", "blockedAddresses"], "must be a list"),
])
def test_a_bad_policy_is_refused_with_its_field(data, field, message):
    err = _invalid(risk.policy_from_dict, data)
    assert (err.field, err.message) == (field, message)


@pytest.mark.parametrize(("entry", "index"), [("not-an-email", "0"), ("@", "0"),
                                              ("@no spaces.example", "0")])
def test_a_malformed_blocked_email_is_refused(entry, index):
    err = _invalid(risk.policy_from_dict, {"blockedEmails": [entry]})
    assert err.field == ["riskPolicy", "blockedEmails", index]
    assert err.message.startswith("invalid email address: ")


def test_a_policy_built_in_code_is_checked_too():
    assert _invalid(RiskPolicy, max_total=Decimal("-1")).field == ["riskPolicy", "maxTotal"]
    assert _invalid(RiskPolicy, markets={"ZZ"}).field == ["riskPolicy", "markets", "0"]
    assert _invalid(RiskPolicy, max_orders_per_email_per_hour=-3).field == [
        "riskPolicy", "maxOrdersPerEmailPerHour"]


def test_a_policy_is_immutable():
    policy = RiskPolicy(max_total=Decimal("10"))
    with pytest.raises(AttributeError):
        policy.max_total = Decimal("20")  # type: ignore[misc]
