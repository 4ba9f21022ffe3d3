"""Prices of the hedge instruments as the engine marks and fills them, from one snapshot.

Conventions (docs/hedge.md, "In the engine"):

Half-spreads below are the ``ExecutionConfig()`` defaults of the run's one cost model
(``alvh.engine.costs``; docs/costs.md); fills round them to the tick against the trader.

- VX / VXM futures: mid = the snapshot's latest known VX settlement of that contract (never spot
  VIX); a fill pays ``vx_fill_ticks`` ticks over it (default one tick, 0.05: SPEC costs, futures
  at settlement plus a tick of slippage; ``None`` falls back to the VX spread model x
  ``slippage_frac``); multiplier 1000 / 100; sensitivity ``vx_beta(dte) x
  multiplier`` USD per VIX point. On and after its expiry day: the VX final settlement (SOQ)
  from ``final_settlements``, else the VIX open of that day, else the VIX close (the source is
  returned by :meth:`HedgePricer.settlement`).
- VIX options: Black-76 on the VX future of the same expiry with the VVIX vol model of
  ``alvh.market.vixoptions`` and the IRX rate; a fill pays ``slippage_frac x max(0.025,
  0.025 + 2.5% of mid)`` over it (not fit: docs/costs.md), never more than the mid; sensitivity
  ``delta x vx_beta(dte) x 100`` USD per VIX point; at expiry the intrinsic value on the VX
  final settlement.
- VIX-futures ETF: the VXX-like series of ``alvh.market.vixetf`` rebuilt once from the whole VX
  table (point-in-time: each value uses settlements up to its own date), read at the latest VX
  settlement date the snapshot knows. The modelled ETF never reverse-splits (the real VXX did,
  many times), so its price drifts far from the $10-100 range of a real share; the half-spread
  (one cent at $25) and the per-share commission are therefore charged as the fraction of value they
  are at a reference price (default 25 USD a share).

The costs live in ``alvh.engine.costs`` and what a snapshot says about the instruments
(``HedgeMarket``, built once a snapshot) in ``alvh.engine.hedge_market``.
"""

from __future__ import annotations

import pandas as pd

from alvh.book.contracts import EtfShare, VixFuture, VixOption, parse_contract_id
from alvh.calendar.listings import product_listed_on
from alvh.engine.costs import HedgeCosts, vix_option_half_spread
from alvh.engine.hedge_market import DAY_NS, HedgeMarket, build_market, date_of_ns, ns_of_date
from alvh.engine.hedge_marks import (
    EtfTerms,
    FutureTerms,
    OptionTerms,
    Terms,
    etf_mark,
    future_mark,
    no_option_data,
    option_mark,
    settlement_kind,
    vix_settlement,
)
from alvh.errors import PricingError
from alvh.market.snapshot import MarketSnapshot
from alvh.market.vixoptions import VixOptionModel, strike_for_delta
from alvh.strategy.book_view import HedgeMark
from alvh.strategy.hedge.instruments import (
    InstrumentQuote,
    etf_quote,
    vix_call_strike,
    vx_beta,
    vx_carry_per_month,
    vx_quote,
)

__all__ = ["VIX_STRIKE_GRID", "HedgePricer", "hedge_contract"]

VIX_STRIKE_GRID = 1.0


