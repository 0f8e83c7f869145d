"""Composition only: every domain's queries, mutations and subscriptions,
plus the security and performance extensions."""
from __future__ import annotations

import strawberry
from strawberry.extensions import (AddValidationRules, DisableIntrospection, MaskErrors,
                                   MaxAliasesLimiter, MaxTokensLimiter, ParserCache,
                                   QueryDepthLimiter, ValidationCache)
from strawberry.tools import merge_types

from oms.catalog.graphql.schema import CatalogMutation, CatalogQuery
from oms.catalog.graphql.rates import CurrencyRateMutation, CurrencyRateQuery
from oms.customers.graphql.schema import CustomerQuery
from oms.customers.graphql.mutations import CustomerMutation, CustomerPrivacyQuery
from oms.fulfillment.graphql.labels import LabelMutation
from oms.fulfillment.graphql.routing import RoutingMutation, RoutingQuery
from oms.fulfillment.graphql.schema import FulfillmentMutation, FulfillmentQuery
from oms.handoff.graphql.schema import HandoffMutation, HandoffQuery
from oms.inventory.graphql.rules import AllocationRuleMutation, AllocationRuleQuery
from oms.inventory.graphql.schema import InventoryMutation, InventoryQuery
from oms.inventory.graphql.subscriptions import InventorySubscription
from oms.orders.graphql.imports import OrderImportMutation
from oms.orders.graphql.schema import OrderMutation, OrderQuery
from oms.orders.graphql.settings import ChannelSettingsMutation, ChannelSettingsQuery
from oms.orders.graphql.subscriptions import OrderSubscription
from oms.payments.graphql.schema import PaymentMutation
from oms.returns.graphql.mutations import ReturnMutation
from oms.returns.graphql.resolution import ReturnResolutionMutation
from oms.returns.graphql.queries import ReturnQuery
from oms.returns.graphql.subscriptions import ReturnSubscription

from . import inputs, leakfix
from .errors import should_mask
from .nul import RefuseNul
from .transport import SubscriptionsOverWebSocketOnly

Query = merge_types("Query", (OrderQuery, CustomerQuery, FulfillmentQuery, InventoryQuery,
                              AllocationRuleQuery, CatalogQuery, ChannelSettingsQuery,
                              HandoffQuery, RoutingQuery, CustomerPrivacyQuery,
                              CurrencyRateQuery, ReturnQuery))
Mutation = merge_types("Mutation", (CatalogMutation, InventoryMutation, AllocationRuleMutation,
                                    OrderMutation, OrderImportMutation, ChannelSettingsMutation,
                                    FulfillmentMutation, LabelMutation, HandoffMutation,
                                    PaymentMutation, RoutingMutation, CustomerMutation,
                                    CurrencyRateMutation, ReturnMutation,
                                    ReturnResolutionMutation))
Subscription = merge_types("Subscription", (OrderSubscription, InventorySubscription,
                                            ReturnSubscription))


class OmsSchema(strawberry.Schema):
    def process_errors(self, errors, execution_context=None) -> None:
        # Only what we mask is unexpected and worth an ERROR with a traceback;
        # user mistakes and refused permissions are answers, not incidents.
        super().process_errors([e for e in errors if should_mask(e)], execution_context)


def build_schema(*, max_depth: int = 12, max_aliases: int = 30, max_tokens: int = 2000,
                 introspection: bool = True) -> strawberry.Schema:
    leakfix.apply()
    # The limiters make a new rule class per instance; built per request they
    # give ValidationCache a new key every time, so every request was
    # validated again (~1 ms). Build the rules once and share them.
    limit_rules = [*QueryDepthLimiter(max_depth=max_depth).validation_rules,
                   *MaxAliasesLimiter(max_alias_count=max_aliases).validation_rules]
    extensions: list = [
        lambda: AddValidationRules(limit_rules),
        lambda: MaxTokensLimiter(max_token_count=max_tokens),
        lambda: MaskErrors(should_mask_error=should_mask),
        # graphql-core re-parses and re-validates every document otherwise (~1 ms each).
        lambda: ParserCache(maxsize=512),
        lambda: ValidationCache(maxsize=512),
        RefuseNul,
        SubscriptionsOverWebSocketOnly,
    ]
    if not introspection:
        extensions.append(DisableIntrospection)
    built = OmsSchema(query=Query, mutation=Mutation, subscription=Subscription,
                      extensions=extensions)
    inputs.install(built)
    return built


# For `strawberry export-schema oms.graphql.schema:schema` and the drift test.
schema = build_schema()
