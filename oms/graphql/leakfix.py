"""graphql-core 3.3 keeps ~14 objects per event per open subscription: the
per-event executor is a shallow copy that shares the `_relevant_sub_fields`
memo, whose keys are the ids of per-event lists. Give each event its own memo
(see shared STACK-NOTES); tests/graphql/test_leakfix.py guards it."""
from __future__ import annotations

from typing import Any

from graphql.execution.executor import Executor

_PATCHED = "_oms_per_event_memo"


def apply() -> None:
    if getattr(Executor.build_per_event_executor, _PATCHED, False):
        return
    original = Executor.build_per_event_executor

    def build_per_event_executor(self: Executor, payload: Any) -> Executor:
        executor = original(self, payload)
        executor._relevant_sub_fields = {}
        return executor

    setattr(build_per_event_executor, _PATCHED, True)
    Executor.build_per_event_executor = build_per_event_executor  # type: ignore[method-assign]
