"""Condor legs in the account: marking, fills (open and close) and expiry settlement.

All four legs of every open condor are priced in one vectorised surface call per session; the
marks go into the condor account (which values the book) and per-condor sums (value, delta,
vega, theta, short-strike vols) come back to the condors by ``np.bincount`` over lot groups.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from alvh.book.account import Account
from alvh.book.costs import SPX_OPTION_TICKS, CostModel, complex_fill_prices, fill_price
from alvh.book.legs import SETTLE_SPX_AM, SPX_OPTION
from alvh.book.positions import Fill
from alvh.engine.settings import ExecutionRules
from alvh.engine.state import SPX_MULT, OpenCondor, RunState
from alvh.kernel.grouping import position_sums_by_group
from alvh.market.snapshot import MarketSnapshot
from alvh.market.surface import SpxVolSurface
from alvh.strategy.condor import LEG_IS_CALL, LEG_SIGN
from alvh.strategy.rules import JournalEntry

# Where an SPX settlement value came from (journal input ``settlement_kind``). Only "soq" is the
# official value; the others are proxies, flagged in the journal and counted in summary.json.
SETTLE_SOQ = "soq"  # the official special opening quotation (final_settlements)
SETTLE_OPEN = "spx_open"  # the day's real SPX open stands in for the SOQ
SETTLE_PREV_CLOSE_NO_OPEN = "prev_close_no_open"  # no open in the data
SETTLE_PREV_CLOSE_COPIED_OPEN = "prev_close_copied_open"  # the open is a copy of the last close
SETTLE_PM_CLOSE = "pm_close"  # PM-settled: the close is the official value
SETTLE_NEXT_SESSION = "next_session"  # the expiry day has no session in the data
SPX_PROXY_KINDS = (
    SETTLE_OPEN,
    SETTLE_PREV_CLOSE_NO_OPEN,
    SETTLE_PREV_CLOSE_COPIED_OPEN,
    SETTLE_NEXT_SESSION,
)
# An open within half a cent of the previous close is taken as a copy of it, not a print.
_COPY_TOL = 0.005


def settlement_price(snap: MarketSnapshot, day: pd.Timestamp, am: bool) -> tuple[float, str, str]:
    """Return the SPX settlement value for expiries on ``day``, its kind and a description.

    AM-settled (standard monthly) options settle at the special opening quotation (SOQ). When the
    data has no official value the day's open stands in for it. When the data has no real open
    (none at all, as for 2024 on, or an open that only copies the previous close, as in parts of
    2006-07 and 2011-13) the previous session's close does: on SPX's real opens of 1995-2023 its
    median gap to the open is 0.10%, against 0.46% for the same day's close. Every proxy says
    so in its kind and description.

    Returns
    -------
    tuple
        ``(value, kind, description)``; ``kind`` is one of the ``SETTLE_*`` names.
    """
    if not am:
        return snap.close("SPX"), SETTLE_PM_CLOSE, "SPX close (PM-settled)"
    fs = snap.known("final_settlements")
    # The last known SPX_AM row for ``day``, found on numpy arrays: pandas' masked frame
    # selection cost ~0.8 ms a call, most of a settlement's time (same row, same value).
    hit = np.flatnonzero(
        (fs["product"].to_numpy() == "SPX_AM")
        & (fs["expiry"].to_numpy("datetime64[ns]") == day.to_datetime64())
    )
    if len(hit):
        value = float(fs["value"].to_numpy()[hit[-1]])
        return value, SETTLE_SOQ, "SPX special opening quotation"
    closes = snap.history("SPX", 2, field="close")
    prev = (
        float(closes.iloc[-2])
        if len(closes) == 2 and closes.index[-1] == day and math.isfinite(closes.iloc[-2])
        else math.nan
    )
    opens = snap.history("SPX", 1, field="open")
    has_open = len(opens) and opens.index[-1] == day and math.isfinite(opens.iloc[-1])
    if has_open:
        op = float(opens.iloc[-1])
        if not (math.isfinite(prev) and abs(op - prev) < _COPY_TOL):
            return op, SETTLE_OPEN, "PROXY: SPX open (no official SOQ in the data)"
        kind, why = SETTLE_PREV_CLOSE_COPIED_OPEN, "the open in the data copies it"
    else:
        kind, why = SETTLE_PREV_CLOSE_NO_OPEN, "no SPX open in the data"
    if math.isfinite(prev):
        return prev, kind, f"PROXY: previous SPX close, no SOQ and {why}"
    return snap.close("SPX"), kind, f"PROXY: SPX close, no SOQ, {why} and no previous close"


def mark_condors(st: RunState, surf: SpxVolSurface) -> None:
    """Mark every open condor leg with one pricing call; refresh per-condor sums.

    The sums are kept in ``st.condor_marks`` too, with their group codes and the condors they
    were taken for, so a reader of every condor's sums (the hedge's view) takes the arrays.
    """
    acct = st.condors_acct
    legs = acct.open_legs((SPX_OPTION,))
    if legs.slot.shape[0] == 0:
        st.condor_marks = None
        return
    am = legs.settle_code == SETTLE_SPX_AM
    g, iv = surf.greeks_iv_of_ordinals(legs.expiry_ordinal, am, legs.strike, legs.is_call)
    acct.set_marks(legs.slot, g.price)
    acct.set_greeks(legs.slot, surf.spot, g.delta, g.gamma, g.vega_per_vol_pt, g.theta_per_day)
    # Per condor: value, delta, vega, theta, short put vol, short call vol (one compiled pass).
    codes, sums = position_sums_by_group(
        legs.qty,
        g.price,
        g.delta,
        g.vega_per_vol_pt,
        g.theta_per_day,
        iv,
        legs.is_call,
        legs.group_code,
    )
    row = {k: r for r, k in enumerate(codes.tolist())}
    value, delta, vega, theta, iv_sp, iv_sc = sums.tolist()
    live: list[OpenCondor] = []
    for c in st.condors.values():
        if c.open_date is None:
            continue
        r, qty = row[c.group_code], c.qty
        c.value, c.delta = value[r] / qty, delta[r] / qty
        c.vega, c.theta = vega[r] / qty, theta[r] / qty
        c.iv_short_put, c.iv_short_call = iv_sp[r], iv_sc[r]
        live.append(c)
    st.condor_marks = (live, codes, sums)


def leg_quotes(
    surf: SpxVolSurface,
    execution: ExecutionRules,
    strikes: np.ndarray,
    expiry_ordinal: int,
    am_settled: bool,
) -> tuple[np.ndarray, np.ndarray]:
    """Return a condor's legs' model mids and the slippage each fill pays (index points).

    The slippage is ``slippage_frac`` of the fitted half-spread at the leg's mid, time to expiry
    and the day's 30-day ATM vol (its stress widening); fills round it to the tick
    (``open_prices``, ``close_prices``).
    """
    g, _ = surf.greeks_iv_of_ordinals(expiry_ordinal, am_settled, strikes, LEG_IS_CALL)
    mids = g.price
    t_years = surf.t_years_of_ordinals(expiry_ordinal, am_settled)
    atm_vol_30d = surf.atm_vol_one(30.0 / 365.0)
    return mids, execution.costs.spx_slippage(mids, t_years, atm_vol_30d)


def _prices(
    costs: CostModel, mids: np.ndarray, side: np.ndarray, slip: np.ndarray, traded: np.ndarray
) -> np.ndarray:
    """Leg prices of a condor order: one complex order (``net``) or leg by leg (``legs``)."""
    if costs.condor_fill == "net":
        return complex_fill_prices(mids, side, slip, traded)
    return fill_price(mids, side, slip, SPX_OPTION_TICKS)


def open_prices(costs: CostModel, mids: np.ndarray, slip: np.ndarray) -> tuple[np.ndarray, bool]:
    """Return the fill prices of opening a condor and whether both shorts have a bid.

    Longs are bought, shorts sold, the cost rounded against the trader (``costs.condor_fill``);
    a short whose own sale would fill below one tick has no bid, so the condor is not opened.
    """
    alone = fill_price(mids, LEG_SIGN, slip, SPX_OPTION_TICKS)
    shorts_bid = bool(np.all(alone[LEG_SIGN < 0] >= SPX_OPTION_TICKS.small_tick - 1e-9))
    return _prices(costs, mids, LEG_SIGN, slip, np.ones(4, dtype=bool)), shorts_bid


def close_prices(
    costs: CostModel, mids: np.ndarray, slip: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Return the fill prices of closing a condor's legs and which legs trade.

    Shorts are bought back (at least one tick), longs sold. Near-worthless legs follow
    ``costs.sub_tick``: a long whose own sale would fill below one tick is kept to expiry
    (``long == "expire"``) or sold at that price, 0 included (``"bid"``); a short whose model
    value is below one tick is bought back (at least one tick, ``short == "tick"``) or kept to
    expire (``"expire"``). The legs that trade are priced together (``costs.condor_fill``).
    """
    side = -LEG_SIGN
    alone = fill_price(mids, side, slip, SPX_OPTION_TICKS)
    tick = SPX_OPTION_TICKS.small_tick - 1e-9
    keep = np.zeros(4, dtype=bool)
    if costs.sub_tick.long == "expire":
        keep |= (side < 0) & (alone < tick)
    if costs.sub_tick.short == "expire":
        keep |= (side > 0) & (mids < tick)
    traded = ~keep
    # With "bid", a wing nobody bids a tick for goes alone at its own bid (0 included).
    alone_sale = (side < 0) & (alone < tick) & traded
    px = _prices(costs, mids, side, slip, traded & ~alone_sale)
    px = np.where(alone_sale, alone, px)
    return px, traded


