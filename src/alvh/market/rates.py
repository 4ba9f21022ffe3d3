"""Discounting and carry for SPX options: a flat risk-free rate and dividend yield per day.

The rate comes from the 13-week T-bill (``IRX``, a *discount* yield in percent), converted to a
continuously compounded ACT/365 rate; when no IRX value is known the fed funds effective rate
(``DFF``, an ACT/360 overnight money-market rate) is used instead. Both are flat across
maturities: SPX options held by the book live 0-90 days, where the T-bill curve is nearly flat
and one basis point of rate moves a 90-day option by far less than its bid/ask spread.

Dividend yield: a constant continuous yield, ``DEFAULT_DIV_YIELD`` = 1.8% unless the caller
passes another one. The S&P 500 trailing dividend yield sat between 1.1% and 2.3% from 2004 to
2026 (about 1.8-2.0% in most years); the January 2018 calibration chains imply 1.8% from put-call
parity (see docs/calibration.md). A constant is wrong by a few tenths of a percent in some
years; over 45 days that moves the forward by ~0.05%, a few SPX points at most, which the
strike-selection rules absorb.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, Literal

import numpy as np

from alvh._typing import ArrayLike, Float64Array
from alvh.errors import NoDataError
from alvh.kernel.black import forward_price

if TYPE_CHECKING:
    from alvh.market.snapshot import MarketSnapshot

DEFAULT_DIV_YIELD: Final = 0.018
"""Continuous S&P 500 dividend yield assumed when no other is given (decimal)."""

_TBILL_DAYS: Final = 91  # the 13-week bill's tenor, used to turn its discount yield into a price


def tbill_discount_yield_to_cc(discount_yield_pct: float, days: int = _TBILL_DAYS) -> float:
    """Convert a T-bill discount yield (percent, ACT/360) to a continuous ACT/365 rate.

    The bill's price is ``1 - d * days / 360``; the continuous rate is ``-ln(price) / (days/365)``.

    Parameters
    ----------
    discount_yield_pct
        Bank discount yield in percent, e.g. 1.378 for IRX on 2018-01-02.
    days
        Days to maturity of the bill (91 for the 13-week bill).

    Returns
    -------
    float
        Continuously compounded rate, decimal.
    """
    price = 1.0 - discount_yield_pct / 100.0 * days / 360.0
    return -math.log(price) / (days / 365.0)


def money_market_to_cc(rate_pct: float) -> float:
    """Convert an overnight ACT/360 money-market rate (percent) to a continuous ACT/365 rate."""
    return 365.0 * math.log1p(rate_pct / 100.0 / 360.0)


@dataclass(frozen=True)
class CarryCurve:
    """Flat continuous rate and dividend yield for one day.

    Attributes
    ----------
    rate
        Continuously compounded risk-free rate (ACT/365, decimal).
    div_yield
        Continuous dividend yield (decimal).
    rate_source
        Which series the rate came from: ``"IRX"``, ``"DFF"`` or ``"given"``.
    """

    rate: float
    div_yield: float = DEFAULT_DIV_YIELD
    rate_source: Literal["IRX", "DFF", "given"] = "given"

    @classmethod
    def from_snapshot(
        cls, snap: MarketSnapshot, div_yield: float = DEFAULT_DIV_YIELD
    ) -> CarryCurve:
        """Return the carry known at ``snap.as_of``: IRX if known, else DFF.

        Raises
        ------
        NoDataError
            If neither IRX nor DFF is known at ``snap.as_of``.
        """
        try:
            return cls(tbill_discount_yield_to_cc(snap.rate_pct("IRX")), div_yield, "IRX")
        except NoDataError:
            pass
        try:
            return cls(money_market_to_cc(snap.rate_pct("DFF")), div_yield, "DFF")
        except NoDataError:
            raise NoDataError(
                f"no IRX or DFF rate known at {snap.as_of}; import a rates file "
                "(FRED DFF or Yahoo ^IRX) to price options"
            ) from None

    def discount(self, t_years: ArrayLike) -> Float64Array:
        """Return discount factors ``exp(-r T)``."""
        return np.exp(-self.rate * np.asarray(t_years, dtype=np.float64))

    def forward(self, spot: float, t_years: ArrayLike) -> Float64Array:
        """Return forwards ``S exp((r - q) T)``."""
        return forward_price(spot, self.rate, self.div_yield, t_years)
