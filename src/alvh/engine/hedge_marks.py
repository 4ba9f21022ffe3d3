"""How each hedge contract is marked from one snapshot (conventions: ``alvh.engine.hedge_pricing``).

The terms of a contract that never change (``FutureTerms``, ``OptionTerms``, ``EtfTerms``) are
built once by the pricer; each kind has its mark function. On and after its expiry day a VX
future or VIX option is worth the VIX settlement value (``vix_settlement``).
"""

from __future__ import annotations

import math
from typing import NamedTuple, Protocol

import pandas as pd

from alvh.book.contracts import EtfShare, VixFuture, VixOption
from alvh.engine.costs import HedgeCosts, vix_option_half_spread
from alvh.engine.hedge_market import DAY_NS, HedgeMarket, date_of_ns
from alvh.errors import NoDataError
from alvh.market.snapshot import MarketSnapshot
from alvh.strategy.book_view import HedgeMark
from alvh.strategy.hedge.instruments import InstrumentQuote


class HedgePricer(Protocol):
    """What the mark functions read of ``alvh.engine.hedge_pricing.HedgePricer``.

    A protocol rather than an import: the pricer imports these functions, so importing it here
    would make the two modules a cycle.
    """

    costs: HedgeCosts

    def beta(self, dte: int) -> float: ...

    def option_greeks(
        self,
        m: HedgeMarket,
        expiry_ns: int,
        strike: float,
        is_call: bool,
        fwd: float,
        curve_ns: int,
        vvix: float,
    ) -> tuple[tuple[float, ...], int]: ...

    def etf_quote_on(self, m: HedgeMarket, symbol: str) -> InstrumentQuote | None: ...


class FutureTerms(NamedTuple):
    """What marking a VX or VXM future needs that never changes."""

    contract: VixFuture
    expiry_ns: int
    expiry: pd.Timestamp
    fee_usd: float
    margin_usd: float
    multiplier: float
    half_spread: float | None  # a fill in ticks does not depend on the price; else None


class OptionTerms(NamedTuple):
    """What marking a VIX option needs that never changes."""

    contract: VixOption
    expiry_ns: int
    expiry: pd.Timestamp
    fee_usd: float
    multiplier: float


class EtfTerms(NamedTuple):
    """What marking the VIX-futures ETF needs: its fee and half-spread at the reference price."""

    contract: EtfShare
    fee_usd: float
    half_spread: float


Terms = FutureTerms | OptionTerms | EtfTerms


def settlement_kind(source: str) -> str:
    """Return the kind of a ``vix_settlement`` source: ``"soq"`` (official), or the proxy
    ``"vix_open"`` / ``"vix_close"``."""
    if source.startswith("VIX open"):
        return "vix_open"
    if source.startswith("VIX close"):
        return "vix_close"
    return "soq"


def vix_settlement(snap: MarketSnapshot, expiry: pd.Timestamp) -> tuple[float, str]:
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


def no_option_data(m: HedgeMarket, expiry_ns: int, snap: MarketSnapshot | None) -> NoDataError:
    """Return the error of a VIX option that ``m`` cannot price (no forward or no VVIX)."""
    if m.vx_exp.get(expiry_ns) is None or m.curve_ns is None:
        return NoDataError(f"no VX future settles on {date_of_ns(expiry_ns)} on the known curve")
    return NoDataError(f"no VVIX known at {snap.as_of if snap else m.today}")


def future_mark(
    pricer: HedgePricer, snap: MarketSnapshot, m: HedgeMarket, t: FutureTerms
) -> HedgeMark:
    """Mark a VX / VXM future at its latest known settlement (its final one from expiry)."""
    c, exp, mult = t.contract, t.expiry, t.multiplier
    costs = pricer.costs
    if m.today_ns >= t.expiry_ns:
        value, _ = vix_settlement(snap, exp)
        return HedgeMark(
            mid=value,
            half_spread=costs.vx_half_spread(value, c.mini),
            multiplier=mult,
            expiry=exp,
            settlement=value,
            fee_usd=t.fee_usd,
            is_future=True,
            margin_usd=t.margin_usd,
            layer="vx_futures",
        )
    hit = m.vx_code.get(c.code)
    if hit is None or hit[0] != t.expiry_ns or m.curve_ns is None:
        curve = "none" if m.curve_ns is None else date_of_ns(m.curve_ns)
        raise NoDataError(f"{c.id}: not on the VX curve known at {snap.as_of} (curve of {curve})")
    px = hit[1]
    dte = (t.expiry_ns - m.curve_ns) // DAY_NS  # Timedelta.days
    half = t.half_spread
    return HedgeMark(
        mid=px,
        half_spread=half if half is not None else costs.vx_half_spread(px, c.mini),
        multiplier=mult,
        expiry=exp,
        vega_usd_per_vol_pt=pricer.beta(dte) * mult,
        fee_usd=t.fee_usd,
        is_future=True,
        margin_usd=t.margin_usd,
        layer="vx_futures",
    )


def option_mark(
    pricer: HedgePricer, snap: MarketSnapshot, m: HedgeMarket, t: OptionTerms
) -> HedgeMark:
    """Mark a VIX option on the model (Black-76 on its VX future); intrinsic from expiry."""
    c, e_ns, exp = t.contract, t.expiry_ns, t.expiry
    if m.today_ns >= e_ns:
        s, _ = vix_settlement(snap, exp)
        intrinsic = max(s - c.strike, 0.0) if c.is_call else max(c.strike - s, 0.0)
        return HedgeMark(
            mid=intrinsic,
            half_spread=0.0,
            multiplier=t.multiplier,
            expiry=exp,
            settlement=intrinsic,
            fee_usd=t.fee_usd,
            layer="vix_calls",
        )
    fwd, curve_ns, vvix = m.vx_exp.get(e_ns), m.curve_ns, m.vvix
    if fwd is None or curve_ns is None or vvix is None:
        raise no_option_data(m, e_ns, snap)
    g, dte = pricer.option_greeks(m, e_ns, c.strike, c.is_call, fwd, curve_ns, vvix)
    price, delta = g[0], g[1]
    return HedgeMark(
        mid=price,
        half_spread=vix_option_half_spread(price, pricer.costs),
        multiplier=t.multiplier,
        expiry=exp,
        vega_usd_per_vol_pt=delta * pricer.beta(dte) * t.multiplier,
        fee_usd=t.fee_usd,
        layer="vix_calls",
        extras={"delta": delta},
    )


def etf_mark(pricer: HedgePricer, snap: MarketSnapshot, m: HedgeMarket, t: EtfTerms) -> HedgeMark:
    """Mark the modelled ETF; its spread and fee scale with its price from the reference one."""
    q = pricer.etf_quote_on(m, t.contract.symbol)
    if q is None:
        raise NoDataError(
            f"{t.contract.id}: no ETF price known at {snap.as_of} ({snap.data.etf_note})"
        )
    scale = q.price / pricer.costs.etf_reference_price_usd
    return HedgeMark(
        mid=q.price,
        half_spread=t.half_spread * scale,
        multiplier=1.0,
        expiry=None,
        vega_usd_per_vol_pt=q.vix_beta,
        fee_usd=t.fee_usd * scale,
        layer="vix_etf",
    )
