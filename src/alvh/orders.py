"""Price the engine's orders at the close they were decided at: ``model_price`` and ``limit_price``.

Orchestration layer (beside ``runs`` and ``backtest``). The engine records every order it
decided (``BacktestResult.orders``); this adds, per order, what a trader would put on the
ticket, computed with the engine's own pricing functions on the same snapshot the decision
used (``data.snapshot(D + decision_time)``), so nothing after D's close is read:

- a condor (entry or exit): ``model_price`` is the net of its four legs' model mids on the
  day's surface (``leg_quotes``), in SPX index points per condor, written positive: the credit
  an entry sells it for, the debit an exit buys it back for. ``limit_price`` is the same net at
  the prices the cost model fills at (``open_prices`` / ``close_prices``: each leg's mid moved
  by the slippage against the trader, rounded to the tick as ``[execution] condor_fill`` says);
  for an exit, only the legs that would trade (a near-worthless leg kept to expiry is left out).
- a hedge contract: ``model_price`` is the hedge pricer's mark (VX: the day's settlement; VIX
  options: the model on the VX forward; the ETF: alvh's modelled VXX-like index, not the listed
  ETF's price) and ``limit_price`` is ``hedge_fill_price`` of that mark (the half-spread against
  the trader, rounded to the product's tick; the modelled ETF is not rounded).

Orders fill at the next fill time on that session's prices, so the fill can differ from the
limit; ``trades.csv`` holds the fills.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from alvh._typing import Float64Array
from alvh.book.contracts import parse_contract_id
from alvh.engine.condor_ops import close_prices, leg_quotes, open_prices
from alvh.engine.costs import hedge_fill_price
from alvh.engine.hedge_pricing import HedgePricer
from alvh.engine.loop import scale_iv
from alvh.engine.settings import EngineSettings
from alvh.errors import NoDataError
from alvh.market.data import MarketData
from alvh.market.snapshot import MarketSnapshot
from alvh.market.surface import SpxVolSurface
from alvh.strategy.condor import LEG_SIGN
from alvh.strategy.rules import JournalEntry

PRICE_COLUMNS = ("model_price", "limit_price")


def condor_settlements(
    journal: Iterable[tuple[pd.Timestamp, Sequence[JournalEntry]]],
) -> dict[tuple[str, str], bool]:
    """Return ``{(root, expiry): am_settled}`` of every condor entry the journal records.

    The order's contract label (``ROOT expiry lp/sp/sc/lc``) does not say how the expiry
    settles (the SPXW Weeklys of 2005-2010 settled AM); the entry rule's journal inputs do.
    """
    out: dict[tuple[str, str], bool] = {}
    for _, entries in journal:
        for e in entries:
            if e.outcome == "fired" and e.rule.endswith(".entry") and "settlement" in e.inputs:
                key = (str(e.inputs["root"]), str(e.inputs["expiry"]))
                out[key] = e.inputs["settlement"] == "AM"
    return out


def _condor_prices(
    surf: SpxVolSurface,
    s: EngineSettings,
    label: str,
    side: str,
    am_of: dict[tuple[str, str], bool],
) -> tuple[float, float]:
    root, expiry, strikes_text = label.split(" ")
    strikes = np.array([float(k) for k in strikes_text.split("/")])
    am = am_of.get((root, expiry), root == "SPX")
    ordinal = pd.Timestamp(expiry).toordinal()
    mids, slip = leg_quotes(surf, s.execution, strikes, ordinal, am)
    if side == "open":
        px, _ = open_prices(s.execution.costs, mids, slip)
        # Sold: the credit, positive.
        return float(-np.dot(LEG_SIGN, mids)), float(-np.dot(LEG_SIGN, px))
    px, traded = close_prices(s.execution.costs, mids, slip)
    # Bought back: the debit, positive (legs kept to expiry do not trade).
    buy_back = -LEG_SIGN
    return float(np.dot(buy_back, mids)), float(np.dot(buy_back[traded], px[traded]))


def _hedge_prices(
    hedge: HedgePricer, snap: MarketSnapshot, day: pd.Timestamp, cid: str, qty: float
) -> tuple[float, float]:
    try:
        m = hedge.mark(snap, cid)
    except (KeyError, NoDataError):
        return float("nan"), float("nan")  # the engine cannot fill it either (journaled)
    product = parse_contract_id(cid).product
    return float(m.mid), float(hedge_fill_price(product, m, qty, day.date()))


def price_order_rows(
    rows: Sequence[Sequence[object]],
    journal: Iterable[tuple[pd.Timestamp, Sequence[JournalEntry]]],
    settings: EngineSettings,
    data: MarketData,
    hedge: HedgePricer,
    settlements: dict[tuple[str, str], bool] | None = None,
) -> tuple[Float64Array, Float64Array]:
    """Return ``(model_price, limit_price)`` of orders given as ``ORDER_COLUMNS`` tuples.

    What ``price_orders`` adds to a frame, without the frame: a live book's step prices a
    session's few orders, where building, copying and filling a DataFrame cost more than the
    pricing (same loop, so the same prices).

    Parameters
    ----------
    rows
        The engine's order rows (``RunState.orders``: date, book, kind, tier or layer, layer,
        contract, side, qty, rule, reason).
    journal, settings, data, hedge, settlements
        As for ``price_orders``.

    Returns
    -------
    tuple of numpy.ndarray
        ``model_price`` and ``limit_price``, one per row (NaN where a hedge has no mark).
    """
    dates = [r[0] for r in rows]
    kinds = [r[2] for r in rows]
    contracts = [r[5] for r in rows]
    sides = [r[6] for r in rows]
    qtys = np.array([r[7] for r in rows], dtype=float)
    return _price_columns(
        dates, kinds, contracts, sides, qtys, journal, settings, data, hedge, settlements
    )


def _price_columns(
    dates: Sequence[object],
    kinds: Sequence[object],
    contracts: Sequence[object],
    sides: Sequence[object],
    qtys: Float64Array,
    journal: Iterable[tuple[pd.Timestamp, Sequence[JournalEntry]]],
    settings: EngineSettings,
    data: MarketData,
    hedge: HedgePricer,
    settlements: dict[tuple[str, str], bool] | None,
) -> tuple[Float64Array, Float64Array]:
    """Price each order on the snapshot of its decision day (one surface per day)."""
    n = len(dates)
    model = np.full(n, np.nan)
    limit = np.full(n, np.nan)
    if not n:
        return model, limit
    am_of = {**(settlements or {}), **condor_settlements(journal)}
    dt = settings.execution.decision_time
    offset = pd.Timedelta(hours=dt.hour, minutes=dt.minute)
    cur: object = None
    day = pd.Timestamp(dates[0])
    snap = data.snapshot(day + offset)
    surf: SpxVolSurface | None = None
    for i in range(n):
        if dates[i] != cur:  # one snapshot (and surface) per decision day
            cur, day = dates[i], pd.Timestamp(dates[i])
            snap, surf = (snap, None) if i == 0 else (data.snapshot(day + offset), None)
        cid, side = str(contracts[i]), str(sides[i])
        if kinds[i] == "hedge":
            signed = qtys[i] if side == "buy" else -qtys[i]
            model[i], limit[i] = _hedge_prices(hedge, snap, day, cid, signed)
            continue
        if surf is None:
            surf = SpxVolSurface.from_snapshot(snap)
            if settings.iv_scale != 1.0:
                surf = scale_iv(surf, settings.iv_scale)
        model[i], limit[i] = _condor_prices(surf, settings, cid, side, am_of)
    return model, limit


def price_orders(
    orders: pd.DataFrame,
    journal: Iterable[tuple[pd.Timestamp, Sequence[JournalEntry]]],
    settings: EngineSettings,
    data: MarketData,
    hedge: HedgePricer,
    settlements: dict[tuple[str, str], bool] | None = None,
) -> pd.DataFrame:
    """Return ``orders`` with ``model_price`` and ``limit_price`` (see the module docstring).

    Parameters
    ----------
    orders
        ``BacktestResult.orders`` (``ORDER_COLUMNS``).
    journal
        The run's journal (for each condor expiry's settlement style).
    settings
        The run's engine settings (decision time, cost model, ``iv_scale``).
    data
        The market the run used.
    hedge
        The run's hedge pricer (``Engine.pricer``: a contract id carries its terms).
    settlements
        ``{(root, expiry): am_settled}`` of condors entered before the journal given (a live
        book's step gives its open condors'); added to ``condor_settlements(journal)``.
    """
    out = orders.copy()
    # Plain columns: a pandas row lookup per order cost a fifth of the pricing.
    dates = pd.to_datetime(out["date"]).to_numpy()
    kinds, contracts = out["kind"].to_numpy(), out["contract"].to_numpy()
    sides, qtys = out["side"].to_numpy(), out["qty"].to_numpy(float)
    model, limit = _price_columns(
        dates, kinds, contracts, sides, qtys, journal, settings, data, hedge, settlements
    )
    out["model_price"] = model
    out["limit_price"] = limit
    return out
