"""Account caps on the hedge: what a buy may add given what is held and the equity left.

Every sizing mode measures its target on the condor book (short vega or notional), which knows
nothing of the hedged account's equity; these caps bound the result by the account
(``HedgeConfig.caps``, docs/hedge.md "Caps"). Three uses are counted, in USD:

- ``premium_usd``: premium at risk in long VIX calls / call spreads (net debit) plus the
  VIX-futures ETF's value, at price x multiplier x contracts;
- ``vx_margin_usd``: initial margin of the VX and VXM futures;
- ``vx_notional_usd``: face value of those futures, price x multiplier x contracts.

A cap is ``pct / 100 x equity``; the room is the cap minus what is held (never negative). All
functions here are pure.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from alvh.config.hedge import HedgeConfig
from alvh.strategy.hedge.instruments import InstrumentQuote

CapName = Literal["premium", "vx_margin", "vx_notional"]
CAP_LABELS: dict[CapName, str] = {
    "premium": "premium (VIX calls + ETF)",
    "vx_margin": "VX margin",
    "vx_notional": "VX notional",
}
_EPS = 1e-9


@dataclass(frozen=True)
class CapUse:
    """What positions use of each capped quantity (USD)."""

    premium_usd: float = 0.0
    vx_margin_usd: float = 0.0
    vx_notional_usd: float = 0.0

    def get(self, name: CapName) -> float:
        """Return the use of one cap, USD."""
        return {
            "premium": self.premium_usd,
            "vx_margin": self.vx_margin_usd,
            "vx_notional": self.vx_notional_usd,
        }[name]

    def __add__(self, other: CapUse) -> CapUse:
        return CapUse(
            self.premium_usd + other.premium_usd,
            self.vx_margin_usd + other.vx_margin_usd,
            self.vx_notional_usd + other.vx_notional_usd,
        )

    def __sub__(self, other: CapUse) -> CapUse:
        return self + other.scaled(-1.0)

    def scaled(self, factor: float) -> CapUse:
        """Return the use of ``factor`` times the positions."""
        return CapUse(
            self.premium_usd * factor, self.vx_margin_usd * factor, self.vx_notional_usd * factor
        )


def unit_use(q: InstrumentQuote, mini: bool = False) -> CapUse:
    """Return the use of one contract of a quote (``mini``: one VXM of a VX quote).

    Futures use margin and notional (no premium); options and ETF shares use premium.
    """
    if q.kind == "vx":
        if mini:
            return CapUse(0.0, q.mini_margin_usd, q.price * q.multiplier / 10.0)
        return CapUse(0.0, q.margin_usd, q.price * q.multiplier)
    return CapUse(q.price * q.multiplier, 0.0, 0.0)


def vx_equivalent_use(q: InstrumentQuote) -> CapUse:
    """Return the use of one VX-equivalent of a quote, the larger of one VX and ten VXM."""
    if q.kind != "vx":
        return unit_use(q)
    big, small = unit_use(q), unit_use(q, mini=True).scaled(10.0)
    return CapUse(
        0.0,
        max(big.vx_margin_usd, small.vx_margin_usd),
        max(big.vx_notional_usd, small.vx_notional_usd),
    )


def cap_limits(capital_usd: float, cfg: HedgeConfig) -> dict[CapName, float]:
    """Return each enabled cap in USD (``pct / 100 x equity``, 0 when equity is not positive)."""
    c = cfg.caps
    pcts: dict[CapName, float | None] = {
        "premium": c.premium_pct_of_equity,
        "vx_margin": c.vx_margin_pct_of_equity,
        "vx_notional": c.vx_notional_pct_of_equity,
    }
    eq = max(capital_usd, 0.0)
    return {k: v / 100.0 * eq for k, v in pcts.items() if v is not None}


def cap_pct(name: CapName, cfg: HedgeConfig) -> float:
    """Return the configured percentage of a cap (it must be enabled)."""
    c = cfg.caps
    v = {
        "premium": c.premium_pct_of_equity,
        "vx_margin": c.vx_margin_pct_of_equity,
        "vx_notional": c.vx_notional_pct_of_equity,
    }[name]
    assert v is not None
    return v


@dataclass(frozen=True)
class CapCut:
    """Factors that scale a buy into the room each cap leaves, and the journal text.

    Attributes
    ----------
    premium_factor
        Applies to options and ETF slices (1 when the premium cap does not bind).
    vx_factor
        Applies to futures slices (the smaller of the margin and notional factors).
    binding
        Names of the caps that bound.
    notes
        One text per binding cap, e.g. ``"capped: premium (VIX calls + ETF) 5% of equity ..."``.
    """

    premium_factor: float = 1.0
    vx_factor: float = 1.0
    binding: tuple[CapName, ...] = ()
    notes: tuple[str, ...] = ()

    def factor(self, kind: str) -> float:
        """Return the factor of a slice of instrument ``kind``."""
        return self.vx_factor if kind in ("vx", "vxm") else self.premium_factor


def cap_cut(held: CapUse, new: CapUse, capital_usd: float, cfg: HedgeConfig) -> CapCut:
    """Return how much of a buy using ``new`` fits under the caps when ``held`` is held.

    Parameters
    ----------
    held
        Use of the positions held (and of buys already decided this session).
    new
        Use of the buy as wanted.
    capital_usd
        Account equity.
    cfg
        Hedge config (``caps``).

    Returns
    -------
    CapCut
        Factors in [0, 1] per instrument family and the text of every cap that bound.
    """
    factors: dict[CapName, float] = {}
    notes: list[str] = []
    for name, cap in cap_limits(capital_usd, cfg).items():
        want = new.get(name)
        if want <= _EPS:
            continue
        have = held.get(name)
        room = max(0.0, cap - have)
        if want <= room * (1.0 + 1e-9) + _EPS:
            continue
        f = room / want
        factors[name] = f
        notes.append(
            f"capped: {CAP_LABELS[name]} {cap_pct(name, cfg):.1f}% of equity "
            f"{capital_usd:,.0f} = {cap:,.0f} USD; held {have:,.0f} + wanted {want:,.0f} "
            f"> cap, buy cut to {f:.0%} ({room:,.0f} USD of room)"
        )
    return CapCut(
        factors.get("premium", 1.0),
        min(factors.get("vx_margin", 1.0), factors.get("vx_notional", 1.0)),
        tuple(factors),
        tuple(notes),
    )


def bust_reason(capital_usd: float, cfg: HedgeConfig) -> str | None:
    """Return why no hedge may be bought when equity is at or below the floor, else None."""
    floor = cfg.caps.min_equity_usd
    if capital_usd > floor and math.isfinite(capital_usd):
        return None
    return (
        f"no hedge bought: equity {capital_usd:,.0f} USD <= {floor:,.0f} "
        "(the book is bust; caps.min_equity_usd)"
    )


def capped_count(
    contracts: int, unit: CapUse, held: CapUse, capital_usd: float, cfg: HedgeConfig
) -> tuple[int, str | None]:
    """Return how many of ``contracts`` (each using ``unit``) fit under the caps, and why not all.

    Used by rolls: ``held`` already excludes the contracts being rolled out of.
    """
    bust = bust_reason(capital_usd, cfg)
    if bust is not None:
        return 0, bust
    cut = cap_cut(held, unit.scaled(contracts), capital_usd, cfg)
    if not cut.binding:
        return contracts, None
    n = math.floor(contracts * min(cut.premium_factor, cut.vx_factor) + 1e-9)
    return max(0, min(n, contracts)), "; ".join(cut.notes)