def fill_condor(
    acct: Account,
    c: OpenCondor,
    day: pd.Timestamp,
    prices: np.ndarray,
    direction: int,
    fee_per_contract_usd: float,
    reason: str,
    traded: np.ndarray | None = None,
) -> float:
    """Book the leg fills of opening (``direction`` +1) or closing (-1) a condor.

    Each leg trades at its fill price (``open_prices`` / ``close_prices``); legs not in
    ``traded`` (default: all) are not touched. Returns the fees paid (USD).
    """
    fees_leg = fee_per_contract_usd * c.qty
    when, group = day.date(), c.group
    n = 0
    for j, contract in enumerate(c.legs):
        if traded is not None and not traded[j]:
            continue
        qty = float(LEG_SIGN[j]) * direction * c.qty
        acct.apply_fill(
            Fill(when, contract, qty, float(prices[j]), fees_leg, reason, c.tier, group)
        )
        n += 1
    c.group_code = acct.group_code(group)
    return n * fees_leg


def close_condor(
    st: RunState,
    surf: SpxVolSurface,
    execution: ExecutionRules,
    c: OpenCondor,
    day: pd.Timestamp,
    reason: str,
    rule: str,
    entries: list[JournalEntry] | None = None,
) -> None:
    """Buy a condor back at its legs' fill prices, book the costs and its row, and drop it.

    Near-worthless legs kept to expiry (``close_prices``) stay in the account, are listed in
    ``st.kept_legs`` (and the journal, when ``entries`` is given) and count 0 in the condor's
    P&L row; their expiry value reaches equity when ``settle_kept_legs`` settles them.
    """
    mids, slip = leg_quotes(surf, execution, c.strikes, c.expiry_ordinal, c.am_settled)
    px, traded = close_prices(execution.costs, mids, slip)
    side = -LEG_SIGN
    cost = float(np.dot(side[traded], px[traded]))  # paid to close, per condor
    fee = execution.spx_fee_per_contract_usd
    fees = fill_condor(st.condors_acct, c, day, px, -1, fee, reason, traded)
    c.fees_usd += fees
    st.costs_today_usd += float(np.abs(px - mids)[traded].sum()) * SPX_MULT * c.qty + fees
    pnl = (c.credit - cost) * SPX_MULT * c.qty - c.fees_usd
    st.closed.append(closed_row(c, day, rule, pnl))
    for j in np.flatnonzero(~traded):
        leg, qty = c.legs[j], float(LEG_SIGN[j]) * c.qty
        st.kept_legs.append((leg, qty, c.tier, c.group))
        if entries is not None:
            entries.append(
                JournalEntry(
                    f"tier.{c.tier}.fill",
                    {
                        "condor": c.cid,
                        "contract": leg.id,
                        "qty": qty,
                        "mid": float(mids[j]),
                        "fill": float(px[j]),
                    },
                    "kept",
                    "none",
                    f"{leg.id} x{qty:+g} kept to expiry: mid {mids[j]:.3f}, would fill at "
                    f"{px[j]:.2f}, below one tick",
                )
            )
    del st.condors[c.cid]


