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

When the user imported an SPX option chain for the decision day (``alvh data import`` of a
chain file), a condor order whose four legs all have a usable quote that day (a bid above zero,
not crossed) is priced on the quotes instead: ``quote_mid`` is the net of the legs' quoted mids
and ``limit_price`` moves each leg's quoted mid by ``slippage_frac`` of that leg's *quoted*
half-spread (the cost model's fraction, the market's spread), rounded as above;
``price_source`` says ``chain``. The decision itself (which condor, which strikes) stays the
model's, so the backtest and the signal decide alike with or without a chain. Otherwise
``price_source`` is ``model`` (VX and VXM orders: ``settlement``) and ``quote_mid`` is blank.

Orders fill at the next fill time on that session's prices, so the fill can differ from the
limit; ``trades.csv`` holds the fills.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from alvh._typing import Float64Array
from alvh.book.contracts import parse_contract_id
from alvh.book.costs import CostModel
from alvh.engine.condor_ops import close_prices, leg_quotes, open_prices
from alvh.engine.costs import hedge_fill_price
from alvh.engine.hedge_pricing import HedgePricer
from alvh.engine.loop import scale_iv
from alvh.engine.settings import EngineSettings
from alvh.errors import NoDataError
from alvh.market.data import MarketData
from alvh.market.snapshot import MarketSnapshot
from alvh.market.surface import SpxVolSurface
from alvh.strategy.condor import LEG_IS_CALL, LEG_SIGN
from alvh.strategy.rules import JournalEntry

PRICE_COLUMNS = ("model_price", "quote_mid", "limit_price", "price_source")
_SETTLED = frozenset({"vx_future", "vxm_future"})  # their model price is the day's settlement


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


def _net(side: str, mids: np.ndarray, px: np.ndarray, traded: np.ndarray) -> tuple[float, float]:
    """Return (mid net, fill net) of a condor order, written positive."""
    if side == "open":  # sold: the credit
        return float(-np.dot(LEG_SIGN, mids)), float(-np.dot(LEG_SIGN, px))
    buy_back = -LEG_SIGN  # bought back: the debit (legs kept to expiry do not trade)
    return float(np.dot(buy_back, mids)), float(np.dot(buy_back[traded], px[traded]))


def _fill_net(
    costs: CostModel, side: str, mids: np.ndarray, slip: np.ndarray
) -> tuple[float, float]:
    if side == "open":
        px, _ = open_prices(costs, mids, slip)
        return _net(side, mids, px, np.ones(4, dtype=bool))
    px, traded = close_prices(costs, mids, slip)
    return _net(side, mids, px, traded)


def quoted_legs(
    chains: pd.DataFrame, day: pd.Timestamp, expiry: pd.Timestamp, strikes: np.ndarray
) -> tuple[np.ndarray, np.ndarray] | None:
    """Return a condor's four legs' quoted mids and half-spreads on ``day``, or None.

    Legs in ``LEG_IS_CALL`` order (long put, short put, short call, long call). None when any
    leg has no usable quote that day (not quoted, a zero bid or a crossed quote): a condor is
    one order, so it is priced on the quotes only when all four legs are.
    """
    from alvh.market.surface_quotes import quotes_for

    mids = np.full(4, np.nan)
    half = np.full(4, np.nan)
    for is_call in (False, True):
        legs = np.flatnonzero(LEG_IS_CALL if is_call else ~LEG_IS_CALL)
        q = quotes_for(chains, day, expiry, strikes[legs], is_call)
        mids[legs] = q["mid"].to_numpy(np.float64)
        half[legs] = (q["ask"].to_numpy(np.float64) - q["bid"].to_numpy(np.float64)) / 2.0
    if not np.isfinite(mids).all():
        return None
    return mids, half


def _condor_prices(
    surf: SpxVolSurface,
    s: EngineSettings,
    label: str,
    side: str,
    am_of: dict[tuple[str, str], bool],
    day: pd.Timestamp,
    chains: pd.DataFrame | None,
) -> tuple[float, float, float, str]:
    """Return (model mid net, quoted mid net, limit, price source) of a condor order."""
    root, expiry, strikes_text = label.split(" ")
    strikes = np.array([float(k) for k in strikes_text.split("/")])
    am = am_of.get((root, expiry), root == "SPX")
    ordinal = pd.Timestamp(expiry).toordinal()
    mids, slip = leg_quotes(surf, s.execution, strikes, ordinal, am)
    model, limit = _fill_net(s.execution.costs, side, mids, slip)
    quoted = None if chains is None else quoted_legs(chains, day, pd.Timestamp(expiry), strikes)
    if quoted is None:
        return model, float("nan"), limit, "model"
    q_mids, q_half = quoted
    q_slip = s.execution.costs.slippage_frac * q_half
    quote_mid, q_limit = _fill_net(s.execution.costs, side, q_mids, q_slip)
    return model, quote_mid, q_limit, "chain"


