"""A hedge rule's memory between sessions as JSON (what a live book stores for the hedge).

The hedge's positions are the book's lots (each hedge fill tagged with its layer and the
allocations it bought, ``Bought``); what the lots cannot say is the rule's plan and the
adapter's bookkeeping around it:

- the plan (``HedgeState``): tranches scheduled for later sessions, the count of consecutive
  clear sessions, the session of the last layer change (cool-down). The layers are not
  stored: each session derives them from the lots;
- the adapter's session count (tranche timing and cool-downs count sessions), the ATM IV
  history the IV shift reads (only its last ``iv_shift_sessions``), the lots let go whose sale
  is yet to fill, and the places of the allocations held (their order within a layer).

Floats use ``fnum`` / ``fval`` (exact; non-finite ones as their names, which the book's JSON
needs: it refuses NaN); ``alvh.engine.state_json`` uses them too. VXTH remembers only its
session count; no hedge, nothing (``rule_memory`` / ``restore_rule_memory``).
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence
from typing import Any

from alvh.strategy.hedge.adapter import HedgeAdapter, HedgeRule
from alvh.strategy.hedge.alvh_rule import AlvhHedge, Bought
from alvh.strategy.hedge.results import Allocation
from alvh.strategy.hedge.sizing import Slice
from alvh.strategy.hedge.state import HedgeState, PendingTranche


def fnum(x: float) -> float | str:
    """Return ``x`` as a JSON value: the float, or its name when not finite."""
    x = float(x)
    return x if math.isfinite(x) else repr(x)


def fval(v: Any) -> float:
    """Return the float a ``fnum`` value stands for."""
    return float(v)


def _alloc_payload(a: Allocation) -> list[Any]:
    return [
        a.symbol,
        a.kind,
        a.contracts,
        fnum(a.multiplier),
        fnum(a.price),
        a.expiry_ordinal,
        a.tranche,
    ]


def _alloc_of(p: Sequence[Any]) -> Allocation:
    symbol, kind, contracts, mult, price, exp, tranche = p
    return Allocation(
        str(symbol),
        str(kind),
        int(contracts),
        fval(mult),
        fval(price),
        None if exp is None else int(exp),
        int(tranche),
    )


def bought_payload(label: Hashable) -> Any:
    """Return a hedge fill's tag label as JSON (``Bought`` -> its place and allocation)."""
    if label is None:
        return None
    if not isinstance(label, Bought):
        raise TypeError(f"a hedge fill's tag label is a Bought or None, got {label!r}")
    return {"place": list(label.place), "allocation": _alloc_payload(label.allocation)}


def bought_of(payload: Any) -> Bought | None:
    """Return the tag label ``bought_payload`` recorded."""
    if payload is None:
        return None
    a, b = payload["place"]
    return Bought((int(a), int(b)), _alloc_of(payload["allocation"]))


def plan_payload(hook: AlvhHedge) -> dict[str, Any]:
    """Return what the ALVH hedge remembers between sessions besides the book's lots."""
    st = hook.state
    n = hook.cfg.triggers.iv_shift_sessions
    return {
        "session_index": hook.session_index,
        "pending": [
            [
                p.slice.layer,
                fnum(p.slice.weight),
                p.slice.kind,
                list(p.slice.tenor) if isinstance(p.slice.tenor, tuple) else p.slice.tenor,
                p.slice.tranche,
                p.slice.delay_sessions,
                p.due_session,
            ]
            for p in st.pending
        ],
        "clear_sessions": st.clear_sessions,
        "last_change_session": st.last_change_session,
        # The IV shift reads the ATM IV ``n`` sessions back: the last ``n`` are all it needs.
        "iv_hist": [fnum(x) for x in hook._iv_hist[-n:]] if n > 0 else [],
        "closing": sorted([layer, cid] for layer, cid in hook._closing),
        "places": [
            [layer, sym, tranche, [list(p) for p in places]]
            for (layer, sym, tranche), places in hook._places.items()
        ],
        "rank": [[*place, r] for place, r in hook._rank.items()],
    }


def restore_plan(hook: AlvhHedge, payload: Mapping[str, Any]) -> None:
    """Give a freshly prepared hook the memory ``plan_payload`` recorded."""
    hook.session_index = int(payload["session_index"])
    pending = tuple(
        PendingTranche(
            Slice(
                int(layer),
                fval(weight),
                kind,
                tuple(tenor) if isinstance(tenor, list) else tenor,
                int(tranche),
                int(delay),
            ),
            int(due),
        )
        for layer, weight, kind, tenor, tranche, delay, due in payload["pending"]
    )
    last = payload["last_change_session"]
    hook.state = HedgeState(
        pending, int(payload["clear_sessions"]), None if last is None else int(last)
    )
    hook._iv_hist = [fval(x) for x in payload["iv_hist"]]
    hook._closing = frozenset((int(layer), str(cid)) for layer, cid in payload["closing"])
    hook._places = {
        (int(layer), str(sym), int(tranche)): [(int(a), int(b)) for a, b in places]
        for layer, sym, tranche, places in payload["places"]
    }
    hook._rank = {(int(a), int(b)): int(r) for a, b, r in payload["rank"]}


def rule_memory(hook: HedgeRule) -> dict[str, Any]:
    """Return the hedge rule's memory: the ALVH plan, VXTH's session count, nothing for no
    hedge."""
    if isinstance(hook, AlvhHedge):
        return plan_payload(hook)
    if isinstance(hook, HedgeAdapter):
        return {"session_index": hook.session_index}
    return {}


def restore_rule_memory(hook: HedgeRule, payload: Mapping[str, Any]) -> None:
    """Give ``hook`` the memory ``rule_memory`` returned (the inverse)."""
    if isinstance(hook, AlvhHedge):
        restore_plan(hook, payload)
    elif isinstance(hook, HedgeAdapter):
        hook.session_index = int(payload["session_index"])