def settle_kept_legs(st: RunState, snap: MarketSnapshot, day: pd.Timestamp) -> list[JournalEntry]:
    """Settle legs kept from closed condors whose expiry is on or before ``day``."""
    if not st.kept_legs:
        return []
    entries: list[JournalEntry] = []
    # Leg expiries are dates: compared with the session's date (a pandas Timestamp built per
    # kept leg per session cost ~10 us each; same answer, as expiries carry no time of day).
    today = day.date()
    due = [k for k in st.kept_legs if k[0].expiry <= today]
    if not due:
        return []
    st.kept_legs = [k for k in st.kept_legs if k[0].expiry > today]
    # Legs due together share the day's settlement: look it up once per settlement style.
    prices: dict[bool, tuple[float, str, str]] = {}
    for leg, qty, tier, group in due:
        am = leg.settlement == "AM"
        if am not in prices:
            prices[am] = settlement_price(snap, day, am)
        price, kind, source = prices[am]
        value = max(price - leg.strike, 0.0) if leg.is_call else max(leg.strike - price, 0.0)
        reason = f"kept leg settled at expiry ({source})"
        st.condors_acct.apply_fill(Fill(day.date(), leg, -qty, value, 0.0, reason, tier, group))
        entries.append(
            JournalEntry(
                f"tier.{tier}.settle",
                {
                    "contract": leg.id,
                    "expiry": str(pd.Timestamp(leg.expiry).date()),
                    "qty": qty,
                    "settlement": price,
                    "settlement_kind": kind,
                    "settlement_proxy": kind in SPX_PROXY_KINDS,
                    "value": value,
                },
                "settled",
                "expire",
                f"kept leg {leg.id} x{qty:+g} settled at {price:.2f} ({source}): {value:.2f} each",
            )
        )
    return entries


