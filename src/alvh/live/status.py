"""A book on a day: marks, dollar greeks per tier and for the book, margin, P&L, cash.

The book is rebuilt from its log (the fold of every fill dated on or before the day) into the
book layer's ``Account``, then marked on the day's market snapshot (16:15 ET, the engine's
decision time, so the status of day D uses exactly what the backtest would see at D's close):

- SPX/SPXW options: the mid of the day's quote when a real chain is imported for D
  (``alvh.market.surface_quotes.quotes_for``), else the surface (``surface_for``: the quoted
  smile where a chain exists, the model elsewhere). Greeks always come from the surface.
- VX/VXM futures: the day's settlement of that contract (``VxCurve.settle``).
- VIX options: the VIX option model on the VX forward of the expiry (``vix_option_greeks``).
- ETF shares: not marked. alvh's ETF is a modelled index (a VXX-like series rebased to 100),
  not the listed ETF's price, so the lot stays at its average price and says so.
- A contract expired on or before D and still open (settlement not yet booked) is marked at
  its intrinsic value against the day's close (SPX) or VIX close, flagged.

Every mark names its source, so a user sees which numbers are quotes, which are models.
Interest on cash is not accrued here: a real account's interest is the broker's statement.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from datetime import date, time
from pathlib import Path

import numpy as np
import pandas as pd

from alvh.book.account import Account
from alvh.book.contracts import Contract, EtfShare, SpxOption, VixFuture, VixOption
from alvh.book.greeks import DollarGreeks
from alvh.book.legs import SPX_OPTION, VIX_OPTION, VX_FUTURE
from alvh.book.positions import fold
from alvh.config.run import RunConfig
from alvh.errors import NoDataError
from alvh.live.fold import BookFold
from alvh.market.data import MarketData
from alvh.market.snapshot import MarketSnapshot

DECISION_TIME = time(16, 15)  # the engine's default decision time (alvh.engine.settings)
# The engine's hedge layer tags (alvh.engine.state.HEDGE_LAYERS; a test keeps them equal).
HEDGE_LAYERS = ("vx_futures", "vix_calls", "vix_etf")


@dataclass(frozen=True, slots=True)
class Mark:
    """Price and per-unit greeks of one contract on the day, and where the price came from."""

    price: float
    source: str  # "quote", "surface", "model", "settle", "intrinsic (expired)", "no mark ..."
    underlying: float = math.nan
    delta: float = 0.0
    gamma: float = 0.0
    vega_per_vol_pt: float = 0.0
    theta_per_day: float = 0.0


@dataclass(frozen=True, slots=True)
class LotLine:
    """One open lot in the status table."""

    contract_id: str
    tier: str
    group: str
    qty: float
    avg_price: float
    mark: float
    mark_source: str
    market_value_usd: float
    unrealized_pnl_usd: float


@dataclass(frozen=True, slots=True)
class BookStatus:
    """Everything ``alvh book status`` shows (also its ``--json``)."""

    book: str
    day: date
    data: str
    lots: tuple[LotLine, ...]
    foreign: tuple[tuple[str, int, str], ...]
    cash_usd: float
    market_value_usd: float
    equity_usd: float
    margin_usd: float
    fees_usd: float
    capital_usd: float
    pnl_by_tier_usd: dict[str, float]
    condor_tiers: tuple[str, ...]
    hedge_layers: tuple[str, ...]
    spx_greeks: DollarGreeks
    spx_greeks_by_tier: dict[str, DollarGreeks]
    vix_greeks: DollarGreeks
    vix_greeks_by_tier: dict[str, DollarGreeks]
    n_fills: int


def _intrinsic(c: SpxOption | VixOption, level: float) -> float:
    return max(0.0, level - c.strike) if c.is_call else max(0.0, c.strike - level)


def _spx_marks(snap: MarketSnapshot, day: pd.Timestamp, opts: list[SpxOption]) -> dict[str, Mark]:
    from alvh.market.surface_quotes import QuoteSurface, quotes_for, surface_for

    surf = surface_for(snap)
    spot = surf.spot
    quoted = isinstance(surf, QuoteSurface)
    chains = snap.known("option_chains") if quoted else None
    out: dict[str, Mark] = {}
    for c in opts:
        t = surf.t_years(pd.Timestamp(c.expiry), am_settled=c.root == "SPX")
        if t <= 0.0:
            out[c.id] = Mark(_intrinsic(c, spot), "intrinsic (expired)", spot)
            continue
        g = surf.greeks(np.array([t]), np.array([c.strike]), np.array([c.is_call]))
        price, source = float(g.price[0]), "surface (quotes)" if quoted else "model"
        if chains is not None:
            q = quotes_for(chains, day, pd.Timestamp(c.expiry), [c.strike], c.is_call)
            mid = float(q["mid"].iloc[0])
            if math.isfinite(mid):
                price, source = mid, "quote"
        out[c.id] = Mark(
            price,
            source,
            spot,
            float(g.delta[0]),
            float(g.gamma[0]),
            float(g.vega_per_vol_pt[0]),
            float(g.theta_per_day[0]),
        )
    return out


def _vix_marks(snap: MarketSnapshot, contracts: list[VixFuture | VixOption]) -> dict[str, Mark]:
    from alvh.market.vixoptions import vix_option_greeks
    from alvh.market.vxcurve import VxCurve

    out: dict[str, Mark] = {}
    try:
        curve = VxCurve.from_snapshot(snap)
    except NoDataError as exc:
        return {c.id: Mark(math.nan, f"no mark ({exc})") for c in contracts}
    vix = snap.close("VIX") if snap.has("VIX") else math.nan
    day = snap.last_date("SPX").date()
    for c in contracts:
        try:
            if isinstance(c, VixFuture):
                if c.expiry < day:
                    out[c.id] = Mark(vix, "intrinsic (expired)", vix, 1.0)
                    continue
                pt = curve.settle(c.code, pd.Timestamp(c.expiry))
                src = "settle" + (" (interpolated)" if pt.interpolated else "")
                out[c.id] = Mark(float(pt.value), src, float(pt.value), 1.0)
            else:
                if c.expiry <= day:
                    out[c.id] = Mark(_intrinsic(c, vix), "intrinsic (expired)", vix)
                    continue
                with warnings.catch_warnings():
                    # numpy 2.4 warns when numba reads a broadcast view inside the VIX option
                    # model (alvh.market.vixoptions); harmless here, reported upstream.
                    warnings.simplefilter("ignore", FutureWarning)
                    g = vix_option_greeks(
                        snap, pd.Timestamp(c.expiry), np.array([c.strike]), np.array([c.is_call])
                    )
                fwd = float(curve.at_expiry(pd.Timestamp(c.expiry)).value)
                out[c.id] = Mark(
                    float(g.price[0]),
                    "model",
                    fwd,
                    float(g.delta[0]),
                    float(g.gamma[0]),
                    float(g.vega_per_vol_pt[0]),
                    float(g.theta_per_day[0]),
                )
        except NoDataError as exc:
            out[c.id] = Mark(math.nan, f"no mark ({exc})")
    return out


def mark_contracts(snap: MarketSnapshot, contracts: list[Contract]) -> dict[str, Mark]:
    """Return each contract's mark and per-unit greeks on the snapshot's day (see module doc)."""
    day = snap.last_date("SPX").normalize()
    spx = [c for c in contracts if isinstance(c, SpxOption)]
    vix = [c for c in contracts if isinstance(c, VixFuture | VixOption)]
    out = _spx_marks(snap, day, spx) if spx else {}
    out.update(_vix_marks(snap, vix) if vix else {})
    for c in contracts:
        if isinstance(c, EtfShare):
            out[c.id] = Mark(
                math.nan, "no mark (alvh models a VXX-like index, not the listed ETF's price)"
            )
    return out


def book_status(
    name: str,
    capital_usd: float,
    book_fold: BookFold,
    cfg: RunConfig,
    data: MarketData,
    day: date,
) -> BookStatus:
    """Return the status of a book on ``day`` from its fold and the market data.

    Parameters
    ----------
    name, capital_usd
        The book's name and its capital (cash before the first fill).
    book_fold
        The fold of the book's log (fills dated after ``day`` are left out).
    cfg
        The book's config (futures margins, condor tier names).
    data
        The market data; ``day`` must be one of its sessions.

    Raises
    ------
    alvh.errors.NoDataError
        If the data holds no SPX session on ``day``.
    """
    sessions = data.sessions("SPX")
    ts = pd.Timestamp(day)
    if ts not in sessions:
        last = sessions[-1].date() if len(sessions) else None
        raise NoDataError(
            f"{day} is not a session of the market data ({data.source.description}; last "
            f"session {last}); pass --date with a session on or before it"
        )
    snap = data.snapshot(pd.Timestamp.combine(day, DECISION_TIME))
    margins = cfg.execution.futures_initial_margin_usd
    acct = Account(
        capital_usd,
        {"vx_future": margins.vx_future, "vxm_future": margins.vxm_future},
    )
    fills = [f for f in book_fold.fills if f.date <= day]
    acct.apply_fills(fills)
    legs = acct.open_legs()
    ids = acct.open_contract_ids()
    contracts = {cid: acct.contract(int(s)) for cid, s in zip(ids, legs.slot.tolist(), strict=True)}
    marks = mark_contracts(snap, list(contracts.values()))
    lots_now = {k: p for k, p in fold(fills).items() if not p.is_flat}
    for cid, m in list(marks.items()):
        if not math.isfinite(m.price):
            # Unmarked: held at the quantity-weighted average price of its lots (no P&L shown).
            held = [p for k, p in lots_now.items() if k[0] == cid]
            qty = sum(p.qty for p in held)
            avg = sum(p.qty * p.avg_price for p in held) / qty if qty else 0.0
            marks[cid] = Mark(avg, m.source, m.underlying)
    for slot, cid in zip(legs.slot.tolist(), ids, strict=True):
        m = marks[cid]
        acct.set_marks(np.array([slot]), np.array([m.price]))
        acct.set_greeks(
            np.array([slot]),
            m.underlying if math.isfinite(m.underlying) else 0.0,
            np.array([m.delta]),
            np.array([m.gamma]),
            np.array([m.vega_per_vol_pt]),
            np.array([m.theta_per_day]),
        )
    lots: list[LotLine] = []
    for key, pos in sorted(lots_now.items(), key=lambda kp: (kp[0][1], kp[0][2], kp[0][0])):
        m = marks[key[0]]
        mark = m.price
        is_future = isinstance(pos.contract, VixFuture)
        # Futures are worth their P&L since entry (variation-margin convention of Account).
        mv = pos.qty * pos.contract.multiplier * ((mark - pos.avg_price) if is_future else mark)
        lots.append(
            LotLine(
                contract_id=key[0],
                tier=key[1],
                group=key[2],
                qty=pos.qty,
                avg_price=pos.avg_price,
                mark=mark,
                mark_source=m.source,
                market_value_usd=mv,
                unrealized_pnl_usd=pos.unrealized_pnl_usd(mark),
            )
        )
    spx_total, spx_by = acct.greeks_usd((SPX_OPTION,))
    vix_total, vix_by = acct.greeks_usd((VIX_OPTION, VX_FUTURE))
    return BookStatus(
        book=name,
        day=day,
        data=data.source.description,
        lots=tuple(lots),
        foreign=tuple((f.symbol, f.qty, f.why) for f in book_fold.foreign.values()),
        cash_usd=acct.cash_usd,
        market_value_usd=acct.market_value_usd,
        equity_usd=acct.equity_usd,
        margin_usd=acct.margin_usd(),
        fees_usd=acct.fees_usd,
        capital_usd=capital_usd,
        pnl_by_tier_usd=acct.pnl_by_tier_usd(),
        condor_tiers=tuple(t.name for t in cfg.tiers),
        hedge_layers=HEDGE_LAYERS,
        spx_greeks=spx_total,
        spx_greeks_by_tier={t: g for t, g in spx_by.items() if g != DollarGreeks()},
        vix_greeks=vix_total,
        vix_greeks_by_tier={t: g for t, g in vix_by.items() if g != DollarGreeks()},
        n_fills=len(fills),
    )


_HISTORY_DAYS = 400  # > 260 sessions + the longest holiday gaps


def status_market(store: Path | None, day: date | None = None) -> tuple[MarketData, date]:
    """Return the market data a status of ``day`` reads, and the day.

    The store's data in a window before the day (its bars, the latest known rate and SKEW,
    and for the hedge's close rules the last 260 VIX closes, about 380 calendar days: far
    quicker to read than the whole history), or the synthetic market when the store is empty.
    ``day`` None: the store's last session with an SPX and a VIX close (the synthetic market's
    last session).
    """
    from datetime import timedelta

    from alvh.live.context import market_facts
    from alvh.market.load import load_market

    facts = market_facts(store)
    when = day or facts.last_priced_session or facts.last_session
    if facts.data_id is None:
        data = load_market(store, source="synthetic")
        if day is None:
            sessions = data.sessions("SPX")
            when = sessions[sessions <= str(when)][-1].date()
        return data, when
    data = load_market(store, source="store", start=when - timedelta(days=_HISTORY_DAYS), end=when)
    if day is None:
        sessions = data.sessions("SPX")
        when = sessions[sessions <= str(when)][-1].date()
    return data, when
