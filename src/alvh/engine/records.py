"""What the loop writes down: the daily row and the final result."""

from __future__ import annotations

import math

import pandas as pd

from alvh.book.greeks import DollarGreeks
from alvh.book.legs import SPX_OPTION
from alvh.engine.condor_ops import CONDOR_COLUMNS, closed_row
from alvh.engine.result import ORDER_COLUMNS, TRADE_COLUMNS, BacktestResult
from alvh.engine.state import BOOKS, HEDGE_LAYERS, OpenCondor, RunState
from alvh.market.data import MarketData
from alvh.market.snapshot import MarketSnapshot
from alvh.market.surface import SpxVolSurface
from alvh.strategy.book_view import HedgeOrder
from alvh.strategy.rules import JournalEntry


def _book_columns(
    st: RunState,
    book: str,
    row: dict[str, float],
    condor_greeks: DollarGreeks,
    condor_margin_usd: float,
    hedge_vega_usd: float,
    hedge_margin_usd: float,
) -> None:
    """Equity, cash, margin, greeks and interest of one book (held once the book is ruined)."""
    ruin = st.ruin.get(book)
    if ruin is not None:
        row.update(
            {
                f"{book}_equity_usd": ruin.equity_usd,
                f"{book}_cash_usd": ruin.cash_usd,
                f"{book}_margin_usd": 0.0,
                f"{book}_delta_usd": 0.0,
                f"{book}_vega_usd_per_vol_pt": 0.0,
                f"{book}_theta_usd_per_day": 0.0,
                f"{book}_interest_usd": 0.0,
            }
        )
        return
    margin, vega = condor_margin_usd, condor_greeks.vega_usd_per_vol_pt
    cash = st.condors_acct.cash_usd
    if book == "hedged":
        margin, vega = margin + hedge_margin_usd, vega + hedge_vega_usd
        cash += st.hedges_acct.cash_usd
    row[f"{book}_equity_usd"] = st.equity_usd(book)
    row[f"{book}_cash_usd"] = cash
    row[f"{book}_margin_usd"] = margin
    row[f"{book}_delta_usd"] = condor_greeks.delta_usd
    row[f"{book}_vega_usd_per_vol_pt"] = vega
    row[f"{book}_theta_usd_per_day"] = condor_greeks.theta_usd_per_day
    row[f"{book}_interest_usd"] = st.interest_today[book]


_NO_GREEKS = DollarGreeks()


def _diff(st: RunState, key: str, now: float) -> float:
    out = now - st.prev_pnl.get(key, 0.0)
    st.prev_pnl[key] = now
    return out


def record_day(
    st: RunState,
    snap: MarketSnapshot,
    surf: SpxVolSurface,
    day: pd.Timestamp,
    tier_names: tuple[str, ...],
) -> None:
    """Append the session's row: both books, P&L attribution, costs, market columns."""
    row: dict[str, float] = {}
    g, g_tier = st.condors_acct.greeks_usd((SPX_OPTION,))
    margin = st.condors_acct.margin_usd()
    # A book that never hedged (NoHedge, or no trigger yet) has no hedge figures to compute.
    hedged_ever = bool(st.hedge_layer)
    hb = st.hedge_book() if hedged_ever else None  # valued once: the decision's view read it
    h_vega, h_margin = (hb.vega_usd_per_vol_pt, hb.margin_usd) if hb is not None else (0.0, 0.0)
    for b in BOOKS:
        _book_columns(st, b, row, g, margin, h_vega, h_margin)
    tier_pnl = st.condors_acct.pnl_by_tier_usd()
    for t in tier_names:
        row[f"pnl_tier_{t}_usd"] = _diff(st, f"tier:{t}", tier_pnl.get(t, 0.0))
        gt = g_tier.get(t, _NO_GREEKS)
        row[f"tier_{t}_delta_usd"] = gt.delta_usd
        row[f"tier_{t}_vega_usd_per_vol_pt"] = gt.vega_usd_per_vol_pt
        row[f"tier_{t}_theta_usd_per_day"] = gt.theta_usd_per_day
    layer_pnl = st.hedges_acct.pnl_by_tier_usd() if hedged_ever else {}
    for layer in HEDGE_LAYERS:
        row[f"pnl_hedge_{layer}_usd"] = _diff(st, f"layer:{layer}", layer_pnl.get(layer, 0.0))
        if hb is not None and layer in hb.value_by_layer_usd:
            n = hb.contracts_by_layer[layer]
            st.layer_rows.append((day, layer, layer, n, hb.value_by_layer_usd[layer]))
    row["costs_usd"] = st.costs_today_usd
    row["hedge_costs_usd"] = st.hedge_costs_today_usd
    row["cash_rate_pct"] = st.cash_rate_today_pct
    row["cash_accrual_days"] = st.cash_days_today
    row["spx"] = surf.spot
    vix = snap.last_bar("VIX")
    row["vix"] = math.nan if vix is None else vix[1]
    row["vx1"], row["vx2"] = (float(v) for v in snap.vx_front_settles(day, 2))
    row["date"] = day
    st.rows.append(row)