def settle_condor(
    st: RunState, snap: MarketSnapshot, day: pd.Timestamp, c: OpenCondor
) -> tuple[float, float, JournalEntry]:
    """Close a condor's legs at intrinsic value; return (settlement, payoff per condor, entry)."""
    price, kind, source = settlement_price(snap, day, c.am_settled)
    if c.expiry.normalize() != day.normalize():
        kind = SETTLE_NEXT_SESSION
        what = source.removeprefix("PROXY: ")
        source = f"PROXY: {c.expiry.date()} has no session in the data; {what} of {day.date()}"
    intrinsic = np.maximum(np.where(LEG_IS_CALL, price - c.strikes, c.strikes - price), 0.0)
    for j, contract in enumerate(c.legs):
        st.condors_acct.apply_fill(
            Fill(
                day.date(),
                contract,
                -LEG_SIGN[j] * c.qty,
                float(intrinsic[j]),
                0.0,
                f"expiry settlement ({source})",
                c.tier,
                c.group,
            )
        )
    payoff = float(np.dot(LEG_SIGN, intrinsic))
    entry = JournalEntry(
        f"tier.{c.tier}.settle",
        {
            "condor": c.cid,
            "expiry": str(c.expiry.date()),
            "settlement": price,
            "settlement_kind": kind,
            "settlement_proxy": kind in SPX_PROXY_KINDS,
            "payoff_per_condor": payoff,
        },
        "settled",
        "expire",
        f"condor {c.cid} settled at {price:.2f} ({source}); payoff {payoff:+.2f} per condor",
    )
    return price, payoff, entry


def closed_row(
    c: OpenCondor, day: pd.Timestamp | None, rule: str, pnl_usd: float
) -> dict[str, object]:
    """One row of ``condors.csv``."""
    return {
        "condor_id": c.cid,
        "tier": c.tier,
        "open_date": c.open_date,
        "close_date": day,
        "expiry": c.expiry,
        "root": c.root,
        "settlement": "AM" if c.am_settled else "PM",
        "long_put": c.strikes[0],
        "short_put": c.strikes[1],
        "short_call": c.strikes[2],
        "long_call": c.strikes[3],
        "contracts": c.qty,
        "credit_usd": c.credit * SPX_MULT * c.qty,
        "max_loss_usd": c.max_loss_usd,
        "pnl_usd": pnl_usd,
        "exit_rule": rule,
    }


CONDOR_COLUMNS = (
    *("condor_id", "tier", "open_date", "close_date", "expiry", "root", "settlement"),
    *("long_put", "short_put", "short_call", "long_call", "contracts"),
    *("credit_usd", "max_loss_usd", "pnl_usd", "exit_rule"),
)
