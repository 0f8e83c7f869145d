"""Input objects built by converters made once per schema, not per request.

Strawberry turns every input value into its input class field by field, and
for each field of each request it works out again the field's GraphQL name
and resolved type. For orderPlace's nested input that was ~10 % of the
server's CPU per order (bench/orders_throughput.py). Strawberry offers a
hook for this, `StrawberryObjectDefinition.from_input` (what its pydantic
integration uses): here every input type of the schema gets one that knows
its fields in advance. Anything unusual (Maybe, GlobalID, types we have no
fast path for) still goes through Strawberry's own `convert_argument`, so the
result is always what Strawberry would have built.
"""
from __future__ import annotations

from dataclasses import MISSING
from typing import Any, Callable, Mapping

import strawberry
from strawberry.relay.types import GlobalID
from strawberry.scalars import is_scalar
from strawberry.types.arguments import InputContext, convert_argument
from strawberry.types.base import (StrawberryList, StrawberryMaybe,
                                   StrawberryObjectDefinition, StrawberryOptional,
                                   has_object_definition)
from strawberry.types.enum import has_enum_definition
from strawberry.types.lazy_type import LazyType
from strawberry.types.unset import UNSET

Convert = Callable[[Any, InputContext, tuple], Any]


def install(schema: strawberry.Schema) -> None:
    """Give every input type of `schema` a precompiled `from_input`."""
    config = schema.config
    scalars = schema.schema_converter.scalar_registry
    for concrete in schema.schema_converter.type_map.values():
        definition = concrete.definition
        if isinstance(definition, StrawberryObjectDefinition) and definition.is_input \
                and definition.from_input is None:
            definition.from_input = _builder(definition, config, scalars)


def _builder(definition: StrawberryObjectDefinition, config: Any,
             scalars: Mapping[object, Any]) -> Callable[[type, Mapping[str, Any], InputContext],
                                                        Any]:
    # Nullable fields without a default start as None, as Strawberry does.
    template = {f.python_name: None for f in definition.fields
                if f.default_value is MISSING and f.default_factory is MISSING}
    fields: list[tuple[str, str, Convert | None]] = []
    for f in definition.fields:
        field_type = f.resolve_type(type_definition=definition)
        fields.append((config.name_converter.from_field(f), f.python_name,
                       _converter(field_type, scalars)))

    def from_input(cls: type, value: Mapping[str, Any], ctx: InputContext) -> Any:
        kwargs = dict(template)
        for graphql_name, python_name, convert in fields:
            if graphql_name in value:
                raw = value[graphql_name]
                kwargs[python_name] = raw if convert is None else convert(
                    raw, ctx, (*ctx.path, graphql_name))
        return cls(**kwargs)

    return from_input


def _is_leaf(type_: Any, scalars: Mapping[object, Any]) -> bool:
    """A value graphql-core has already made final: a scalar or an enum."""
    if type_ is GlobalID:
        return False
    return is_scalar(type_, scalars) or has_enum_definition(type_)


def _converter(type_: Any, scalars: Mapping[object, Any]) -> Convert | None:
    """None: the value is used as it is."""
    if isinstance(type_, StrawberryMaybe):
        return _strawberrys(type_)
    if isinstance(type_, StrawberryOptional):
        inner = _converter(type_.of_type, scalars)
        if inner is None:
            return None

        def optional(v: Any, ctx: InputContext, path: tuple) -> Any:
            return v if v is None or v is UNSET else inner(v, ctx, path)
        return optional
    if isinstance(type_, StrawberryList):
        item = _converter(type_.of_type, scalars)

        def a_list(v: Any, ctx: InputContext, path: tuple) -> Any:
            if v is None or v is UNSET:
                return v
            # Always a new list: graphql-core hands every request that omits a
            # value the same default list.
            if item is None:
                return list(v)
            return [item(x, ctx, (*path, i)) for i, x in enumerate(v)]
        return a_list
    if isinstance(type_, LazyType):
        return _strawberrys(type_)
    if _is_leaf(type_, scalars):
        return None
    if has_object_definition(type_) and type_.__strawberry_definition__.is_input:
        definition = type_.__strawberry_definition__

        def nested(v: Any, ctx: InputContext, path: tuple) -> Any:
            if v is None or v is UNSET:
                return v
            if definition.from_input is None:  # not one of this schema's inputs
                return convert_argument(v, type_, ctx.scalar_registry, ctx.config, ctx.info,
                                        path=path)
            nested_ctx = InputContext(info=ctx.info, config=ctx.config,
                                      scalar_registry=ctx.scalar_registry, path=path)
            return definition.from_input(type_, v, nested_ctx)
        return nested
    return _strawberrys(type_)


def _strawberrys(type_: Any) -> Convert:
    def convert(v: Any, ctx: InputContext, path: tuple) -> Any:
        return convert_argument(v, type_, ctx.scalar_registry, ctx.config, ctx.info, path=path)
    return convert
