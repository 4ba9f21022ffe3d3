"""Hedge instruments as sizing sees them: a price, a multiplier, a sensitivity to VIX, a carry.

A VX future moves about ``beta(dte) x`` the VIX move: its beta falls with days to expiry. The
default curve ``beta = 0.22 + 0.53 exp(-dte / 40)`` was fitted to regressions of daily VX1-VX4
settlement changes on VIX changes, 2007-2021 (shared data ``vx_continuous_vx1_vx8``): measured
0.68 at 0-10 DTE, 0.48 at 20-35, 0.34 at 50-70, 0.26 at 100-130 (a realdata test pins them).
A VIX call moves by its Black-76 delta on its future times that future's beta; a VIX-futures ETF
by the weighted betas of the two futures it holds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from typing import Literal

import numpy as np
from scipy.special import ndtri

from alvh.kernel.black import black76_greeks

InstrumentKind = Literal["vx", "vix_call", "vix_call_spread", "etf"]
DAYS_PER_MONTH = 365.0 / 12.0


@dataclass(frozen=True)
class InstrumentQuote:
    """One candidate hedge instrument on the decision day.

    Attributes
    ----------
    symbol
        Id the engine trades, e.g. ``"VXK20"``, ``"VIX 2020-05-20 C25"``, ``"VXX"``.
    kind
        ``"vx"``, ``"vix_call"``, ``"vix_call_spread"`` or ``"etf"``.
    price
        Price per unit (VIX points; USD per share for the ETF).
    multiplier
        USD per point per contract (VX 1000, VIX options 100, ETF 1).
    vix_beta
        Price change per unit for +1 VIX point (points per VIX point).
    carry_per_month
        Expected price change per unit over a month with VIX unchanged (negative = cost).
    expiry
        Expiry date, None for the ETF.
    mini_symbol
        For VX: the VXM (1/10 size) contract of the same expiry, or None.
    margin_usd, mini_margin_usd
        For VX: initial margin per VX and per VXM contract, USD (0 for other kinds).
    """

    symbol: str
    kind: InstrumentKind
    price: float
    multiplier: float
    vix_beta: float
    carry_per_month: float
    expiry: date | None = None
    mini_symbol: str | None = None
    margin_usd: float = 0.0
    mini_margin_usd: float = 0.0

    def dte_days(self, today: date) -> int | None:
        """Return calendar days from ``today`` to expiry (None for the ETF)."""
        return None if self.expiry is None else (self.expiry - today).days


def vx_beta(
    dte_days: float, beta_0: float = 0.75, beta_inf: float = 0.22, tau_days: float = 40.0
) -> float:
    """Return a VX future's sensitivity to VIX, ``beta_inf + (beta_0 - beta_inf) exp(-dte/tau)``.

    Parameters
    ----------
    dte_days
        Calendar days to the future's expiry.
    beta_0, beta_inf, tau_days
        Curve parameters (defaults fitted on 2007-2021 data, see the module docstring).
    """
    return beta_inf + (beta_0 - beta_inf) * math.exp(-max(dte_days, 0.0) / tau_days)


def vx_carry_per_month(vx: float, vix: float, dte_days: float) -> float:
    """Return a long VX future's expected monthly drift toward spot VIX, in points.

    The basis ``VIX - VX`` closes by expiry; spread evenly over the days left (at least 15, so a
    position about to be rolled is charged at a monthly rate, not its last few days' rate).
    Negative in contango (a cost), positive in backwardation.
    """
    return (vix - vx) * DAYS_PER_MONTH / max(dte_days, 15.0)


def vx_quote(
    symbol: str,
    vx: float,
    vix: float,
    expiry: date,
    today: date,
    mini_symbol: str | None = None,
    margin_usd: float = 0.0,
    mini_margin_usd: float = 0.0,
) -> InstrumentQuote:
    """Return the quote of a VX future (multiplier 1000) with its beta, carry and margins."""
    dte = (expiry - today).days
    return InstrumentQuote(
        symbol,
        "vx",
        vx,
        1000.0,
        vx_beta(dte),
        vx_carry_per_month(vx, vix, dte),
        expiry,
        mini_symbol,
        margin_usd,
        mini_margin_usd,
    )


def vix_call_strike(
    forward: float,
    t_years: float,
    vol: float,
    otm_pct: float | None = None,
    delta: float | None = None,
    discount: float = 1.0,
    grid: float = 1.0,
) -> float:
    """Return a VIX call strike on the listed grid: ``otm_pct`` above the forward, or by delta.

    By delta the Black-76 strike solves ``discount x N(d1) = delta``:
    ``K = F exp(-d1 sigma sqrt(T) + sigma^2 T / 2)``.
    """
    if (otm_pct is None) == (delta is None):
        raise ValueError("give exactly one of otm_pct and delta")
    if otm_pct is not None:
        k = forward * (1.0 + otm_pct)
    else:
        assert delta is not None
        sd = vol * math.sqrt(t_years)
        d1 = float(ndtri(delta / discount))
        k = forward * math.exp(-d1 * sd + 0.5 * sd * sd)
    return max(grid, round(k / grid) * grid)


def vix_call_quote(
    symbol: str,
    forward: float,
    strike: float,
    expiry: date,
    today: date,
    vol: float,
    discount: float = 1.0,
    short_strike: float | None = None,
) -> InstrumentQuote:
    """Return a VIX call (or call spread when ``short_strike``) priced by Black-76 on its future.

    Sensitivity to VIX = Black delta on the forward x the future's beta; monthly carry = theta per
    day x days in a month (the premium decay with the forward held).
    """
    dte = (expiry - today).days
    t = max(dte, 0) / 365.0
    strikes = [strike] if short_strike is None else [strike, short_strike]
    g = black76_greeks(forward, np.asarray(strikes), t, vol, discount, True)
    sign = np.array([1.0] if short_strike is None else [1.0, -1.0])
    price = float(np.sum(sign * g.price))
    delta = float(np.sum(sign * g.delta))
    theta = float(np.sum(sign * g.theta_per_day))
    kind: InstrumentKind = "vix_call" if short_strike is None else "vix_call_spread"
    return InstrumentQuote(
        symbol, kind, price, 100.0, delta * vx_beta(dte), theta * DAYS_PER_MONTH, expiry
    )


def etf_front_weight(sessions_left_in_roll: int, sessions_in_roll: int) -> float:
    """Return the short-term VIX futures index's front-month weight (daily roll, 1st to 2nd).

    The index holds ``dr / dt`` in the front future, where ``dt`` is the number of sessions in
    the roll period and ``dr`` the sessions left in it.
    """
    if sessions_in_roll <= 0:
        raise ValueError("sessions_in_roll must be positive")
    return min(max(sessions_left_in_roll / sessions_in_roll, 0.0), 1.0)


def etf_quote(
    symbol: str,
    price: float,
    w_front: float,
    vx1: float,
    vx2: float,
    vix: float,
    dte1_days: float,
    dte2_days: float,
) -> InstrumentQuote:
    """Return a VIX-futures ETF quote: beta and carry are the weighted ones of its two futures.

    ``dP / P = w dVX1 / VX1 + (1 - w) dVX2 / VX2``, so
    ``dP / dVIX = P (w beta1 / VX1 + (1 - w) beta2 / VX2)`` and the same weights apply to carry.
    """
    b = price * (w_front * vx_beta(dte1_days) / vx1 + (1 - w_front) * vx_beta(dte2_days) / vx2)
    c1 = vx_carry_per_month(vx1, vix, dte1_days) / vx1
    c2 = vx_carry_per_month(vx2, vix, dte2_days) / vx2
    carry = price * (w_front * c1 + (1 - w_front) * c2)
    return InstrumentQuote(symbol, "etf", price, 1.0, b, carry, None)


def spread_legs(symbol: str) -> list[tuple[str, float]]:
    """Return ``[(contract id, +1 long / -1 short), ...]`` of a quote symbol.

    A call spread's symbol is ``"<long id>|<short id>"``; any other symbol is one long leg.
    """
    ids = symbol.split("|")
    return [(cid, 1.0 if i == 0 else -1.0) for i, cid in enumerate(ids)]
