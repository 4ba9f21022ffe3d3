"""Prices of the hedge instruments as the engine marks and fills them, from one snapshot.

Conventions (docs/hedge.md, "In the engine"):

Half-spreads below are the ``HedgeCosts()`` defaults; a run's ``ExecutionConfig`` spread models
replace them (``alvh.engine.alvh_hedge.hedge_costs_from_execution``).

- VX / VXM futures: mid = the snapshot's latest known VX settlement of that contract (never spot
  VIX); a fill pays ``vx_fill_ticks`` ticks over it (default one tick, 0.05: SPEC costs, futures
  at settlement plus a tick of slippage; ``None`` falls back to the VX spread model x
  ``slippage_frac``); multiplier 1000 / 100; sensitivity ``vx_beta(dte) x
  multiplier`` USD per VIX point. On and after its expiry day: the VX final settlement (SOQ)
  from ``final_settlements``, else the VIX open of that day, else the VIX close (the source is
  returned by :meth:`HedgePricer.settlement`).
- VIX options: Black-76 on the VX future of the same expiry with the VVIX vol model of
  ``alvh.market.vixoptions`` and the IRX rate; half-spread ``max(0.05, 5% of mid)`` but never
  above the mid (a bid is never negative), so calls are bought at a modelled ask; sensitivity
  ``delta x vx_beta(dte) x 100`` USD per VIX point; at expiry the intrinsic value on the VX
  final settlement.
- VIX-futures ETF: the VXX-like series of ``alvh.market.vixetf`` rebuilt once from the whole VX
  table (point-in-time: each value uses settlements up to its own date), read at the latest VX
  settlement date the snapshot knows. The modelled ETF never reverse-splits (the real VXX did,
  many times), so its price drifts far from the $10-100 range of a real share; the one-cent
  half-spread and the per-share commission are therefore charged as the fraction of value they
  are at a reference price (default 25 USD a share).
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

import numpy as np
import pandas as pd

from alvh.book.contracts import Contract, EtfShare, VixFuture, VixOption
from alvh.calendar.expiries import parse_vx_contract
from alvh.engine.hedge_hook import HedgeMark
from alvh.errors import NoDataError, PricingError
from alvh.market.data import MarketData
from alvh.market.snapshot import MarketSnapshot
from alvh.market.vixetf import compute_vix_st_index, etf_prices, tbill_series
from alvh.market.vixoptions import VixOptionModel, strike_for_delta
from alvh.strategy.hedge.instruments import (
    InstrumentQuote,
    etf_quote,
    vix_call_strike,
    vx_beta,
    vx_carry_per_month,
    vx_quote,
)

LAYER_OF_PRODUCT = {
    "vx_future": "vx_futures",
    "vxm_future": "vx_futures",
    "vix_option": "vix_calls",
    "etf": "vix_etf",
}
VIX_STRIKE_GRID = 1.0
VX_TICK = 0.05  # CFE minimum increment of VX and VXM, VIX points
_DAY_NS = 86_400_000_000_000
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


@dataclass(frozen=True)
class Spread:
    """Modelled full bid-ask width ``max(min_tick, a + b x price)``, times ``far_otm_multiplier``
    when ``|delta| < far_otm_delta`` (the shape of ``alvh.config.execution.SpreadConfig``)."""

    min_tick: float
    a: float
    b: float
    far_otm_delta: float = 0.0
    far_otm_multiplier: float = 1.0

    def width(self, price: float, delta: float = 1.0) -> float:
        """Return the full bid-ask width at ``price`` (same units as the price)."""
        w = max(self.min_tick, self.a + self.b * price)
        return w * self.far_otm_multiplier if abs(delta) < self.far_otm_delta else w


@dataclass(frozen=True)
class HedgeCosts:
    """Execution costs and margins of the hedge instruments (USD unless named otherwise).

    The defaults charge a VX or VXM fill one tick (0.05) off the settle (``vx_fill_ticks``,
    whatever the execution config's VX spread model says unless it is None), a VIX option ``max(0.05, 5% of mid)`` off its model mid and an ETF share one
    cent at the reference price; fees and margins are the ``ExecutionConfig`` defaults.
    ``hedge_costs_from_execution`` maps a run's execution config instead.

    Attributes
    ----------
    vx_fee_usd, vxm_fee_usd, vix_option_fee_usd
        Commission plus exchange fee per VX / VXM / VIX option contract.
    etf_fee_per_share_usd
        Commission plus fees per ETF share at the reference price.
    vx_initial_margin_usd, vxm_initial_margin_usd
        Initial margin per VX / VXM contract (long or short).
    vx_spread, vxm_spread, vix_option_spread, etf_spread
        Full bid-ask width models (VIX points; USD per share at the reference price for the ETF).
    slippage_frac
        Fraction of the half-spread a fill pays over the mid.
    etf_reference_price_usd
        Share price at which the ETF's spread and per-share fee are quoted (see module notes).
    vx_fill_ticks
        Ticks (0.05) a VX / VXM fill pays over the settle; None uses ``vx_spread`` /
        ``vxm_spread`` x ``slippage_frac`` instead.
    """

    vx_fee_usd: float = 2.50
    vxm_fee_usd: float = 1.05
    vix_option_fee_usd: float = 1.10
    etf_fee_per_share_usd: float = 0.005
    vx_initial_margin_usd: float = 10_000.0
    vxm_initial_margin_usd: float = 1_000.0
    vx_spread: Spread = Spread(0.10, 0.10, 0.0)
    vxm_spread: Spread = Spread(0.10, 0.10, 0.0)
    vix_option_spread: Spread = Spread(0.10, 0.0, 0.10)
    etf_spread: Spread = Spread(0.02, 0.02, 0.0)
    slippage_frac: float = 1.0
    etf_reference_price_usd: float = 25.0
    vx_fill_ticks: float | None = 1.0

    def half_spread(self, spread: Spread, price: float, delta: float = 1.0) -> float:
        """Return what a fill pays over (or gets under) the mid, per unit of price."""
        return self.slippage_frac * spread.width(price, delta) / 2.0

    def vx_half_spread(self, price: float, mini: bool = False) -> float:
        """Return what a VX (or VXM) fill pays over the settle, VIX points."""
        if self.vx_fill_ticks is not None:
            return self.vx_fill_ticks * VX_TICK
        return self.half_spread(self.vxm_spread if mini else self.vx_spread, price)


def vix_option_half_spread(mid: float, costs: HedgeCosts, delta: float = 1.0) -> float:
    """Return the charged half-spread of a VIX option, never above the mid (a bid is >= 0)."""
    return max(0.0, min(costs.half_spread(costs.vix_option_spread, mid, delta), mid))


@dataclass(frozen=True)
class _Market:
    """What one snapshot says about the hedge instruments (built once per snapshot)."""

    today: pd.Timestamp
    curve_date: pd.Timestamp | None
    vx_by_code: dict[str, tuple[pd.Timestamp, float]]
    vx_by_expiry: dict[pd.Timestamp, float]
    vx_fronts: tuple[float, ...]  # VX1, VX2: the first two monthly contracts after the curve date
    vvix: float | None
    rate: float
    vix: float | None
    vix3m: float | None
    etf: tuple[float, float, pd.Timestamp, pd.Timestamp] | None = None  # price, w, exp1, exp2
    marks: dict[str, HedgeMark] = field(default_factory=dict)
    # VIX option greeks by (expiry ns, strike, is_call): a held option is marked and quoted.
    option_greeks: dict[tuple[int, float, bool], tuple[float, ...]] = field(default_factory=dict)


def _opt_close(snap: MarketSnapshot, symbol: str) -> float | None:
    """Return the latest known close of ``symbol``, None when unknown or not finite."""
    try:
        last = snap.closes(symbol, 1)  # one search, where has() + close() take three
    except NoDataError:
        return None
    if not len(last):
        return None
    v = float(last[0])
    return v if math.isfinite(v) else None


class HedgePricer:
    """Marks, quotes and settlements of hedge contracts; remembers the contracts it created.

    Parameters
    ----------
    costs
        Execution costs and margins.
    """

    def __init__(self, costs: HedgeCosts | None = None) -> None:
        self.costs = costs or HedgeCosts()
        self._contracts: dict[str, Contract] = {}
        # Ids of the contracts quotes name each day, by what defines them (built once per run).
        self._option_ids: dict[tuple[int, float], str] = {}
        self._future_ids: dict[tuple[str, int], tuple[str, str] | None] = {}
        self._models: dict[float, VixOptionModel] = {}
        self._cache: tuple[MarketSnapshot, int, _Market] | None = None
        self._stamps: dict[int, pd.Timestamp] = {}  # expiry ns -> Timestamp (they repeat daily)
        self._etf: dict[str, list] | None = None  # columns as lists: one row read a day
        self.etf_note = "ETF series not prepared"

    # -- set-up ---------------------------------------------------------------------------
    def reset(self) -> None:
        """Forget contracts, caches and the ETF series (a new run)."""
        self._contracts.clear()
        self._option_ids.clear()
        self._future_ids.clear()
        self._models.clear()
        self._cache = None
        self._stamps.clear()
        self._etf = None
        self.etf_note = "ETF series not prepared"

    def prepare_etf(self, data: MarketData) -> None:
        """Rebuild the VXX-like ETF price series from the whole VX table (point-in-time)."""
        vx = data.tables["vx_settlements"]
        try:
            tb = tbill_series(data.tables["rates"], "IRX")
        except NoDataError:
            tb = None
        try:
            idx = compute_vix_st_index(vx, tbill_pct=tb)
            price = etf_prices(idx)
        except NoDataError as e:
            self._etf = None
            self.etf_note = f"no VIX-futures ETF: {e}"
            return
        self._etf = {
            "dates_ns": pd.DatetimeIndex(idx["date"]).asi8.tolist(),
            "price": price.to_numpy(np.float64).tolist(),
            "w": idx["weight_front"].to_numpy(np.float64).tolist(),
            "exp1": pd.DatetimeIndex(idx["front_expiry"]).asi8.tolist(),
            "exp2": pd.DatetimeIndex(idx["second_expiry"]).asi8.tolist(),
        }
        self.etf_note = (
            f"ETF rebuilt from the S&P VIX short-term futures rule, {len(price)} days "
            f"{idx['date'].iloc[0].date()}..{idx['date'].iloc[-1].date()}"
            + (" (total return on IRX)" if tb is not None else " (excess return: no IRX)")
        )

    def register(self, contract: Contract) -> str:
        """Remember ``contract`` so that ``mark`` can price its id; return the id."""
        self._contracts[contract.id] = contract
        return contract.id

    def _call_id(self, expiry: pd.Timestamp, strike: float) -> str:
        """Register the VIX call of ``expiry`` and ``strike`` (once) and return its id."""
        key = (int(expiry.value), strike)
        cid = self._option_ids.get(key)
        if cid is None:
            cid = self._option_ids[key] = self.register(VixOption(expiry.date(), strike, "C"))
        return cid

    def _model(self, vvix: float) -> VixOptionModel:
        """Return the VIX option vol model of a VVIX level (one object per level)."""
        model = self._models.get(vvix)
        if model is None:
            model = self._models[vvix] = VixOptionModel(vvix)
        return model

    def contract(self, contract_id: str) -> Contract:
        """Return the contract of an id created by this pricer (``KeyError`` otherwise)."""
        return self._contracts[contract_id]

    def find(self, contract_id: str) -> Contract | None:
        """Return the contract of an id, or None when this pricer did not create it."""
        return self._contracts.get(contract_id)

    # -- the market of one snapshot -------------------------------------------------------
    def market(self, snap: MarketSnapshot) -> _Market:
        """Return the hedge market of ``snap`` (cached for the last snapshot time seen)."""
        c = self._cache
        # The same snapshot object is asked many times a session (marks, fills, the decision).
        if c is not None and c[0] is snap:
            return c[2]
        key = int(snap.as_of.value)
        if c is not None and c[1] == key:
            return c[2]
        today = self._stamp(key - key % _DAY_NS)
        stamps = self._stamps
        by_code: dict[str, tuple[pd.Timestamp, float]] = {}
        by_exp: dict[pd.Timestamp, float] = {}
        fronts: list[float] = []
        curve_date: pd.Timestamp | None = None
        try:
            day_ns, codes, exps, pxs = snap.vx_curve_arrays()
        except NoDataError:
            codes = None
        if codes is not None and len(codes):
            curve_ns = day_ns - day_ns % _DAY_NS
            curve_date = self._stamp(curve_ns)
            for code, e_ns, px in zip(codes.tolist(), exps.tolist(), pxs.tolist(), strict=True):
                if math.isfinite(px) and px > 0:
                    exp = stamps.get(e_ns)
                    if exp is None:
                        exp = stamps[e_ns] = pd.Timestamp(e_ns)
                    by_code[str(code)] = (exp, px)
                    by_exp.setdefault(exp, px)
                    if e_ns > curve_ns and len(fronts) < 2 and _is_monthly(str(code)):
                        fronts.append(px)  # rows are sorted by expiry
        try:
            rate = snap.rate_pct("IRX") / 100.0
        except NoDataError:
            rate = 0.0
        m = _Market(
            today,
            curve_date,
            by_code,
            by_exp,
            tuple(fronts),
            _opt_close(snap, "VVIX"),
            rate,
            _opt_close(snap, "VIX"),
            _opt_close(snap, "VIX3M"),
            self._etf_at(curve_date),
        )
        self._cache = (snap, key, m)
        return m

    def _stamp(self, ns: int) -> pd.Timestamp:
        """Return ``Timestamp(ns)``, one object per value (expiries and dates repeat daily)."""
        t = self._stamps.get(ns)
        if t is None:
            t = self._stamps[ns] = pd.Timestamp(ns)
        return t

    def _etf_at(
        self, day: pd.Timestamp | None
    ) -> tuple[float, float, pd.Timestamp, pd.Timestamp] | None:
        if self._etf is None or day is None:
            return None
        e = self._etf
        i = bisect.bisect_right(e["dates_ns"], day.value) - 1
        if i < 0:
            return None
        return (e["price"][i], e["w"][i], self._stamp(e["exp1"][i]), self._stamp(e["exp2"][i]))

    # -- settlement -----------------------------------------------------------------------
    def settlement(self, snap: MarketSnapshot, expiry: pd.Timestamp) -> tuple[float, str]:
        """Return the VIX settlement value (SOQ) for VX/VIX-option expiries on ``expiry``.

        The VX final settlement value of ``final_settlements`` when known, else the VIX open of
        that day, else its close; the second item says which.

        Raises
        ------
        NoDataError
            If none of the three is known.
        """
        fs = snap.known("final_settlements")
        hit = fs[(fs["product"] == "VX") & (fs["expiry"] == expiry)]
        if len(hit):
            return float(hit["value"].iloc[-1]), "VX final settlement (SOQ)"
        for fld, what in (("open", "VIX open"), ("close", "VIX close")):
            h = snap.history("VIX", 5, field=fld)
            if len(h) and expiry in h.index and math.isfinite(float(h.loc[expiry])):
                return float(h.loc[expiry]), f"{what} of {expiry.date()} (no SOQ in the data)"
        raise NoDataError(f"no VIX settlement value for {expiry.date()} known at {snap.as_of}")

    # -- marks ----------------------------------------------------------------------------
    def mark(self, snap: MarketSnapshot, contract_id: str) -> HedgeMark:
        """Return the mark of a hedge contract from what ``snap`` knows.

        Raises
        ------
        KeyError
            If the id was not created by this pricer.
        NoDataError
            If the snapshot lacks the data to price it (e.g. the VX contract is not on the
            latest known curve, or no VVIX is known for an option).
        """
        c = self._contracts[contract_id]
        m = self.market(snap)
        hit = m.marks.get(contract_id)
        if hit is None:
            hit = m.marks[contract_id] = self._mark(snap, m, c)
        return hit

    def _mark(self, snap: MarketSnapshot, m: _Market, c: Contract) -> HedgeMark:
        k = self.costs
        if isinstance(c, VixFuture):
            exp = self._expiry(c)
            fee = k.vxm_fee_usd if c.mini else k.vx_fee_usd
            margin = k.vxm_initial_margin_usd if c.mini else k.vx_initial_margin_usd
            if m.today >= exp:
                value, _ = self.settlement(snap, exp)
                return HedgeMark(
                    value, k.vx_half_spread(value, c.mini), c.multiplier, exp, value, 0.0, fee,
                    True, margin, "vx_futures",
                )  # fmt: skip
            hit = m.vx_by_code.get(c.code)
            if hit is None or hit[0] != exp:
                raise NoDataError(
                    f"{c.id}: not on the VX curve known at {snap.as_of} "
                    f"(curve of {m.curve_date.date() if m.curve_date is not None else 'none'})"
                )
            dte = (exp.value - (m.curve_date or m.today).value) // _DAY_NS  # Timedelta.days
            return HedgeMark(
                hit[1], k.vx_half_spread(hit[1], c.mini), c.multiplier, exp, None,
                vx_beta(dte) * c.multiplier, fee, True, margin, "vx_futures",
            )  # fmt: skip
        if isinstance(c, VixOption):
            exp = self._expiry(c)
            if m.today >= exp:
                s, _ = self.settlement(snap, exp)
                intrinsic = max(s - c.strike, 0.0) if c.is_call else max(c.strike - s, 0.0)
                return HedgeMark(
                    intrinsic, 0.0, c.multiplier, exp, intrinsic, 0.0, k.vix_option_fee_usd,
                    False, 0.0, "vix_calls",
                )  # fmt: skip
            price, delta, dte = self.vix_option(m, exp, c.strike, c.is_call, snap)
            return HedgeMark(
                price, vix_option_half_spread(price, k, delta), c.multiplier, exp, None,
                delta * vx_beta(dte) * c.multiplier, k.vix_option_fee_usd, False, 0.0,
                "vix_calls", {"delta": delta},
            )  # fmt: skip
        if isinstance(c, EtfShare):
            q = self.etf_quote(m, c.symbol)
            if q is None:
                raise NoDataError(f"{c.id}: no ETF price known at {snap.as_of} ({self.etf_note})")
            ref = k.etf_reference_price_usd
            scale = q.price / ref
            return HedgeMark(
                q.price, k.half_spread(k.etf_spread, ref) * scale, 1.0, None, None, q.vix_beta,
                k.etf_fee_per_share_usd * scale, False, 0.0, "vix_etf",
            )  # fmt: skip
        raise KeyError(c.id)

    def _expiry(self, c: VixFuture | VixOption) -> pd.Timestamp:
        """Return a contract's expiry as a Timestamp (one object per date)."""
        return self._stamp((c.expiry.toordinal() - _EPOCH_ORDINAL) * _DAY_NS)

    def vix_option(
        self,
        m: _Market,
        expiry: pd.Timestamp,
        strike: float,
        is_call: bool = True,
        snap: MarketSnapshot | None = None,
    ) -> tuple[float, float, int]:
        """Return (price, Black-76 delta, calendar days) of a VIX option on its VX future."""
        fwd = m.vx_by_expiry.get(expiry)
        if fwd is None or m.curve_date is None:
            raise NoDataError(f"no VX future settles on {expiry.date()} on the known curve")
        if m.vvix is None:
            raise NoDataError(f"no VVIX known at {snap.as_of if snap else m.today}")
        days = (expiry.value - m.curve_date.value) // _DAY_NS  # (expiry - curve date).days
        key = (int(expiry.value), strike, is_call)
        g = m.option_greeks.get(key)
        if g is None:
            g = m.option_greeks[key] = self._model(m.vvix).greeks_one(
                fwd, strike, days, is_call, m.rate
            )
        return g[0], g[1], days

    # -- quotes for the strategy ----------------------------------------------------------
    def vx_quotes(self, m: _Market, max_n: int = 6) -> list[InstrumentQuote]:
        """Return quotes of the first ``max_n`` VX futures live after today (with their minis)."""
        out: list[InstrumentQuote] = []
        if m.vix is None or m.curve_date is None:
            return out
        live = sorted((e, code, px) for code, (e, px) in m.vx_by_code.items() if e > m.today)
        k = self.costs
        today = m.curve_date.date()
        for exp, code, px in live[:max_n]:
            ids = self._future_pair(code, exp)
            if ids is None:
                continue  # a non-monthly code (weekly); the hedge trades monthlies
            q = vx_quote(
                ids[0], px, m.vix, exp.date(), today, ids[1],
                k.vx_initial_margin_usd, k.vxm_initial_margin_usd,
            )  # fmt: skip
            out.append(q)
        return out

    def _future_pair(self, code: str, expiry: pd.Timestamp) -> tuple[str, str] | None:
        """Register the VX future and its mini of ``code`` (once); None for a non-monthly code."""
        key = (code, int(expiry.value))
        if key not in self._future_ids:
            try:
                fut = VixFuture(code, expiry.date())
            except ValueError:
                self._future_ids[key] = None
            else:
                mini = self.register(VixFuture(code, expiry.date(), mini=True))
                self._future_ids[key] = (self.register(fut), mini)
        return self._future_ids[key]

    def call_quotes(
        self,
        m: _Market,
        otm_pct: float | None,
        delta: float | None,
        spread_width_pct: float | None = None,
        max_n: int = 6,
    ) -> list[InstrumentQuote]:
        """Return one VIX call (or call spread) quote per live expiry, strike by OTM % or delta.

        A spread's symbol is ``"<long id>|<short id>"``; :meth:`spread_legs` splits it.
        """
        out: list[InstrumentQuote] = []
        if m.vvix is None or m.curve_date is None:
            return out
        model = self._model(m.vvix)
        live = sorted((e, px) for e, px in m.vx_by_expiry.items() if e > m.today)
        for exp, fwd in live[:max_n]:
            days = (exp - m.curve_date).days
            try:
                if delta is not None:
                    k = strike_for_delta(fwd, days, delta, model, True, m.rate, VIX_STRIKE_GRID)
                else:
                    k = vix_call_strike(fwd, days / 365.0, 0.0, otm_pct=otm_pct)
            except PricingError:
                continue
            k = max(VIX_STRIKE_GRID, k)
            legs = [k] if spread_width_pct is None else [k, _grid(k * (1 + spread_width_pct))]
            # Long the first leg, short the second: price = long - short (as -1.0 x short).
            g = model.greeks_one(fwd, legs[0], days, True, m.rate)
            price, dlt, theta = g[0], g[1], g[4]
            if len(legs) == 2:
                s = model.greeks_one(fwd, legs[1], days, True, m.rate)
                price, dlt, theta = price + -1.0 * s[0], dlt + -1.0 * s[1], theta + -1.0 * s[4]
            out.append(
                InstrumentQuote(
                    "|".join(self._call_id(exp, kk) for kk in legs),
                    "vix_call" if len(legs) == 1 else "vix_call_spread",
                    price,
                    100.0,
                    dlt * vx_beta(days),
                    theta * 365.0 / 12.0,
                    exp.date(),
                )
            )
        return out

    def etf_quote(self, m: _Market, symbol: str) -> InstrumentQuote | None:
        """Return the ETF quote (price, beta per share, carry) at the snapshot's curve date."""
        if m.etf is None or m.vix is None or m.curve_date is None:
            return None
        price, w, e1, e2 = m.etf
        f1, f2 = m.vx_by_expiry.get(e1), m.vx_by_expiry.get(e2)
        if f1 is None or f2 is None:
            return None
        self.register(EtfShare(symbol))
        d0 = m.curve_date
        return etf_quote(symbol, price, w, f1, f2, m.vix, (e1 - d0).days, (e2 - d0).days)

    def quote_of(self, m: _Market, contract_id: str) -> InstrumentQuote | None:
        """Return a sizing quote of one held contract (for its carry), or None."""
        c = self._contracts.get(contract_id)
        if c is None or m.curve_date is None or m.vix is None:
            return None
        if isinstance(c, VixFuture):
            hit = m.vx_by_code.get(c.code)
            if hit is None or hit[0] <= m.today:
                return None
            q = vx_quote(c.id, hit[1], m.vix, hit[0].date(), m.curve_date.date())
            return q if not c.mini else _scaled(q, 0.1)
        if isinstance(c, VixOption):
            exp = pd.Timestamp(c.expiry)
            if exp <= m.today or m.vvix is None or exp not in m.vx_by_expiry:
                return None
            days = (exp - m.curve_date).days
            key = (int(exp.value), c.strike, c.is_call)
            g = m.option_greeks.get(key)
            if g is None:
                model = self._model(m.vvix)
                g = model.greeks_one(m.vx_by_expiry[exp], c.strike, days, c.is_call, m.rate)
                m.option_greeks[key] = g
            return InstrumentQuote(
                c.id, "vix_call", g[0], 100.0, g[1] * vx_beta(days), g[4] * 365.0 / 12.0, c.expiry,
            )  # fmt: skip
        if isinstance(c, EtfShare):
            return self.etf_quote(m, c.symbol)
        return None

    def carry_of(self, m: _Market, contract_id: str) -> tuple[float, float] | None:
        """Return (multiplier, carry per month) of ``quote_of``'s quote, without building it.

        The daily carry estimate of held contracts reads only these two numbers; same
        arithmetic as ``quote_of`` (tested), so the same floats.
        """
        c = self._contracts.get(contract_id)
        if c is None or m.curve_date is None or m.vix is None:
            return None
        if isinstance(c, VixFuture):
            hit = m.vx_by_code.get(c.code)
            if hit is None or hit[0] <= m.today:
                return None
            dte = (hit[0].value - m.curve_date.value) // _DAY_NS  # between midnights
            carry = vx_carry_per_month(hit[1], m.vix, dte)
            return (1000.0 * 0.1 if c.mini else 1000.0), carry
        q = self.quote_of(m, contract_id)
        return None if q is None else (q.multiplier, q.carry_per_month)

    def spread_legs(self, symbol: str) -> list[tuple[str, float]]:
        """Return ``[(contract id, +1 long / -1 short), ...]`` of a quote symbol."""
        ids = symbol.split("|")
        return [(cid, 1.0 if i == 0 else -1.0) for i, cid in enumerate(ids)]


@lru_cache(maxsize=4096)
def _is_monthly(code: str) -> bool:
    try:
        parse_vx_contract(code)
    except ValueError:
        return False
    return True


def _grid(k: float) -> float:
    return max(VIX_STRIKE_GRID, round(k / VIX_STRIKE_GRID) * VIX_STRIKE_GRID)


def _scaled(q: InstrumentQuote, f: float) -> InstrumentQuote:
    return InstrumentQuote(
        q.symbol, q.kind, q.price, q.multiplier * f, q.vix_beta, q.carry_per_month, q.expiry
    )


def expiry_date(contract: Contract) -> date | None:
    """Return a hedge contract's expiry (None for ETF shares)."""
    return None if isinstance(contract, EtfShare) else contract.expiry