def _trades(st: RunState) -> pd.DataFrame:
    """Every fill of both accounts (condor legs belong to both books), in booking order."""
    fills = [("both", f) for f in st.condors_acct.fills]
    fills += [("hedged", f) for f in st.hedges_acct.fills]
    columns = {
        "date": pd.to_datetime([f.date for _, f in fills]),
        "book": [b for b, _ in fills],
        "tier_or_layer": [f.tier for _, f in fills],
        "instrument": [f.contract.product for _, f in fills],
        "contract": [f.contract.id for _, f in fills],
        "side": [f.side for _, f in fills],
        "qty": [abs(f.qty) for _, f in fills],
        "price": [f.price for _, f in fills],
        "fees_usd": [f.fees_usd for _, f in fills],
        "reason": [f.reason for _, f in fills],
    }
    trades = pd.DataFrame({c: columns[c] for c in TRADE_COLUMNS})
    return trades.sort_values("date", kind="mergesort").reset_index(drop=True)


def build_result(
    st: RunState,
    data: MarketData,
    run_id: str,
    config: dict[str, object],
    definitions: dict[str, object],
) -> BacktestResult:
    """Assemble the immutable result of a pass."""
    daily = pd.DataFrame(st.rows).set_index("date")
    open_rows = [closed_row(c, None, "open", math.nan) for c in st.live_condors]
    condors = pd.DataFrame(st.closed + open_rows, columns=list(CONDOR_COLUMNS))
    layers = pd.DataFrame(
        st.layer_rows, columns=["date", "layer", "instrument", "contracts", "market_value_usd"]
    )
    journal: list[tuple[pd.Timestamp, list[JournalEntry]]] = st.journal
    return BacktestResult(
        run_id,
        data.source,
        config,
        definitions,
        daily,
        _trades(st),
        condors.sort_values(["open_date", "condor_id"], kind="mergesort").reset_index(drop=True),
        layers,
        journal,
        pd.DataFrame(st.orders, columns=list(ORDER_COLUMNS)),
    )


def condor_order_row(
    day: pd.Timestamp, c: OpenCondor, side: str, reason: str
) -> tuple[object, ...]:
    """The ``ORDER_COLUMNS`` row of a condor entry (``side`` open) or exit (close) decided on
    ``day``; the condor is named ``ROOT expiry lp/sp/sc/lc``, the rule is the entry's or the
    exit rule that fired."""
    lp, sp, sc, lc = (f"{k:g}" for k in c.strikes)
    label = f"{c.root} {c.expiry.date()} {lp}/{sp}/{sc}/{lc}"
    kind, rule = (
        ("condor_entry", f"tier.{c.tier}.entry")
        if side == "open"
        else ("condor_exit", reason.split(":")[0])
    )
    return (day, "both", kind, c.tier, 0, label, side, c.qty, rule, reason)


def hedge_order_row(day: pd.Timestamp, o: HedgeOrder) -> tuple[object, ...]:
    """The ``ORDER_COLUMNS`` row of a hedge order decided on ``day`` (the rule: its reason's
    head, e.g. ``add_layer layer 2`` or ``VXTH``)."""
    side = "buy" if o.qty > 0 else "sell"
    rule = o.reason.split(":")[0]
    return (
        day,
        "hedged",
        "hedge",
        o.book_layer,
        o.layer,
        o.contract_id,
        side,
        abs(o.qty),
        rule,
        o.reason,
    )