def _hedge_prices(
    hedge: HedgePricer, snap: MarketSnapshot, day: pd.Timestamp, cid: str, qty: float
) -> tuple[float, float, str]:
    product = parse_contract_id(cid).product
    source = "settlement" if product in _SETTLED else "model"
    try:
        m = hedge.mark(snap, cid)
    except (KeyError, NoDataError):
        return float("nan"), float("nan"), source  # the engine cannot fill it either (journaled)
    return float(m.mid), float(hedge_fill_price(product, m, qty, day.date())), source


PriceColumns = tuple[Float64Array, Float64Array, Float64Array, list[str]]
"""``PRICE_COLUMNS`` as columns: model_price, quote_mid, limit_price, price_source."""


def price_order_rows(
    rows: Sequence[Sequence[object]],
    journal: Iterable[tuple[pd.Timestamp, Sequence[JournalEntry]]],
    settings: EngineSettings,
    data: MarketData,
    hedge: HedgePricer,
    settlements: dict[tuple[str, str], bool] | None = None,
) -> PriceColumns:
    """Return the ``PRICE_COLUMNS`` of orders given as ``ORDER_COLUMNS`` tuples.

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
    tuple
        ``model_price``, ``quote_mid`` and ``limit_price`` (numpy arrays, NaN where a hedge has
        no mark or a condor no quotes) and ``price_source`` (a list of str), one per row.
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
) -> PriceColumns:
    """Price each order on the snapshot of its decision day (one surface per day)."""
    n = len(dates)
    model = np.full(n, np.nan)
    quote = np.full(n, np.nan)
    limit = np.full(n, np.nan)
    source = ["model"] * n
    if not n:
        return model, quote, limit, source
    am_of = {**(settlements or {}), **condor_settlements(journal)}
    dt = settings.execution.decision_time
    offset = pd.Timedelta(hours=dt.hour, minutes=dt.minute)
    # The days the imported chains quote, read once per market (a live book prices every
    # session's orders on the same data; a chain table can hold millions of rows).
    quote_days = data.shared.get(
        "chain_quote_days", None, lambda: frozenset(data.tables["option_chains"]["quote_date"])
    )
    cur: object = None
    day = pd.Timestamp(dates[0])
    snap = data.snapshot(day + offset)
    surf: SpxVolSurface | None = None
    chains: pd.DataFrame | None = None
    for i in range(n):
        if dates[i] != cur:  # one snapshot (and surface) per decision day
            cur, day = dates[i], pd.Timestamp(dates[i])
            snap, surf = (snap, None) if i == 0 else (data.snapshot(day + offset), None)
            # Only what is known at the decision time (a chain's known_at is its own).
            chains = snap.known("option_chains") if day in quote_days else None
        cid, side = str(contracts[i]), str(sides[i])
        if kinds[i] == "hedge":
            signed = qtys[i] if side == "buy" else -qtys[i]
            model[i], limit[i], source[i] = _hedge_prices(hedge, snap, day, cid, signed)
            continue
        if surf is None:
            surf = SpxVolSurface.from_snapshot(snap)
            if settings.iv_scale != 1.0:
                surf = scale_iv(surf, settings.iv_scale)
        model[i], quote[i], limit[i], source[i] = _condor_prices(
            surf, settings, cid, side, am_of, day, chains
        )
    return model, quote, limit, source


def price_orders(
    orders: pd.DataFrame,
    journal: Iterable[tuple[pd.Timestamp, Sequence[JournalEntry]]],
    settings: EngineSettings,
    data: MarketData,
    hedge: HedgePricer,
    settlements: dict[tuple[str, str], bool] | None = None,
) -> pd.DataFrame:
    """Return ``orders`` with ``PRICE_COLUMNS`` (see the module docstring).

    Parameters
    ----------
    orders
        ``BacktestResult.orders`` (``ORDER_COLUMNS``).
    journal
        The run's journal (for each condor expiry's settlement style).
    settings
        The run's engine settings (decision time, cost model, ``iv_scale``).
    data
        The market the run used (its ``option_chains``, if any, price the condors of their
        quote days).
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
    model, quote, limit, source = _price_columns(
        dates, kinds, contracts, sides, qtys, journal, settings, data, hedge, settlements
    )
    out["model_price"] = model
    out["quote_mid"] = quote
    out["limit_price"] = limit
    out["price_source"] = np.array(source, dtype=object)
    return out
