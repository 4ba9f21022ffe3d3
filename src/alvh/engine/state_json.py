"""The engine's state between two sessions, split into what the fills say and a JSON rest.

A live book stores the engine's fills (tagged: condor tier and ``condor-<id>``, hedge layer
and ``layer<N>`` with the allocations bought) and, once per session, ``state_payload``: what
the fills cannot say. ``restore_state`` rebuilds the ``RunState`` the backtest's loop holds at
the end of that session from both, so ``Engine.step`` continues from it as if the loop had
never stopped (tests/engine/test_step_restore.py runs a backtest that is saved and restored
at every session and compares it with one that never was).

Derived from the fills (folded by ``alvh.book.account.Account``, nothing stored): every
position, its average price, realised P&L and fees, the tagged parts of each hedge lot (the
hedge's layers are derived from them), the contract -> report layer map, the condors' lot
group codes. Stored (JSON, compact): the condors' terms and entry credit (their legs are in the
fills, the credit net of slippage and the condor id are not), the orders decided at the close
and not filled yet (the machine form of the session's ``order`` events), each account's cash
and interest (interest is not a fill), the last hedge marks of open contracts (a contract the
data cannot price keeps its last mark), the hedge events not yet shown to the rule, the last
entry session per tier, the previous P&L by tier and layer (the daily row's differences), the
cash rate known at the close, legs kept to expiry, ruin, and the hedge rule's plan
(``alvh.strategy.hedge.memory``).

Floats are stored with ``repr`` precision (JSON numbers round-trip exactly); non-finite ones
as the strings ``"nan"``, ``"inf"``, ``"-inf"`` (the book's JSON refuses NaN).
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from alvh.book.account import Account
from alvh.book.contracts import SpxOption, parse_contract_id
from alvh.book.positions import Fill
from alvh.engine.state import OpenCondor, Pending, Ruin, RunState
from alvh.strategy.book_view import FillOutcome, HedgeEvent, HedgeMark, HedgeOrder
from alvh.strategy.hedge.memory import (
    bought_of,
    bought_payload,
    fnum,
    fval,
    restore_rule_memory,
    rule_memory,
)

if TYPE_CHECKING:
    from alvh.engine.loop import Engine

STATE_SCHEMA = 1


class StateError(ValueError):
    """A stored state that does not fit the book's fills or the engine's sessions."""


# -- fill tags (the hedge's allocations) ---------------------------------------------------------
def tag_payload(tag: Sequence[tuple[Hashable, float]]) -> list[list[Any]]:
    """Return a fill's tag as JSON: ``[[label, qty], ...]``; labels are the hedge's ``Bought``."""
    return [[bought_payload(label), fnum(q)] for label, q in tag]


def tag_of(payload: Sequence[Sequence[Any]] | None) -> tuple[tuple[Hashable, float], ...]:
    """Return the tag a ``tag_payload`` records."""
    if not payload:
        return ()
    return tuple((bought_of(label), fval(q)) for label, q in payload)


# -- pieces --------------------------------------------------------------------------------------
def _mark_payload(m: HedgeMark) -> dict[str, Any]:
    return {
        "mid": fnum(m.mid),
        "half_spread": fnum(m.half_spread),
        "multiplier": fnum(m.multiplier),
        "expiry": None if m.expiry is None else str(m.expiry.date()),
        "settlement": None if m.settlement is None else fnum(m.settlement),
        "vega": fnum(m.vega_usd_per_vol_pt),
        "fee_usd": fnum(m.fee_usd),
        "is_future": m.is_future,
        "margin_usd": fnum(m.margin_usd),
        "layer": m.layer,
        "extras": {k: fnum(v) for k, v in m.extras.items()},
    }


def _mark_of(p: Mapping[str, Any]) -> HedgeMark:
    extras = {k: fval(v) for k, v in p["extras"].items()}
    return HedgeMark(
        mid=fval(p["mid"]),
        half_spread=fval(p["half_spread"]),
        multiplier=fval(p["multiplier"]),
        expiry=None if p["expiry"] is None else pd.Timestamp(p["expiry"]),
        settlement=None if p["settlement"] is None else fval(p["settlement"]),
        vega_usd_per_vol_pt=fval(p["vega"]),
        fee_usd=fval(p["fee_usd"]),
        is_future=bool(p["is_future"]),
        margin_usd=fval(p["margin_usd"]),
        layer=str(p["layer"]),
        extras=MappingProxyType(extras) if extras else MappingProxyType({}),
    )


def _condor_payload(c: OpenCondor) -> dict[str, Any]:
    return {
        "cid": c.cid,
        "tier": c.tier,
        "expiry": str(c.expiry.date()),
        "am_settled": c.am_settled,
        "strikes": [fnum(k) for k in c.strikes],
        "qty": c.qty,
        "credit": fnum(c.credit),
        "open_date": None if c.open_date is None else str(c.open_date.date()),
        "fees_usd": fnum(c.fees_usd),
        "root": c.root,
        "value": fnum(c.value),
        "greeks": [fnum(c.delta), fnum(c.vega), fnum(c.theta)],
        "iv_shorts": [fnum(c.iv_short_put), fnum(c.iv_short_call)],
    }


def _condor_of(p: Mapping[str, Any], acct: Account) -> OpenCondor:
    strikes = np.array([fval(k) for k in p["strikes"]], dtype=float)
    c = OpenCondor(
        int(p["cid"]),
        str(p["tier"]),
        pd.Timestamp(p["expiry"]),
        bool(p["am_settled"]),
        strikes,
        int(p["qty"]),
        credit=fval(p["credit"]),
        open_date=None if p["open_date"] is None else pd.Timestamp(p["open_date"]),
        fees_usd=fval(p["fees_usd"]),
        root=str(p["root"]),
    )
    c.value = fval(p["value"])
    c.delta, c.vega, c.theta = (fval(x) for x in p["greeks"])
    c.iv_short_put, c.iv_short_call = (fval(x) for x in p["iv_shorts"])
    if c.open_date is not None:
        try:
            c.group_code = acct.group_code(c.group)
        except KeyError:
            raise StateError(
                f"condor {c.cid} ({c.tier}) is open in the stored state but the book holds no "
                f"fill of its legs (group {c.group})"
            ) from None
    return c


def _order_payload(o: HedgeOrder) -> dict[str, Any]:
    return {
        "book_layer": o.book_layer,
        "contract": o.contract_id,
        "qty": fnum(o.qty),
        "reason": o.reason,
        "layer": o.layer,
        "tag": tag_payload(o.tag),
    }


def _order_of(p: Mapping[str, Any]) -> HedgeOrder:
    return HedgeOrder(
        str(p["book_layer"]),
        str(p["contract"]),
        fval(p["qty"]),
        str(p["reason"]),
        int(p["layer"]),
        tag_of(p["tag"]),
    )


# -- the state -----------------------------------------------------------------------------------
def state_payload(engine: Engine, st: RunState, i: int) -> dict[str, Any]:
    """Return what a book stores of the state at the end of session ``i`` besides its fills.

    Parameters
    ----------
    engine
        The engine that ran the session (its hedge hook holds the rule's plan).
    st
        The state after ``engine.step(st, i)``.
    i
        The session's index in ``engine.sessions``.
    """
    open_hedges = set(st.hedges_acct.open_contract_ids())
    return {
        "schema": STATE_SCHEMA,
        "session": str(engine.sessions[i].date()),
        "session_index": i,
        "n_fills": [len(st.condors_acct.fills), len(st.hedges_acct.fills)],
        "cash_usd": [fnum(st.condors_acct.cash_usd), fnum(st.hedges_acct.cash_usd)],
        "interest_usd": [fnum(st.condors_acct.interest_usd), fnum(st.hedges_acct.interest_usd)],
        "next_cid": st.next_cid,
        "condors": [_condor_payload(c) for c in st.condors.values()],
        "pending": [
            {
                "kind": p.kind,
                "cid": p.cid,
                "reason": p.reason,
                "hedge": None if p.hedge is None else _order_payload(p.hedge),
            }
            for p in st.pending
        ],
        "hedge_marks": {
            cid: _mark_payload(m) for cid, m in st.hedge_marks.items() if cid in open_hedges
        },
        "hedge_events": [
            [e.outcome.value, e.layer, e.contract_id, fnum(e.qty)] for e in st.hedge_events
        ],
        "last_entry": dict(st.last_entry),
        "prev_pnl": {k: fnum(v) for k, v in st.prev_pnl.items()},
        "prev_rate_pct": fnum(st.prev_rate_pct),
        "kept_legs": [[leg.id, fnum(q), tier, group] for leg, q, tier, group in st.kept_legs],
        "ruin": {
            b: [str(r.day.date()), fnum(r.equity_usd), fnum(r.cash_usd)] for b, r in st.ruin.items()
        },
        "hedge": rule_memory(engine.hedge),
    }


def split_fills(fills: Sequence[Fill]) -> tuple[list[Fill], list[Fill]]:
    """Return a book's fills as (condor account's, hedge account's): SPX options are the
    condors' (both books hold them), everything else the hedge overlay's."""
    condors: list[Fill] = []
    hedges: list[Fill] = []
    for f in fills:
        (condors if isinstance(f.contract, SpxOption) else hedges).append(f)
    return condors, hedges


def restore_state(engine: Engine, fills: Sequence[Fill], saved: Mapping[str, Any]) -> RunState:
    """Return the state at the end of the session ``saved`` was written for.

    Parameters
    ----------
    engine
        An engine over the same config, capital and sessions (its hedge is reset and given the
        stored plan).
    fills
        Every fill of the book in log order, tags included.
    saved
        ``state_payload`` of that session.

    Raises
    ------
    StateError
        When the stored state is of another schema, another session index, or does not
        match the fills (their count per account, an open condor without fills).
    """
    if saved.get("schema") != STATE_SCHEMA:
        raise StateError(
            f"stored engine state schema {saved.get('schema')!r}; expected {STATE_SCHEMA}"
        )
    i = int(saved["session_index"])
    if i >= len(engine.sessions) or str(engine.sessions[i].date()) != saved["session"]:
        raise StateError(
            f"the stored state is of session {saved['session']} (index {i}), which is not that "
            f"session of the engine's calendar from {engine.sessions[0].date()}; was the "
            "config's start or the market data changed?"
        )
    st = engine.start_state()
    condor_fills, hedge_fills = split_fills(fills)
    if [len(condor_fills), len(hedge_fills)] != list(saved["n_fills"]):
        raise StateError(
            f"the book holds {len(condor_fills)} condor and {len(hedge_fills)} hedge fills; the "
            f"stored state of {saved['session']} was written after {saved['n_fills'][0]} and "
            f"{saved['n_fills'][1]}"
        )
    st.condors_acct.apply_fills(condor_fills)
    st.hedges_acct.apply_fills(hedge_fills)
    for acct, cash, interest in zip(
        (st.condors_acct, st.hedges_acct), saved["cash_usd"], saved["interest_usd"], strict=True
    ):
        acct.cash_usd, acct.interest_usd = fval(cash), fval(interest)
    for f in hedge_fills:
        st.hedge_layer[f.contract.id] = f.tier
    st.next_cid = int(saved["next_cid"])
    for p in saved["condors"]:
        c = _condor_of(p, st.condors_acct)
        st.condors[c.cid] = c
    for p in saved["pending"]:
        h = None if p["hedge"] is None else _order_of(p["hedge"])
        st.pending.append(Pending(str(p["kind"]), int(p["cid"]), h, str(p["reason"])))
    st.hedge_marks = {cid: _mark_of(m) for cid, m in saved["hedge_marks"].items()}
    st.hedge_events = [
        HedgeEvent(FillOutcome(o), int(layer), str(cid), fval(q))
        for o, layer, cid, q in saved["hedge_events"]
    ]
    st.last_entry = {str(k): int(v) for k, v in saved["last_entry"].items()}
    st.prev_pnl = {str(k): fval(v) for k, v in saved["prev_pnl"].items()}
    st.prev_rate_pct = fval(saved["prev_rate_pct"])
    for cid, q, tier, group in saved["kept_legs"]:
        leg = parse_contract_id(cid)
        assert isinstance(leg, SpxOption), cid
        st.kept_legs.append((leg, fval(q), str(tier), str(group)))
    st.ruin = {
        b: Ruin(pd.Timestamp(d), fval(eq), fval(cash)) for b, (d, eq, cash) in saved["ruin"].items()
    }
    restore_rule_memory(engine.hedge, saved["hedge"])
    return st
