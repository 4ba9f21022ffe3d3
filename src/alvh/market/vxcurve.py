"""The VX futures curve of one day: listed contracts, VXn, constant maturity, contango, roll yield.

A ``VxCurve`` holds the settlements of the monthly VX contracts listed on one trade date (from
``MarketSnapshot.vx_curve()`` or hand-made rows). It never prices a future from spot VIX: spot
VIX only enters the spot/VX1 roll yield and the VIX/VIX3M ratio, never a contract's value.

Conventions
-----------
- ``dte_days``: calendar days from the curve date to the contract's final settlement (expiry).
- VXn: the n-th monthly contract whose expiry is strictly after the curve date. A contract
  settles at the SOQ on the morning of its expiry, so on that day it is no longer VX1.
- Missing contracts: the monthly sequence expected by the CFE rule (``alvh.calendar.expiries``)
  is compared with the listed codes; a contract inside the listed range but absent from the
  rows is linearly interpolated in time between its listed neighbours and returned flagged
  (``CurvePoint.interpolated``). Beyond the listed range there is no value (``NoDataError``).
- Regime: ``contango`` when VX2/VX1 - 1 > tol, ``backwardation`` when it is < -tol, else
  ``flat``; the default tolerance is 1% (``REGIME_TOL_PCT``): at VX1 = 15 that is 0.15 points,
  three ticks, so that a curve flat to within rounding is not called either way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, Literal

import numpy as np
import pandas as pd

from alvh._typing import Float64Array
from alvh.calendar.expiries import parse_vx_contract, vx_contract_code, vx_expiry
from alvh.errors import NoDataError

if TYPE_CHECKING:
    from alvh.market.snapshot import MarketSnapshot

REGIME_TOL_PCT: Final = 1.0
DAYS_PER_YEAR: Final = 365.0
DAYS_PER_MONTH: Final = 365.0 / 12.0

# Contract multipliers in USD per VIX point.
VX_MULTIPLIER_USD: Final = 1000.0
VXM_MULTIPLIER_USD: Final = 100.0
VIX_OPTION_MULTIPLIER_USD: Final = 100.0

Regime = Literal["contango", "flat", "backwardation"]


@dataclass(frozen=True)
class CurvePoint:
    """A value read off the curve and how it was obtained.

    Attributes
    ----------
    value
        Price in VIX points.
    interpolated
        True when no listed settlement was used as is (time interpolation between contracts).
    extrapolated
        True when the point lies outside the listed expiries (held flat at the nearest one).
    gap
        True when the interpolation spans a monthly contract missing from the rows.
    contract, expiry, dte_days
        The contract read, when the point is one contract (None for constant maturity).
    """

    value: float
    interpolated: bool
    extrapolated: bool = False
    gap: bool = False
    contract: str | None = None
    expiry: pd.Timestamp | None = None
    dte_days: int | None = None

    @property
    def flagged(self) -> bool:
        """Return whether the value needed extrapolation or a contract missing from the rows."""
        return self.extrapolated or self.gap


@dataclass(frozen=True)
class RollYield:
    """Return of a long future from rolling down an unchanged curve (negative in contango).

    Attributes
    ----------
    per_month_pct, annualised_pct
        Simple rates in percent: (target / future - 1) scaled by 30.42 or 365 calendar days over
        the days the future needs to reach the target.
    method
        ``"spot_vx1"``: VX1 converges to spot VIX by its expiry. ``"vx1_vx2"``: VX2 rolls down
        to today's VX1 level over the days between their expiries.
    """

    per_month_pct: float
    annualised_pct: float
    method: Literal["spot_vx1", "vx1_vx2"]


def _monthly_key(code: str) -> tuple[int, int] | None:
    try:
        return parse_vx_contract(code)
    except ValueError:
        return None


class VxCurve:
    """Settlements of the VX contracts listed on one trade date, sorted by expiry.

    Build it with ``from_snapshot`` or ``from_rows``. Contracts expiring on or before the curve
    date are dropped (they settle at the morning SOQ and are no longer tradable that day).

    Attributes
    ----------
    date
        Trade date (midnight timestamp).
    contracts, expiries, settles, dte_days
        Aligned arrays sorted by expiry.
    vix_spot, vix3m
        Spot VIX and VIX3M closes of the same date, when known (else None).
    """

    def __init__(
        self,
        date: pd.Timestamp,
        contracts: np.ndarray,
        expiries: pd.DatetimeIndex,
        settles: Float64Array,
        vix_spot: float | None = None,
        vix3m: float | None = None,
    ) -> None:
        self.date = date
        self.contracts = contracts
        self.expiries = expiries
        self.settles = settles
        self.dte_days = np.asarray((expiries - date).days, dtype=np.int64)
        self.vix_spot = vix_spot
        self.vix3m = vix3m
        keys = [_monthly_key(str(c)) for c in contracts]
        # Codes that do not parse (e.g. weeklies or another vendor's symbols) are not monthly.
        self._monthly = np.array([k is not None for k in keys], dtype=bool)
        self._keys = keys

    # -- construction ---------------------------------------------------------------------
    @classmethod
    def from_rows(
        cls,
        date: pd.Timestamp | str,
        contracts: list[str] | np.ndarray,
        expiries: list[str] | pd.DatetimeIndex | np.ndarray,
        settles: list[float] | np.ndarray,
        vix_spot: float | None = None,
        vix3m: float | None = None,
    ) -> VxCurve:
        """Return the curve of ``date`` from parallel lists of contracts, expiries and settles.

        Raises
        ------
        NoDataError
            If no contract expires after ``date`` or a settle is not a positive number.
        """
        day = pd.Timestamp(date).normalize()
        codes = np.asarray([str(c).strip().upper() for c in contracts], dtype=object)
        exp = pd.DatetimeIndex(pd.to_datetime(expiries)).normalize()
        px = np.asarray(settles, dtype=np.float64)
        if not len(codes) == len(exp) == len(px):
            raise NoDataError(
                f"VX curve {day.date()}: {len(codes)} contracts, {len(exp)} expiries and "
                f"{len(px)} settles; expected equal lengths"
            )
        live = np.asarray(exp > day)
        bad = live & ~(np.isfinite(px) & (px > 0.0))
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise NoDataError(
                f"VX curve {day.date()}: contract {codes[i]} settle {px[i]!r}; "
                "expected a positive price in VIX points"
            )
        if not live.any():
            raise NoDataError(f"VX curve {day.date()}: no listed contract expires after that date")
        order = np.argsort(exp[live].asi8, kind="mergesort")
        return cls(
            day,
            codes[live][order],
            exp[live][order],
            px[live][order],
            vix_spot=vix_spot,
            vix3m=vix3m,
        )

    @classmethod
    def from_snapshot(cls, snap: MarketSnapshot) -> VxCurve:
        """Return the curve of the latest VX settlement day known in ``snap``.

        Spot VIX and VIX3M are attached when their close of that same date is known.
        """
        rows = snap.vx_curve()
        day = pd.Timestamp(rows["date"].iloc[0]).normalize()

        def same_day_close(symbol: str) -> float | None:
            if snap.has(symbol) and snap.last_date(symbol).normalize() == day:
                return snap.close(symbol)
            return None

        return cls.from_rows(
            day,
            rows["contract"].to_numpy(),
            pd.DatetimeIndex(rows["expiry"]),
            rows["settle"].to_numpy(np.float64),
            vix_spot=same_day_close("VIX"),
            vix3m=same_day_close("VIX3M"),
        )

    # -- reading contracts ----------------------------------------------------------------
    def _expected_monthly(self, n: int) -> tuple[str, pd.Timestamp]:
        """Return code and expiry of the n-th monthly contract expiring after the date (CFE rule)."""
        y, m = self.date.year, self.date.month
        found = 0
        while True:
            exp = pd.Timestamp(vx_expiry(y, m))
            if exp > self.date:
                found += 1
                if found == n:
                    return vx_contract_code(y, m), exp
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)

    def _interp_at(self, expiry: pd.Timestamp) -> tuple[float, bool]:
        """Return (value, extrapolated) at an expiry date by linear interpolation in time."""
        x = np.asarray(self.dte_days, dtype=np.float64)
        t = float((expiry - self.date).days)
        if t < x[0] or t > x[-1]:
            return float(self.settles[0] if t < x[0] else self.settles[-1]), True
        return float(np.interp(t, x, self.settles)), False

    def _point(self, i: int) -> CurvePoint:
        return CurvePoint(
            float(self.settles[i]),
            interpolated=False,
            contract=str(self.contracts[i]),
            expiry=self.expiries[i],
            dte_days=int(self.dte_days[i]),
        )

    def front(self, n: int = 1) -> CurvePoint:
        """Return VXn: the n-th monthly contract whose expiry is strictly after the curve date.

        When the CFE calendar says that contract should exist but it is missing from the rows,
        its value is interpolated in time between listed neighbours and flagged.

        Raises
        ------
        NoDataError
            If VXn lies beyond the listed contracts.
        """
        if n < 1:
            raise ValueError(f"front(n) needs n >= 1, got {n}")
        if not self._monthly.any():
            # Unparseable codes: trust the listed order.
            if n > len(self.contracts):
                raise self._beyond(f"VX{n}")
            return self._point(n - 1)
        code, exp = self._expected_monthly(n)
        return self.settle(code, expiry=exp)

    def _beyond(self, what: str) -> NoDataError:
        listed = ", ".join(str(c) for c in self.contracts)
        return NoDataError(f"VX curve {self.date.date()}: {what} is not listed (listed: {listed})")

    def settle(self, contract: str, expiry: pd.Timestamp | None = None) -> CurvePoint:
        """Return the settle of ``contract`` (e.g. ``VXH20``), interpolated and flagged if missing.

        Raises
        ------
        NoDataError
            If the contract is not listed and lies outside the listed expiries.
        """
        code = contract.strip().upper()
        hit = np.flatnonzero(self.contracts == code)
        if hit.size:
            return self._point(int(hit[0]))
        if expiry is None:
            key = _monthly_key(code)
            if key is None:
                raise self._beyond(code)
            expiry = pd.Timestamp(vx_expiry(*key))
        if not self.expiries[0] < expiry < self.expiries[-1]:
            raise self._beyond(code)
        value, _ = self._interp_at(expiry)
        return CurvePoint(
            value,
            interpolated=True,
            gap=True,
            contract=code,
            expiry=expiry,
            dte_days=int((expiry - self.date).days),
        )

    def at_expiry(self, expiry: pd.Timestamp | str) -> CurvePoint:
        """Return the listed contract settling on ``expiry``.

        Raises
        ------
        NoDataError
            If no listed contract settles on that date (the available expiries are named).
        """
        exp = pd.Timestamp(expiry).normalize()
        hit = np.flatnonzero(self.expiries == exp)
        if hit.size == 0:
            avail = ", ".join(str(e.date()) for e in self.expiries)
            raise NoDataError(
                f"VX curve {self.date.date()}: no contract settles on {exp.date()}; "
                f"listed expiries: {avail}"
            )
        return self._point(int(hit[0]))

    # -- derived measures -----------------------------------------------------------------
    def constant_maturity(self, days: int = 30) -> CurvePoint:
        """Return the ``days``-to-expiry point, linear in time between the bracketing contracts.

        Before the first listed expiry (or after the last) the nearest settle is held flat and
        the point is flagged ``extrapolated``; when the bracketing contracts are not adjacent
        monthly contracts (one is missing from the rows) the point is flagged ``gap``.
        """
        x = self.dte_days
        target = self.date + pd.Timedelta(days=days)
        value, extrapolated = self._interp_at(target)
        gap = False
        if not extrapolated:
            j = int(np.searchsorted(x, days, side="left"))
            if x[j] != days:
                lo, hi = self._keys[j - 1], self._keys[j]
                if lo is not None and hi is not None:
                    months_apart = (hi[0] - lo[0]) * 12 + hi[1] - lo[1]
                    gap = months_apart > 1
        return CurvePoint(value, interpolated=True, extrapolated=extrapolated, gap=gap)

    def vx2_over_vx1(self) -> float:
        """Return VX2 / VX1 (above 1 in contango)."""
        return self.front(2).value / self.front(1).value

    def vix_over_vix3m(self) -> float:
        """Return spot VIX / VIX3M (below 1 in contango).

        Raises
        ------
        NoDataError
            If spot VIX or VIX3M of the curve date is not known.
        """
        if self.vix_spot is None or self.vix3m is None:
            raise NoDataError(f"VIX/VIX3M: VIX or VIX3M close of {self.date.date()} not known")
        return self.vix_spot / self.vix3m

    def regime(self, tol_pct: float = REGIME_TOL_PCT) -> Regime:
        """Return ``contango``, ``flat`` or ``backwardation`` from VX2/VX1 with a tolerance.

        Parameters
        ----------
        tol_pct
            Half-width of the ``flat`` band around VX2/VX1 = 1, in percent (default 1%).
        """
        slope = self.vx2_over_vx1() - 1.0
        tol = tol_pct / 100.0
        if slope > tol:
            return "contango"
        if slope < -tol:
            return "backwardation"
        return "flat"

    def roll_yield(self, method: Literal["spot_vx1", "vx1_vx2"] = "vx1_vx2") -> RollYield:
        """Return the roll yield of a long future (negative in contango), simple rates.

        ``spot_vx1``: (VIX / VX1 - 1) over VX1's days to expiry (needs spot VIX).
        ``vx1_vx2``: (VX1 / VX2 - 1) over the days between the two expiries.
        """
        one = self.front(1)
        assert one.dte_days is not None
        if method == "spot_vx1":
            if self.vix_spot is None:
                raise NoDataError(f"roll yield: spot VIX of {self.date.date()} not known")
            ratio, days = self.vix_spot / one.value - 1.0, float(max(one.dte_days, 1))
        else:
            two = self.front(2)
            assert two.dte_days is not None
            ratio, days = one.value / two.value - 1.0, float(two.dte_days - one.dte_days)
        return RollYield(
            per_month_pct=100.0 * ratio * DAYS_PER_MONTH / days,
            annualised_pct=100.0 * ratio * DAYS_PER_YEAR / days,
            method=method,
        )

    def to_frame(self) -> pd.DataFrame:
        """Return contract, expiry, dte_days and settle as a table (one row per contract)."""
        return pd.DataFrame(
            {
                "contract": self.contracts,
                "expiry": self.expiries,
                "dte_days": self.dte_days,
                "settle": self.settles,
            }
        )

    def __repr__(self) -> str:
        pts = ", ".join(f"{c}={s:g}" for c, s in zip(self.contracts, self.settles, strict=True))
        return f"VxCurve({self.date.date()}: {pts})"