class HedgePricer:
    """Marks, quotes and settlements of hedge contracts: a function of (snapshot, contract id).

    A contract id carries the contract's terms (``alvh.book.contracts.parse_contract_id``:
    kind, expiry, strike, right, mini), so the pricer keeps no registry: any id it can parse,
    it can price from any snapshot. What it keeps are memos of pure functions (a contract's
    fixed terms, ``vx_beta`` by whole days, the VIX option model of a VVIX level) and the
    market of the last snapshot it was asked about (marks are asked many times a session).

    Parameters
    ----------
    costs
        Execution costs and margins.
    """

    def __init__(self, costs: HedgeCosts | None = None) -> None:
        self.costs = costs or HedgeCosts()
        self._models: dict[float, VixOptionModel] = {}
        self._cache: tuple[MarketSnapshot, int, HedgeMarket] | None = None
        self._terms_of: dict[str, Terms] = {}  # contract id -> _terms
        self._betas: dict[int, float] = {}  # whole days -> vx_beta

    def option_model(self, vvix: float) -> VixOptionModel:
        """Return the VIX option vol model of a VVIX level (one object per level)."""
        model = self._models.get(vvix)
        if model is None:
            model = self._models[vvix] = VixOptionModel(vvix)
        return model

    # -- the market of one snapshot -------------------------------------------------------
    def market(self, snap: MarketSnapshot) -> HedgeMarket:
        """Return the hedge market of ``snap`` (cached for the last snapshot time seen)."""
        c = self._cache
        # The same snapshot object is asked many times a session (marks, fills, the decision).
        if c is not None and c[0] is snap:
            return c[2]
        key = int(snap.as_of.value)
        if c is not None and c[1] == key:
            return c[2]
        m = build_market(snap)
        self._cache = (snap, key, m)
        return m

    # -- settlement -----------------------------------------------------------------------
    settlement_kind = staticmethod(settlement_kind)

    def settlement(self, snap: MarketSnapshot, expiry: pd.Timestamp) -> tuple[float, str]:
        """Return the VIX settlement value of ``expiry`` and its source (``vix_settlement``)."""
        return vix_settlement(snap, expiry)

    # -- marks ----------------------------------------------------------------------------
    def mark(self, snap: MarketSnapshot, contract_id: str) -> HedgeMark:
        """Return the mark of a hedge contract from what ``snap`` knows.

        Raises
        ------
        KeyError
            If the id names no hedge contract (a VX or VXM future, a VIX option, an ETF).
        NoDataError
            If the snapshot lacks the data to price it (e.g. the VX contract is not on the
            latest known curve, or no VVIX is known for an option).
        """
        c = self._cache  # market(snap), its hit inline: marks are asked many times a session
        m = c[2] if c is not None and c[0] is snap else self.market(snap)
        hit = m.marks.get(contract_id)
        if hit is None:
            hit = m.marks[contract_id] = self._mark(snap, m, contract_id)
        return hit

    def _terms(self, contract_id: str) -> Terms:
        """Return what marking a contract needs that never changes (built once per id).

        One of ``FutureTerms``, ``OptionTerms``, ``EtfTerms``; ``KeyError`` for an id that
        names no hedge contract.
        """
        hit = self._terms_of.get(contract_id)
        if hit is None:
            c = hedge_contract(contract_id)
            if c is None:
                raise KeyError(contract_id)
            k = self.costs
            if isinstance(c, VixFuture):
                e_ns = ns_of_date(c.expiry)
                fee = k.vxm_fee_usd if c.mini else k.vx_fee_usd
                margin = k.vxm_initial_margin_usd if c.mini else k.vx_initial_margin_usd
                half = None if k.vx_fill_ticks is None else k.vx_half_spread(0.0, c.mini)
                hit = FutureTerms(c, e_ns, pd.Timestamp(e_ns), fee, margin, c.multiplier, half)
            elif isinstance(c, VixOption):
                e_ns = ns_of_date(c.expiry)
                hit = OptionTerms(c, e_ns, pd.Timestamp(e_ns), k.vix_option_fee_usd, c.multiplier)
            else:
                hit = EtfTerms(c, k.etf_fee_per_share_usd, k.etf_half_spread())
            self._terms_of[contract_id] = hit
        return hit

    def beta(self, dte: int) -> float:
        """Return ``vx_beta(dte)`` (kept per whole number of days: the same float)."""
        b = self._betas.get(dte)
        if b is None:
            b = self._betas[dte] = vx_beta(dte)
        return b

    def _mark(self, snap: MarketSnapshot, m: HedgeMarket, contract_id: str) -> HedgeMark:
        t = self._terms(contract_id)
        if isinstance(t, FutureTerms):
            return future_mark(self, snap, m, t)
        if isinstance(t, OptionTerms):
            return option_mark(self, snap, m, t)
        return etf_mark(self, snap, m, t)

    def vix_option(
        self, snap: MarketSnapshot, expiry: pd.Timestamp, strike: float, is_call: bool = True
    ) -> tuple[float, float, int]:
        """Return (price, Black-76 delta, calendar days) of a VIX option on its VX future."""
        m = self.market(snap)
        expiry_ns = int(expiry.value)
        fwd = m.vx_exp.get(expiry_ns)
        if fwd is None or m.curve_ns is None or m.vvix is None:
            raise no_option_data(m, expiry_ns, snap)
        g, days = self.option_greeks(m, expiry_ns, strike, is_call, fwd, m.curve_ns, m.vvix)
        return g[0], g[1], days

    def option_half_spread(self, mid: float) -> float:
        """Return what a VIX option fill pays over ``mid`` (``vix_option_half_spread``)."""
        return vix_option_half_spread(mid, self.costs)

    def option_greeks(
        self,
        m: HedgeMarket,
        expiry_ns: int,
        strike: float,
        is_call: bool,
        fwd: float,
        curve_ns: int,
        vvix: float,
    ) -> tuple[tuple[float, ...], int]:
        """Return a VIX option's greeks on ``m`` (kept in ``m.option_greeks``: the mark, the
        carry and the sizing quote of one option share them) and its calendar days."""
        days = (expiry_ns - curve_ns) // DAY_NS  # (expiry - curve date).days
        key = (expiry_ns, strike, is_call)
        g = m.option_greeks.get(key)
        if g is None:
            g = m.option_greeks[key] = self.option_model(vvix).greeks_one(
                fwd, strike, days, is_call, m.rate
            )
        return g, days

    # -- quotes for the strategy ----------------------------------------------------------
    def vx_quotes(self, snap: MarketSnapshot, max_n: int = 6) -> list[InstrumentQuote]:
        """Return quotes of the first ``max_n`` VX futures live after today (with their minis)."""
        m = self.market(snap)
        out: list[InstrumentQuote] = []
        if m.vix is None or m.curve_ns is None:
            return out
        live = sorted((e, code, px) for code, (e, px) in m.vx_code.items() if e > m.today_ns)
        k = self.costs
        today = date_of_ns(m.curve_ns)
        # Mini VIX futures (VXM) only once listed: before, the quote offers no mini and sizing
        # rounds to whole VX (alvh.calendar.listings).
        vxm_listed = product_listed_on("vxm", date_of_ns(m.today_ns))
        for e_ns, code, px in live[:max_n]:
            try:
                fut = VixFuture(code, date_of_ns(e_ns))
            except ValueError:
                continue  # a non-monthly code (weekly); the hedge trades monthlies
            mini = VixFuture(code, fut.expiry, mini=True).id if vxm_listed else None
            margins = (k.vx_initial_margin_usd, k.vxm_initial_margin_usd)
            q = vx_quote(fut.id, px, m.vix, fut.expiry, today, mini, *margins)
            out.append(q)
        return out

    def call_quotes(
        self,
        snap: MarketSnapshot,
        otm_pct: float | None,
        delta: float | None,
        spread_width_pct: float | None = None,
        max_n: int = 6,
    ) -> list[InstrumentQuote]:
        """Return one VIX call (or call spread) quote per live expiry, strike by OTM % or delta.

        A spread's symbol is ``"<long id>|<short id>"`` (``spread_legs`` splits it).
        """
        m = self.market(snap)
        out: list[InstrumentQuote] = []
        if m.vvix is None or m.curve_ns is None:
            return out
        if not product_listed_on("vix_option", date_of_ns(m.today_ns)):
            return out  # VIX options were listed from 2006-02-24 (alvh.calendar.listings)
        model = self.option_model(m.vvix)
        live = sorted((e, px) for e, px in m.vx_exp.items() if e > m.today_ns)
        for e_ns, fwd in live[:max_n]:
            days = (e_ns - m.curve_ns) // DAY_NS
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
            g = self.option_greeks(m, e_ns, legs[0], True, fwd, m.curve_ns, m.vvix)[0]
            price, dlt, theta = g[0], g[1], g[4]
            if len(legs) == 2:
                s = self.option_greeks(m, e_ns, legs[1], True, fwd, m.curve_ns, m.vvix)[0]
                price, dlt, theta = price + -1.0 * s[0], dlt + -1.0 * s[1], theta + -1.0 * s[4]
            expiry = date_of_ns(e_ns)
            out.append(
                InstrumentQuote(
                    "|".join(VixOption(expiry, kk, "C").id for kk in legs),
                    "vix_call" if len(legs) == 1 else "vix_call_spread",
                    price,
                    100.0,
                    dlt * vx_beta(days),
                    theta * 365.0 / 12.0,
                    expiry,
                )
            )
        return out

    def etf_quote(self, snap: MarketSnapshot, symbol: str) -> InstrumentQuote | None:
        """Return the ETF quote (price, beta per share, carry) at the snapshot's curve date."""
        return self.etf_quote_on(self.market(snap), symbol)

    def etf_quote_on(self, m: HedgeMarket, symbol: str) -> InstrumentQuote | None:
        """Return ``etf_quote`` on the market ``m`` (kept in ``m.etf_quotes``)."""
        quotes = m.etf_quotes
        if symbol in quotes:  # one quote a session: the marks and the rule ask again
            return quotes[symbol]
        q = None
        if m.vix is not None and m.curve_ns is not None and m.etf is not None:
            price, w, e1, e2 = m.etf
            f1, f2 = m.vx_exp.get(e1), m.vx_exp.get(e2)
            if f1 is not None and f2 is not None:
                d0 = m.curve_ns
                q = etf_quote(
                    symbol, price, w, f1, f2, m.vix, (e1 - d0) // DAY_NS, (e2 - d0) // DAY_NS
                )
        quotes[symbol] = q
        return q

    def carry_of(self, snap: MarketSnapshot, contract_id: str) -> tuple[float, float] | None:
        """Return (multiplier, carry per month) of a held contract, None when it has no quote.

        The daily carry estimate of held contracts reads only these two numbers: those of the
        sizing quote (``vx_quotes``, ``call_quotes``, ``etf_quote``) the contract was bought on,
        without building it (tested against them).
        """
        m = self.market(snap)
        c = hedge_contract(contract_id)
        if c is None or m.curve_ns is None or m.vix is None:
            return None
        if isinstance(c, VixFuture):
            hit = m.vx_code.get(c.code)
            if hit is None or hit[0] <= m.today_ns:
                return None
            dte = (hit[0] - m.curve_ns) // DAY_NS  # between midnights
            carry = vx_carry_per_month(hit[1], m.vix, dte)
            return (1000.0 * 0.1 if c.mini else 1000.0), carry
        if isinstance(c, VixOption):
            # The greeks the session's mark of this option computed (else computed here and
            # kept for the mark): theta per day x 365 / 12, as ``call_quotes`` has it.
            e_ns = ns_of_date(c.expiry)
            if e_ns <= m.today_ns or m.vvix is None:
                return None
            fwd = m.vx_exp.get(e_ns)
            if fwd is None:
                return None
            g, _ = self.option_greeks(m, e_ns, c.strike, c.is_call, fwd, m.curve_ns, m.vvix)
            return 100.0, g[4] * 365.0 / 12.0
        q = self.etf_quote_on(m, c.symbol)
        return None if q is None else (q.multiplier, q.carry_per_month)


def _grid(k: float) -> float:
    return max(VIX_STRIKE_GRID, round(k / VIX_STRIKE_GRID) * VIX_STRIKE_GRID)


def hedge_contract(contract_id: str) -> VixFuture | VixOption | EtfShare | None:
    """Return the hedge contract an id names (its terms are in the id), None for any other id.

    A VX future's expiry follows the CFE rule (``alvh.calendar.expiries.vx_expiry``), which
    gives the data's expiry for every contract the hedge trades (the equivalence runs of
    issue 19 price the same contracts as the registry of data expiries did).
    """
    try:
        c = parse_contract_id(contract_id)
    except ValueError:
        return None
    return c if isinstance(c, VixFuture | VixOption | EtfShare) else None
